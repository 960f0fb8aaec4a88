"""Bench ``xref``: `XrefResolver.resolve_many` against raw sqlite3 lookups of the same keys.

The store: a `SQLiteStore` file holding N products, each linked to an Amazon ASIN (scoped to
its marketplace) and to an ERP item code (scoped to the company). The question: the N ASINs
in random order, each resolved to its ERP item code (``to_system="erp"``).

* ``cold``: a new resolver (empty cache) per pass: normalise every ASIN, batched queries,
  one `Resolution` per ref.
* ``warm``: the same resolver again, every answer in its cache.
* baseline: a plain ``sqlite3`` connection to the same file, one prepared ``SELECT`` per key
  joining the ref, its link, the object's links and the ERP ref (keys already normalised,
  ``fetchall`` per key) - what a hand-written lookup does, without normalising, caching or
  conflict checks.

Both connections use SQLite's default settings. The file is filled with plain ``INSERT``s
into the store's schema (the lookup, not the loading, is measured).
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _harness import Record, interleaved_best_rates, register, tier_value

# (refs, repeats): M is the scale point of the issue, one million refs.
SIZES: dict[str, tuple[int, int]] = {
    "XS": (500, 1),
    "S": (20_000, 3),
    "M": (1_000_000, 3),
    "L": (3_000_000, 3),
}
MARKETPLACE = "ATVPDKIKX0DER"
BASELINE_SQL = """
SELECT t.value FROM xref_refs AS r
JOIN xref_links AS l ON l.ref_id = r.id AND l.valid_to IS NULL
JOIN xref_links AS lt ON lt.entity = l.entity AND lt.canonical_id = l.canonical_id
    AND lt.valid_to IS NULL
JOIN xref_refs AS t ON t.id = lt.ref_id AND t.system = 'erp'
WHERE r.system = ? AND r.scheme = ? AND r.scope = ? AND r.value = ?
"""


def asin_of(i: int) -> str:
    """The i-th ASIN of the catalogue: ``B0`` and eight hex digits."""
    return f"B0{i:08X}"


def build_store(path: Path, n: int) -> None:
    """A store with ``n`` products, each with an ASIN and an ERP item code, and their audit."""
    from retail_canon.xref import SQLiteStore

    SQLiteStore(path).close()  # creates the schema
    stamp = "2025-01-01T00:00:00.000000+00:00"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        refs = (
            (2 * i + 1 + side, *ref)
            for i in range(n)
            for side, ref in enumerate(
                [
                    ("amazon", "asin", MARKETPLACE, asin_of(i)),
                    ("erp", "item_code", "acme", f"IT-{i:07d}"),
                ]
            )
        )
        conn.executemany(
            "INSERT INTO xref_refs (id, system, scheme, scope, value) VALUES (?, ?, ?, ?, ?)", refs
        )
        conn.executemany(
            "INSERT INTO xref_links (id, ref_id, entity, canonical_id, valid_from) "
            "VALUES (?, ?, 'product', ?, ?)",
            ((k, k, f"P{(k - 1) // 2:07d}", stamp) for k in range(1, 2 * n + 1)),
        )
        conn.executemany(
            "INSERT INTO xref_audit (recorded_at, actor, reason, action, ref_id, link_id, "
            "after_entity, after_id, effective_at) VALUES (?, 'bench', 'setup', 'link', ?, ?, "
            "'product', ?, ?)",
            ((stamp, k, k, f"P{(k - 1) // 2:07d}", stamp) for k in range(1, 2 * n + 1)),
        )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


@register("xref", "XrefResolver.resolve_many ASIN -> ERP item code vs raw sqlite3 lookups")
def run(tier: str) -> Iterator[Record]:
    from retail_canon.models import ExternalRef
    from retail_canon.xref import ResolutionStatus, SQLiteStore, XrefResolver

    n, repeats = tier_value(tier, SIZES)
    rng = random.Random(20261127)
    order = list(range(n))
    rng.shuffle(order)
    with tempfile.TemporaryDirectory(prefix="bench-xref-") as tmp:
        path = Path(tmp) / "xref.db"
        build_store(path, n)
        refs = [
            ExternalRef(system="amazon", scheme="asin", value=asin_of(i), scope=MARKETPLACE)
            for i in order
        ]
        keys = [("amazon", "asin", MARKETPLACE, asin_of(i)) for i in order]
        raw = sqlite3.connect(path)
        store = SQLiteStore(path)
        try:

            def baseline() -> list[list[Any]]:
                execute = raw.execute
                return [execute(BASELINE_SQL, key).fetchall() for key in keys]

            def cold() -> list[Any]:
                return XrefResolver(store, cache_size=n).resolve_many(refs, to_system="erp")

            warm_resolver = XrefResolver(store, cache_size=n)
            primed = warm_resolver.resolve_many(refs, to_system="erp")

            def warm() -> list[Any]:
                return warm_resolver.resolve_many(refs, to_system="erp")

            _check(primed, baseline(), n, ResolutionStatus.ONE)
            fns: list[Callable[[], object]] = [baseline, cold, warm]
            base_rate, cold_rate, warm_rate = interleaved_best_rates(fns, 1, repeats)
        finally:
            store.close()
            raw.close()
    described = (
        f"raw sqlite3: one prepared 4-table SELECT per key on the same file, keys "
        f"pre-normalised, {n:,} keys; best of {repeats}"
    )
    for case, rate, target in (("cold", cold_rate, 0.8), ("warm", warm_rate, 3.0)):
        yield Record(
            bench="xref",
            case=case,
            metric="refs_per_s",
            value=rate * n,
            unit="refs/s",
            baseline=described,
            baseline_value=base_rate * n,
            better="higher",
            target=target,
        )


def _check(ours: list[Any], theirs: list[list[Any]], n: int, one: object) -> None:
    """Both read the same item code for every ASIN."""
    if len(ours) != n or any(
        r.status is not one or r.target is None or [(r.target.value,)] != t
        for r, t in zip(ours, theirs, strict=True)
    ):  # pragma: no cover - self-check
        msg = "xref: the resolver and the raw lookups disagree"
        raise AssertionError(msg)
