"""Status tables and the lookup that never fails: unknown values become ``OTHER``."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Generic, TypeVar, overload

from retail_canon._exceptions import UnknownStatusValue

__all__ = ["StatusMapping", "StatusTable", "lookup", "map_status", "register_tables"]

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class StatusMapping(Generic[S]):
    """The canonical status for one vendor status value.

    Attributes:
        status: the canonical status; ``OTHER`` when the value has no canonical meaning.
        raw: the vendor's value, verbatim: store it in ``source_status``.
        table: the name of the table that decided the status.
        known: ``False`` when the value is missing from the table (mapped to ``OTHER``
            with an `UnknownStatusValue` warning); ``True`` when the table lists it, even
            if it lists it as ``OTHER``.
    """

    status: S
    raw: str
    table: str
    known: bool


@dataclass(frozen=True, slots=True)
class StatusTable(Generic[S]):
    """A read-only mapping from one vendor status field to one canonical status enum.

    Matching is exact: case-sensitive, with no trimming, because vendors document their
    values as exact tokens (Amazon's v0 ``Canceled`` and 2026-01-01 ``CANCELLED`` are two
    values of two fields). Build your own tables the same way, or add values to a shipped
    one with `extended`.

    Attributes:
        name: a dotted name, ``vendor.api.field`` (``"amazon.orders_v0.OrderStatus"``).
        enum: the canonical status enum; it must have an ``OTHER`` member.
        values: vendor value → canonical member; stored as a read-only `MappingProxyType`.
        source: where the vendor values are documented, for people.
        notes: vendor value → why it maps as it does, where that is not obvious.
    """

    name: str
    enum: type[S]
    values: Mapping[str, S]
    source: str = ""
    notes: Mapping[str, str] = field(default_factory=dict)
    other: S = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if "OTHER" not in self.enum.__members__:
            msg = f"status table {self.name!r}: {self.enum.__name__} has no OTHER member"
            raise TypeError(msg)
        for raw, status in self.values.items():
            if not isinstance(raw, str) or not isinstance(status, self.enum):
                msg = (
                    f"status table {self.name!r}: {raw!r} → {status!r} is not "
                    f"str → {self.enum.__name__}"
                )
                raise TypeError(msg)
        stray = set(self.notes) - set(self.values)
        if stray:
            msg = f"status table {self.name!r}: notes for values it does not list: {stray}"
            raise ValueError(msg)
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "notes", MappingProxyType(dict(self.notes)))
        object.__setattr__(self, "other", self.enum["OTHER"])

    def map(self, raw: str) -> StatusMapping[S]:
        """The canonical status for ``raw``; see `map_status`."""
        return lookup(self, raw, stacklevel=3)

    def extended(
        self,
        values: Mapping[str, S],
        *,
        name: str | None = None,
        notes: Mapping[str, str] | None = None,
    ) -> StatusTable[S]:
        """A copy with more (or different) values, e.g. one a vendor added last week.

        >>> from retail_canon.models import OrderStatus
        >>> from retail_canon.normalize.status import AMAZON_ORDER_STATUS_V0
        >>> table = AMAZON_ORDER_STATUS_V0.extended({"OnTheMoon": OrderStatus.OPEN})
        >>> table.map("OnTheMoon").status
        <OrderStatus.OPEN: 'OPEN'>
        """
        return StatusTable(
            name=self.name if name is None else name,
            enum=self.enum,
            values={**self.values, **values},
            source=self.source,
            notes={**self.notes, **(notes or {})},
        )


_TABLES: dict[str, StatusTable[Any]] = {}
_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def register_tables(*tables: StatusTable[Any]) -> None:
    """Add the shipped tables to the registry `map_status` reads names from (internal)."""
    for table in tables:
        if table.name in _TABLES:
            msg = f"status table {table.name!r} is defined twice"
            raise ValueError(msg)
        _TABLES[table.name] = table


TABLES: Mapping[str, StatusTable[Any]] = MappingProxyType(_TABLES)


def lookup(table: StatusTable[S], raw: str, *, stacklevel: int) -> StatusMapping[S]:
    """Map ``raw`` through ``table``, warning once per (table, value) when it is unknown."""
    _check_text(raw, table.name)
    status = table.values.get(raw)
    if status is not None:
        return StatusMapping(status=status, raw=raw, table=table.name, known=True)
    key = (table.name, raw)
    with _warned_lock:
        first = key not in _warned
        _warned.add(key)
    if first:
        msg = (
            f"{table.name}: unknown status {raw!r} mapped to {table.enum.__name__}.OTHER "
            "(raw value kept); add it to the table if it has a canonical meaning"
        )
        warnings.warn(msg, UnknownStatusValue, stacklevel=stacklevel)
    return StatusMapping(status=table.other, raw=raw, table=table.name, known=False)


def _check_text(raw: object, name: str) -> None:
    if not isinstance(raw, str):
        msg = f"status table {name!r}: expected a str value, got {raw!r}"
        raise TypeError(msg)


@overload
def map_status(table: StatusTable[S], raw: str) -> StatusMapping[S]: ...
@overload
def map_status(table: str, raw: str) -> StatusMapping[Any]: ...
def map_status(table: StatusTable[Any] | str, raw: str) -> StatusMapping[Any]:
    """The canonical status for a vendor status value; never raises for unknown values.

    A value the table does not list maps to the enum's ``OTHER`` member with
    ``known=False``, keeps the raw value, and emits `UnknownStatusValue` the first time
    this process sees that (table, value) pair.

    Args:
        table: a `StatusTable`, or the name of a shipped one (see `TABLES`).
        raw: the vendor's value, matched exactly (case-sensitive, not trimmed).

    Raises:
        LookupError: ``table`` is a name no shipped table has.

    >>> from retail_canon.normalize.status import map_status
    >>> mapping = map_status("amazon.orders_v0.OrderStatus", "Canceled")
    >>> mapping.status, mapping.raw, mapping.known
    (<OrderStatus.CANCELLED: 'CANCELLED'>, 'Canceled', True)
    """
    if isinstance(table, str):
        try:
            table = _TABLES[table]
        except KeyError:
            msg = f"no status table named {table!r}; known: {', '.join(sorted(_TABLES))}"
            raise LookupError(msg) from None
    return lookup(table, raw, stacklevel=3)
