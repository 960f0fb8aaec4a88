"""Four processes link 5,000 overlapping refs each on one database, at the same time.

No duplicate links, no lost links, and every conflict reported to the process that lost.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from _lockstep import run_in_lockstep
from retail_canon.models import ExternalRef
from retail_canon.xref import ResolutionStatus, XrefResolver

WORKER = Path(__file__).with_name("_xref_worker.py")
sys.path.insert(0, str(WORKER.parent))
from _xref_worker import refs_of_worker, wanted_id  # noqa: E402

PROCESSES = 4
PER_PROCESS = 5_000
STRIDE = 1_000  # refs 3,000..4,999 are linked by all four processes
ALL_REFS = range((PROCESSES - 1) * STRIDE + PER_PROCESS)


def _run_workers(url: str) -> list[dict]:
    commands = [
        [sys.executable, str(WORKER), url, str(w), str(PER_PROCESS), str(STRIDE)]
        for w in range(PROCESSES)
    ]
    return run_in_lockstep(commands, timeout=300)


def test_concurrent_linking_from_four_processes(backend):
    backend.open()  # create the schema first, as a deployment would
    started = time.perf_counter()
    results = _run_workers(backend.url)
    wall = time.perf_counter() - started
    xref = XrefResolver(backend.open())
    refs = [
        ExternalRef(system="erp", scheme="item_code", value=f"IT-{r}", scope="acme")
        for r in ALL_REFS
    ]
    final = dict(zip(ALL_REFS, xref.resolve_many(refs), strict=True))

    # no lost links: every ref any process tried is linked now, to one of the asked-for ids
    asked = defaultdict(set)
    for result in results:
        for r in refs_of_worker(result["worker"], PER_PROCESS, STRIDE):
            asked[r].add(wanted_id(r, result["worker"]))
    assert set(asked) == set(ALL_REFS)
    for r, answer in final.items():
        assert answer.status is ResolutionStatus.ONE, r
        assert answer.canonical_id in asked[r], r

    # no duplicates: one ref row, one link and one audit entry per ref, nothing closed
    n = len(ALL_REFS)
    assert backend.execute("SELECT count(*) FROM xref_refs") == [(n,)]
    assert backend.execute(
        "SELECT count(*), count(DISTINCT ref_id) FROM xref_links WHERE valid_to IS NULL"
    ) == [(n, n)]
    assert backend.execute("SELECT count(*) FROM xref_links") == [(n,)]
    assert backend.execute("SELECT count(*) FROM xref_audit") == [(n,)]

    # every outcome is consistent with the winner: a conflict for each loser, named by id
    outcomes = Counter()
    for result in results:
        worker = result["worker"]
        assert len(result["outcomes"]) == PER_PROCESS
        for r, status, found in result["outcomes"]:
            winner = final[r].canonical_id
            assert found == winner, (worker, r)
            expected = "ok" if wanted_id(r, worker) == winner else "conflict"
            assert status == expected, (worker, r)
            outcomes[status] += 1
    contested = sum(1 for r in ALL_REFS if len(asked[r]) > 1)
    assert outcomes["conflict"] > 0
    assert outcomes["ok"] + outcomes["conflict"] == PROCESSES * PER_PROCESS
    assert contested > 0
    # the processes really ran at the same time: their work overlapped, their audit
    # entries interleave (one after the other would switch PROCESSES - 1 times)
    assert max(r["window"][0] for r in results) < min(r["window"][1] for r in results)
    switches = _switches(backend)
    assert switches > 3 * PROCESSES, switches
    slowest = max(r["seconds"] for r in results)
    print(
        f"{backend.name}: {wall:.1f} s wall, slowest process {slowest:.1f} s, {switches} "
        f"switches between processes in the audit, {dict(outcomes)}"
    )


def _switches(backend) -> int:
    actors = [row[0] for row in backend.execute("SELECT actor FROM xref_audit ORDER BY id")]
    return sum(1 for a, b in itertools.pairwise(actors) if a != b)
