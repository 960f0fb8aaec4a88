"""One worker process of the concurrency tests.

``_worker.py URL idempotency WORKER KEYS``: for every key, in a worker-specific order, run
the work once through `IdempotencyStore.run` (retrying while another process holds the key).
``_worker.py URL replay WORKER``: replay the exception queue, handling each record.
Prints ``ready``, waits for ``go`` on stdin, and prints one JSON line of results.
"""

from __future__ import annotations

import json
import random
import sys
import time
from typing import Any

from retail_canon.workflow import (
    AuditTrail,
    ClaimInProgress,
    ExceptionQueue,
    IdempotencyStore,
    PostgresAuditTrail,
    PostgresExceptionQueue,
    PostgresIdempotencyStore,
    SQLiteAuditTrail,
    SQLiteExceptionQueue,
    SQLiteIdempotencyStore,
)


def open_idempotency(url: str) -> IdempotencyStore:
    """A store for a backend URL (``sqlite:<path>`` or a libpq DSN)."""
    if url.startswith("sqlite:"):
        return SQLiteIdempotencyStore(url.removeprefix("sqlite:"))
    return PostgresIdempotencyStore(url)


def open_queue(url: str, **options: Any) -> ExceptionQueue:
    if url.startswith("sqlite:"):
        return SQLiteExceptionQueue(url.removeprefix("sqlite:"), **options)
    return PostgresExceptionQueue(url, **options)


def open_audit(url: str, **options: Any) -> AuditTrail:
    if url.startswith("sqlite:"):
        return SQLiteAuditTrail(url.removeprefix("sqlite:"), **options)
    return PostgresAuditTrail(url, **options)


def main() -> None:
    url, mode, worker = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "idempotency":
        store = open_idempotency(url)
        keys = list(range(int(sys.argv[4])))
        random.Random(worker).shuffle(keys)
        did: list[int] = []
        got: dict[int, str] = {}
        print("ready", flush=True)
        sys.stdin.readline()
        for k in keys:

            def work(k: int = k) -> str:
                did.append(k)
                time.sleep(0.002)  # a side effect takes time: the others catch up
                return f"w{worker}"

            while True:
                try:
                    got[k] = store.run(f"order-{k}", work, owner=f"w{worker}")
                    break
                except ClaimInProgress:
                    time.sleep(0.001)
        store.close()
        print(json.dumps({"worker": worker, "did": did, "got": got}))
    else:
        queue = open_queue(url)
        handled: list[int] = []
        print("ready", flush=True)
        sys.stdin.readline()
        queue.replay(lambda rec: handled.append(rec.id))
        queue.close()
        print(json.dumps({"worker": worker, "handled": handled}))


if __name__ == "__main__":
    main()
