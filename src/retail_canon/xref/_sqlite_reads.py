"""Batched reads of `SQLiteStore`: one join per batch of keys, sorted for page locality.

A batch of keys is a ``VALUES`` list joined to the tables, in index order: neighbouring keys
then share B-tree pages, which matters once the file is larger than SQLite's page cache.

The size of a batch is kept small on purpose. With planner statistics (``ANALYZE``,
``PRAGMA optimize``), SQLite may build a Bloom filter over a whole joined table for every
statement once the ``VALUES`` list is long enough; measured at a million links, 256 keys
per statement cost 928 µs per key instead of 16 µs. So each query shape is planned once
with ``EXPLAIN QUERY PLAN`` (again after any schema or statistics change) and its batch is
halved until the plan has no Bloom filter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from itertools import chain
from typing import Any

from retail_canon.xref._schemes import Key
from retail_canon.xref._store import LinkRow, TargetRow
from retail_canon.xref._types import Canonical

__all__ = ["BatchReader", "when"]

_LINK_COLUMNS = (
    "l.id, r.system, r.scheme, r.value, r.scope, l.entity, l.canonical_id, l.valid_from, l.valid_to"
)
_KEY_NAMES = "system, scheme, scope, value, i"
_EXACT = "r.system = k.system AND r.scheme = k.scheme AND r.scope = k.scope AND r.value = k.value"
_ANY_SYSTEM = "r.scheme = k.scheme AND r.scope = k.scope AND r.value = k.value"
BATCH = 64


def when(at: datetime | None, alias: str = "l") -> tuple[str, list[Any]]:
    """The condition "link ``alias`` in force" (open, or valid at ``at``) and its parameters."""
    if at is None:
        return f"{alias}.valid_to IS NULL", []
    stamp = at.isoformat(timespec="microseconds")
    return (
        f"{alias}.valid_from <= ? AND ({alias}.valid_to IS NULL OR {alias}.valid_to > ?)",
        [stamp, stamp],
    )


def link_row(row: Sequence[Any]) -> LinkRow:
    """A `LinkRow` from the columns of ``_LINK_COLUMNS``."""
    valid_to = row[8]
    return LinkRow(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4] or None,
        row[5],
        row[6],
        datetime.fromisoformat(row[7]),
        datetime.fromisoformat(valid_to) if valid_to is not None else None,
    )


def _sorted_keys(keys: Sequence[Key]) -> list[tuple[str, str, str, str, int]]:
    """``keys`` in the order of the refs' unique index, each with its position."""
    return sorted((k.system, k.scheme, k.scope or "", k.value, i) for i, k in enumerate(keys))


