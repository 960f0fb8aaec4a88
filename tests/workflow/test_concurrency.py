"""Four processes at once on one database: nothing lost, nothing duplicated."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from _lockstep import run_in_lockstep
from retail_canon.workflow import Envelope, ExceptionStatus, ReasonCode

WORKER = Path(__file__).with_name("_worker.py")
PROCESSES = 4
KEYS = 400
RECORDS = 300


def _run_workers(*args: str) -> list[dict]:
    commands = [
        [sys.executable, str(WORKER), args[0], args[1], str(w), *args[2:]] for w in range(PROCESSES)
    ]
    return run_in_lockstep(commands, timeout=120)


def test_idempotency_under_four_processes(backend):
    backend.idempotency()  # the schema exists before the workers start
    results = _run_workers(backend.url, "idempotency", str(KEYS))
    done = Counter(k for r in results for k in r["did"])
    # nothing lost: every key's work was done; nothing duplicated: exactly once
    assert set(done) == set(range(KEYS))
    assert set(done.values()) == {1}
    # every process got the winner's outcome for every key
    winner = {k: f"w{r['worker']}" for r in results for k in r["did"]}
    for r in results:
        assert {int(k): v for k, v in r["got"].items()} == winner
    assert backend.execute(
        "SELECT count(*), count(DISTINCT key) FROM workflow_idempotency WHERE state = 'done'"
    ) == [(KEYS, KEYS)]
    # the processes really competed: more than one of them won keys
    assert len(set(winner.values())) > 1


def test_exception_replay_under_four_processes(backend):
    queue = backend.queue()
    for n in range(RECORDS):
        env = Envelope.new("/channels/amazon", "order.received", {"n": n})
        queue.add(env, ReasonCode.RATE_LIMITED, "429")
    results = _run_workers(backend.url, "replay")
    handled = Counter(i for r in results for i in r["handled"])
    ids = {rec.id for rec in queue.records()}
    assert set(handled) == ids  # nothing lost
    assert set(handled.values()) == {1}  # nothing handled twice
    assert queue.records(ExceptionStatus.OPEN) == []
    assert len(queue.records(ExceptionStatus.RESOLVED)) == RECORDS
    assert sum(1 for r in results if r["handled"]) > 1
