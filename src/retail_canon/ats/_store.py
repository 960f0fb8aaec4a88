"""Durable ledgers: the store protocol, an in-memory and a SQLite store, the JSON codec.

A store keeps the ledger in arrival order and refuses nothing: idempotency is the
engine's job (a store ignores a key it already holds, so two writers cannot duplicate an
event). Events are stored as JSON documents, one per row.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from retail_canon.ats._errors import InvalidAtsInput
from retail_canon.ats._events import Count, Delta, Demand, LedgerEvent, Rebase, Release, Reserve
from retail_canon.ats._replay import Baseline
from retail_canon.ats._types import Bucket, Position, Reservation

if TYPE_CHECKING:
    import sqlite3

    from retail_canon.ats._engine import EngineSnapshot

__all__ = [
    "LedgerStore",
    "MemoryLedgerStore",
    "SQLiteLedgerStore",
    "event_from_json",
    "event_to_json",
    "snapshot_from_json",
    "snapshot_to_json",
]

_TYPES: dict[str, type[LedgerEvent]] = {
    cls.__name__: cls for cls in (Delta, Count, Rebase, Reserve, Release, Demand)
}
_TIMES = frozenset({"occurred_at", "expires_at"})


@runtime_checkable
class LedgerStore(Protocol):
    """Where an engine's ledger lives: append in order, read back in the same order."""

    def append(self, events: Sequence[LedgerEvent]) -> None:
        """Add events at the end (keys already stored are skipped)."""

    def read(self, start: int = 0) -> Iterator[LedgerEvent]:
        """The events from position ``start`` on, in the order they were appended."""

    def __len__(self) -> int:
        """How many events the store holds."""


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def event_to_json(event: LedgerEvent) -> dict[str, Any]:
    """A JSON-ready dict of an event, ``type`` naming its class.

    >>> from datetime import UTC, datetime
    >>> e = Release(key="k", source="oms", sequence=7, reservation_id="R1",
    ...             occurred_at=datetime(2026, 3, 1, tzinfo=UTC))
    >>> event_to_json(e)["occurred_at"], event_from_json(event_to_json(e)) == e
    ('2026-03-01T00:00:00+00:00', True)
    """
    out: dict[str, Any] = {"type": type(event).__name__}
    for field in attrs.fields(type(event)):
        value = getattr(event, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif field.name == "watermarks" and value is not None:
            value = dict(value)
        elif isinstance(value, Bucket):
            value = value.value
        out[field.name] = value
    return out


def event_from_json(data: dict[str, Any]) -> LedgerEvent:
    """The event `event_to_json` wrote.

    Raises:
        InvalidAtsInput: an unknown ``type`` or fields that do not fit it.
    """
    fields = dict(data)
    cls = _TYPES.get(fields.pop("type", ""))
    if cls is None:
        msg = f"not a ledger event type: {data.get('type')!r}"
        raise InvalidAtsInput(msg)
    for name in _TIMES & fields.keys():
        fields[name] = _time(fields[name])
    if "bucket" in fields:
        fields["bucket"] = Bucket(fields["bucket"])
    try:
        return cls(**fields)
    except TypeError as exc:
        msg = f"{cls.__name__} fields do not fit: {exc}"
        raise InvalidAtsInput(msg) from None


class MemoryLedgerStore:
    """A store in a Python list (tests, short-lived processes)."""

    def __init__(self) -> None:
        self._events: list[LedgerEvent] = []
        self._keys: set[str] = set()

    def append(self, events: Sequence[LedgerEvent]) -> None:
        """Add events at the end (keys already stored are skipped)."""
        for event in events:
            if event.key not in self._keys:
                self._keys.add(event.key)
                self._events.append(event)

    def read(self, start: int = 0) -> Iterator[LedgerEvent]:
        """The events from position ``start`` on."""
        return iter(self._events[start:])

    def __len__(self) -> int:
        return len(self._events)


class SQLiteLedgerStore:
    """A store in a SQLite database: a file, or ``":memory:"``.

    One table, ``ats_ledger(position, key UNIQUE, body)``; every `append` is one
    transaction, so an event is durable once `Engine.apply` returns.
    """

    def __init__(
        self, path: str | os.PathLike[str] = ":memory:", *, table: str = "ats_ledger"
    ) -> None:
        import sqlite3

        if not table.isidentifier():
            msg = f"table name {table!r} is not an identifier"
            raise InvalidAtsInput(msg)
        self._table = table
        self._db: sqlite3.Connection = sqlite3.connect(os.fspath(path))
        with self._db:
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ("
                "position INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, "
                "body TEXT NOT NULL)"
            )

    def append(self, events: Sequence[LedgerEvent]) -> None:
        """Add events at the end, in one transaction (keys already stored are skipped)."""
        rows = [(e.key, json.dumps(event_to_json(e), sort_keys=True)) for e in events]
        with self._db:
            self._db.executemany(
                f"INSERT OR IGNORE INTO {self._table} (key, body) VALUES (?, ?)", rows
            )

    def read(self, start: int = 0) -> Iterator[LedgerEvent]:
        """The events from position ``start`` (0-based) on."""
        query = f"SELECT body FROM {self._table} ORDER BY position LIMIT -1 OFFSET ?"
        for (body,) in self._db.execute(query, (start,)):
            yield event_from_json(json.loads(body))

    def __len__(self) -> int:
        (count,) = self._db.execute(f"SELECT COUNT(*) FROM {self._table}").fetchone()
        return int(count)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()


def snapshot_to_json(snapshot: EngineSnapshot) -> str:
    """An engine snapshot as JSON text."""
    b = snapshot.baseline
    data = {
        "baseline": {
            "positions": [attrs.astuple(p) for p in b.positions],
            "reservations": [
                [
                    r.reservation_id,
                    r.sku,
                    r.node,
                    r.quantity,
                    None if r.expires_at is None else r.expires_at.isoformat(),
                    r.channel,
                ]
                for r in b.reservations
            ],
            "unassigned": [[c, k, q] for (c, k), q in b.unassigned],
            "watermarks": dict(b.watermarks),
            "as_of": b.as_of.isoformat(),
        },
        "events": [event_to_json(e) for e in snapshot.events],
        "as_of": snapshot.as_of.isoformat(),
    }
    return json.dumps(data, sort_keys=True)


def snapshot_from_json(text: str) -> EngineSnapshot:
    """The engine snapshot `snapshot_to_json` wrote."""
    from retail_canon.ats._engine import EngineSnapshot

    data = json.loads(text)
    b = data["baseline"]
    baseline = Baseline(
        positions=[Position(*row) for row in b["positions"]],
        reservations=[
            Reservation(i, s, n, q, _time(e), c) for i, s, n, q, e, c in b["reservations"]
        ],
        unassigned=[((c, k), q) for c, k, q in b["unassigned"]],
        watermarks=b["watermarks"],
        as_of=datetime.fromisoformat(b["as_of"]),
    )
    events = tuple(event_from_json(e) for e in data["events"])
    return EngineSnapshot(baseline, events, datetime.fromisoformat(data["as_of"]))
