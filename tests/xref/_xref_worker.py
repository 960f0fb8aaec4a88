"""A worker process of the concurrency test: link overlapping refs, report each outcome.

Usage: ``python _xref_worker.py URL WORKER REFS_PER_WORKER STRIDE``. The worker waits for a line
on stdin (so that all workers start together), links its refs one ``link`` call (one
transaction) each, and prints one JSON object: its outcomes as ``[ref, "ok"|"conflict", id]``
where ``id`` is the id the ref was found linked to.
"""

from __future__ import annotations

import json
import sys
import time

from retail_canon.models import ExternalRef
from retail_canon.xref import SQLiteStore, XrefConflict, XrefResolver


def wanted_id(ref: int, worker: int) -> str:
    """Every third ref: the same id from every worker; the others: a different id each."""
    return f"P{ref}" if ref % 3 == 0 else f"P{ref}-w{worker}"


def refs_of_worker(worker: int, count: int, stride: int) -> list[int]:
    """The worker's refs; even workers go up, odd ones down, to meet the others head-on."""
    refs = list(range(worker * stride, worker * stride + count))
    return refs if worker % 2 == 0 else refs[::-1]


def main(url: str, worker: int, count: int, stride: int) -> None:
    if url.startswith("sqlite:"):
        store = SQLiteStore(url.removeprefix("sqlite:"))
    else:
        from retail_canon.xref import PostgresStore

        store = PostgresStore(url)
    with store:
        xref = XrefResolver(store, cache_size=0)
        print("ready", flush=True)
        sys.stdin.readline()
        outcomes = []
        started_at = time.time()
        start = time.perf_counter()
        for ref in refs_of_worker(worker, count, stride):
            item = ExternalRef(system="erp", scheme="item_code", value=f"IT-{ref}", scope="acme")
            try:
                link = xref.link(
                    "product", wanted_id(ref, worker), item, actor=f"w{worker}", reason="load"
                )
                outcomes.append([ref, "ok", link.canonical_id])
            except XrefConflict as exc:
                outcomes.append([ref, "conflict", exc.existing[1]])
        elapsed = time.perf_counter() - start
    report = {"worker": worker, "seconds": elapsed, "window": [started_at, started_at + elapsed]}
    print(json.dumps({**report, "outcomes": outcomes}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