class BatchReader:
    """Batched lookups on one connection, at most ``batch`` keys per statement."""

    def __init__(self, conn: sqlite3.Connection, batch: int = BATCH) -> None:
        self._conn = conn
        self._max = batch
        self._batches: dict[tuple[str, str], tuple[int, int]] = {}
        self._sql: dict[tuple[str, str, int], str] = {}

    def _statement(self, names: str, tail: str, n: int) -> str:
        sql = self._sql.get((names, tail, n))
        if sql is None:
            row = "(" + ", ".join("?" * len(names.split(","))) + ")"
            sql = f"WITH k({names}) AS (VALUES {', '.join([row] * n)}) {tail}"
            self._sql[(names, tail, n)] = sql
        return sql

    def _batch(self, names: str, tail: str, extra: list[Any]) -> int:
        """The largest batch (at most ``batch``) whose plan has no Bloom filter."""
        version = self._conn.execute("PRAGMA schema_version").fetchone()[0]
        known = self._batches.get((names, tail))
        if known is not None and known[0] == version:
            return known[1]
        size, width = self._max, len(names.split(","))
        while size > 1:
            sql = "EXPLAIN QUERY PLAN " + self._statement(names, tail, size)
            plan = self._conn.execute(sql, [None] * (width * size) + extra).fetchall()
            if not any("BLOOM" in str(step[-1]) for step in plan):
                break
            size //= 2
        self._batches[(names, tail)] = (version, size)
        return size

    def _rows(self, names: str, values: list[Any], tail: str, extra: list[Any]) -> list[Any]:
        """The rows of ``tail`` joined to ``k(names)``, for every batch of ``values``."""
        if not values:
            return []
        size = self._batch(names, tail, extra)
        execute = self._conn.execute
        out: list[Any] = []
        for start in range(0, len(values), size):
            part = values[start : start + size]
            params = list(chain.from_iterable(part))
            params += extra
            out += execute(self._statement(names, tail, len(part)), params).fetchall()
        return out

    # -- what the store offers -----------------------------------------------------------

    def find_links(
        self, keys: Sequence[Key], at: datetime | None, any_system: bool
    ) -> list[list[LinkRow]]:
        """The links of each key; see `XrefStore.find_links`."""
        condition, extra = when(at)
        match = _ANY_SYSTEM if any_system else _EXACT
        tail = (
            f"SELECT k.i, {_LINK_COLUMNS} FROM k CROSS JOIN xref_refs AS r ON {match} "
            f"JOIN xref_links AS l ON l.ref_id = r.id AND {condition}"
        )
        out: list[list[LinkRow]] = [[] for _ in keys]
        for row in self._rows(_KEY_NAMES, _sorted_keys(keys), tail, extra):
            out[row[0]].append(link_row(row[1:]))
        return out

    def find_refs(
        self,
        owners: Sequence[Canonical],
        at: datetime | None,
        system: str | None,
        scheme: str | None,
    ) -> list[list[LinkRow]]:
        """The links pointing to each canonical object; see `XrefStore.find_refs`."""
        condition, extra = when(at)
        tail = (
            f"SELECT k.i, {_LINK_COLUMNS} FROM k CROSS JOIN xref_links AS l "
            f"ON l.entity = k.entity AND l.canonical_id = k.owner AND {condition} "
            "JOIN xref_refs AS r ON r.id = l.ref_id"
        )
        if system is not None:
            tail += " AND r.system = ?"
            extra.append(system)
        if scheme is not None:
            tail += " AND r.scheme = ?"
            extra.append(scheme)
        values = sorted((entity, owner, i) for i, (entity, owner) in enumerate(owners))
        out: list[list[LinkRow]] = [[] for _ in owners]
        for row in self._rows("entity, owner, i", values, tail, extra):
            out[row[0]].append(link_row(row[1:]))
        return out

    def resolve_keys(
        self, keys: Sequence[Key], at: datetime | None, system: str | None, scheme: str | None
    ) -> list[list[TargetRow]]:
        """Each key's owner and the owner's other refs; see `XrefStore.resolve_keys`."""
        condition, extra = when(at)
        if system is None:
            tail = (
                "SELECT k.i, l.entity, l.canonical_id, NULL, NULL, NULL, NULL FROM k "
                f"CROSS JOIN xref_refs AS r ON {_EXACT} JOIN xref_links AS l ON l.ref_id = r.id "
                f"AND {condition}"
            )
        else:
            target_condition, target_extra = when(at, "lt")
            extra += [*target_extra, system]
            tail = (
                "SELECT k.i, l.entity, l.canonical_id, t.system, t.scheme, t.value, t.scope "
                f"FROM k CROSS JOIN xref_refs AS r ON {_EXACT} "
                f"JOIN xref_links AS l ON l.ref_id = r.id AND {condition} "
                "LEFT JOIN xref_links AS lt ON lt.entity = l.entity "
                f"AND lt.canonical_id = l.canonical_id AND lt.id <> l.id AND {target_condition} "
                "LEFT JOIN xref_refs AS t ON t.id = lt.ref_id AND t.system = ?"
            )
            if scheme is not None:
                tail += " AND t.scheme = ?"
                extra.append(scheme)
        out: list[list[TargetRow]] = [[] for _ in keys]
        for row in self._rows(_KEY_NAMES, _sorted_keys(keys), tail, extra):
            out[row[0]].append(row)
        return out
