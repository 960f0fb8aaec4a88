"""What capabilities return: `Records` and `AsyncRecords` for reads, `WriteReport` for writes.

A read is an iterator that fetches pages as you consume it. After each record it hands
you, its `Checkpoint` covers everything handed out so far: store ``records.checkpoint``
and pass it back as ``checkpoint=`` next time to continue exactly after that record — no
duplicates, no gaps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from retail_canon.connectors._errors import SkippableRecordError

__all__ = ["AsyncRecords", "Checkpoint", "ReadState", "Records", "WriteReport", "WriteResult"]

T = TypeVar("T")
CheckpointValue = datetime | int | str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """How far a read got: the greatest checkpoint value seen, and the ids seen at it.

    A vendor's filter "changed at or after X" returns the records at X again; ``seen`` lets
    the next read skip exactly those, so records sharing a timestamp are neither repeated
    nor lost. JSON-serialisable with `to_json` / `from_json`.

    >>> from datetime import UTC, datetime
    >>> cp = Checkpoint(datetime(2026, 1, 2, tzinfo=UTC), frozenset({"o-7"}))
    >>> cp.covers("o-7", datetime(2026, 1, 2, tzinfo=UTC)), cp.covers("o-8", cp.value)
    (True, False)
    >>> Checkpoint.from_json(cp.to_json()) == cp
    True
    """

    value: CheckpointValue
    seen: frozenset[str] = frozenset()

    def covers(self, record_id: str | None, value: CheckpointValue) -> bool:
        """Whether a record with this id and value was already handed out."""
        if value < self.value:  # type: ignore[operator]
            return True
        return value == self.value and record_id is not None and record_id in self.seen

    def advance(self, record_id: str | None, value: CheckpointValue) -> Checkpoint:
        """The checkpoint after also handing out this record."""
        if value > self.value:  # type: ignore[operator]
            return Checkpoint(value, frozenset({record_id} if record_id else ()))
        if value == self.value and record_id and record_id not in self.seen:
            return Checkpoint(self.value, self.seen | {record_id})
        return self

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        if isinstance(self.value, datetime):
            kind, value = "datetime", self.value.isoformat()
        elif isinstance(self.value, int):
            kind, value = "int", str(self.value)
        else:
            kind, value = "str", self.value
        return {"type": kind, "value": value, "seen": sorted(self.seen)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        """The checkpoint `to_json` wrote."""
        kind, raw = data["type"], data["value"]
        value: CheckpointValue
        if kind == "datetime":
            value = datetime.fromisoformat(raw)
        elif kind == "int":
            value = int(raw)
        else:
            value = str(raw)
        return cls(value, frozenset(data.get("seen", ())))


class ReadState:
    """The progress of one read, updated by the read flow as it hands records out."""

    def __init__(self, start: Checkpoint | None) -> None:
        self.start = start
        self.checkpoint = start
        self.skipped: list[SkippableRecordError] = []
        self.pages = 0
        self.resumes = 0
        self.emitted = 0


class Records(Generic[T]):
    """Canonical records from a read, fetched page by page as you iterate.

    Use it as a context manager (or call `close`) if you may stop early, so the
    underlying request flow is closed at once.

    Attributes:
        checkpoint: covers every record handed out so far (`None` before the first one,
            or if the stream has no checkpoint field).
        skipped: records that could not be read, each a `SkippableRecordError`.
        pages: pages fetched so far.
        resumes: times the read resumed from its checkpoint after a page token expired.
    """

    def __init__(self, items: Iterator[T], state: ReadState) -> None:
        self._items = items
        self._state = state

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> T:
        return next(self._items)

    def close(self) -> None:
        """Stop reading and release the request flow."""
        close = getattr(self._items, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def checkpoint(self) -> Checkpoint | None:
        """See the class docstring."""
        return self._state.checkpoint

    @property
    def skipped(self) -> list[SkippableRecordError]:
        """See the class docstring."""
        return self._state.skipped

    @property
    def pages(self) -> int:
        """See the class docstring."""
        return self._state.pages

    @property
    def resumes(self) -> int:
        """See the class docstring."""
        return self._state.resumes

    def __repr__(self) -> str:
        s = self._state
        return (
            f"{type(self).__name__}(emitted={s.emitted}, pages={s.pages}, skipped={len(s.skipped)})"
        )


class AsyncRecords(Generic[T]):
    """The async twin of `Records`: ``async for record in records``."""

    def __init__(self, items: AsyncIterator[T], state: ReadState) -> None:
        self._items = items
        self._state = state

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        return await self._items.__anext__()

    async def aclose(self) -> None:
        """Stop reading and release the request flow."""
        close = getattr(self._items, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def checkpoint(self) -> Checkpoint | None:
        """See `Records.checkpoint`."""
        return self._state.checkpoint

    @property
    def skipped(self) -> list[SkippableRecordError]:
        """See `Records.skipped`."""
        return self._state.skipped

    @property
    def pages(self) -> int:
        """See `Records.pages`."""
        return self._state.pages

    @property
    def resumes(self) -> int:
        """See `Records.resumes`."""
        return self._state.resumes

    def __repr__(self) -> str:
        s = self._state
        return (
            f"{type(self).__name__}(emitted={s.emitted}, pages={s.pages}, skipped={len(s.skipped)})"
        )


@dataclass(frozen=True, slots=True)
class WriteResult:
    """One item written.

    Attributes:
        key: the item's canonical id (``order_id``, ``sku@location``, ...).
        status: the vendor's HTTP status.
        vendor_id: the id the vendor gave the object, if it said.
        request_id: the vendor's request id.
    """

    key: str
    status: int | None = None
    vendor_id: str | None = None
    request_id: str | None = None


@dataclass(slots=True)
class WriteReport:
    """What a write did: the items written, and the items refused, each with its reason."""

    written: list[WriteResult] = field(default_factory=list)
    skipped: list[SkippableRecordError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every item was written."""
        return not self.skipped
