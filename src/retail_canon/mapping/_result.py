"""What applying a mapping returns: the object, its provenance, and every problem."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from retail_canon.mapping._errors import RecordRejected

if TYPE_CHECKING:
    from retail_canon.mapping._mapper import Mapper

__all__ = [
    "BatchResult",
    "FieldProvenance",
    "MappingResult",
    "Problem",
    "Reject",
    "field_loc",
    "jsonable",
    "shown",
]

M = TypeVar("M", bound=BaseModel)
_MASK = "***"
_LOC = re.compile(r"([^.\[\]]+)|\[(-?[0-9]+)\]")


def field_loc(field: str) -> tuple[str | int, ...]:
    """The pydantic-style ``loc`` of a canonical field path.

    >>> field_loc("lines[0].unit_price.amount")
    ('lines', 0, 'unit_price', 'amount')
    """
    return tuple(name if name else int(index) for name, index in _LOC.findall(field))


def jsonable(value: Any) -> Any:
    """``value`` with Decimals, datetimes, enums and models turned into JSON types.

    >>> jsonable({"a": Decimal("1.50"), "b": (1, None)})
    {'a': '1.50', 'b': [1, None]}
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return repr(value)


def shown(value: Any, limit: int = 60) -> str:
    """``value`` as people read it in messages and tables, shortened to ``limit``.

    >>> shown(Decimal("12.50")), shown("x" * 80, 10)
    ("'12.50'", "'xxxxxxxx…")
    """
    if isinstance(value, Decimal | datetime | date):
        text = repr(str(value) if isinstance(value, Decimal) else value.isoformat())
    elif isinstance(value, Enum):
        text = repr(value.value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a field of a record could not be mapped.

    Attributes:
        field: the canonical field, e.g. ``lines[0].unit_price.amount`` (``""`` for the
            object as a whole).
        source_path: where in the record the value was (or was expected), e.g.
            ``Items[0].Price``; ``$`` is the whole record.
        value: the source value (``None`` when it was missing); the canonical value for
            a constant or default that failed validation.
        code: a stable code: ``missing_value``, ``unexpected_shape``, a normalizer's
            error code (``invalid_timestamp``, ``unknown_unit``, ...), ``unknown_value``,
            ``xref_not_found``, ``transform_error``, or pydantic's error type.
        message: what is wrong, in words.
        stage: ``read``, ``transform`` or ``validate``.
        pii: the field holds personal data: ``str()`` masks the value.
    """

    field: str
    source_path: str
    value: Any
    code: str
    message: str
    stage: str
    pii: bool = False

    @property
    def loc(self) -> tuple[str | int, ...]:
        """The canonical field as a pydantic ``loc`` tuple."""
        return field_loc(self.field)

    def __str__(self) -> str:
        target = self.field or "(object)"
        value = "" if self.value is None else f" (value {_MASK if self.pii else shown(self.value)})"
        return f"{self.source_path} → {target}: {self.message}{value}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the value is masked for personal data."""
        return {
            "field": self.field,
            "source_path": self.source_path,
            "value": _MASK if self.pii and self.value is not None else jsonable(self.value),
            "code": self.code,
            "message": self.message,
            "stage": self.stage,
        }


@dataclass(frozen=True, slots=True)
class FieldProvenance:
    """Where one canonical field's value came from.

    Attributes:
        field: the canonical field, e.g. ``totals.grand_total.amount``.
        sources: the concrete source paths read (one for ``path``; the present ones for
            ``paths``; the absent one for ``default``; none for ``const``).
        source_values: the values read at ``sources``, in the same order.
        value: the value given to the canonical object (after transforms).
        origin: ``path``, ``paths``, ``const`` or ``default``.
        transforms: the labels of the transforms applied, in order.
        pii: the field holds personal data.
    """

    field: str
    sources: tuple[str, ...]
    source_values: tuple[Any, ...]
    value: Any
    origin: str
    transforms: tuple[str, ...] = ()
    pii: bool = False

    def __str__(self) -> str:
        if self.origin == "const":
            return f"{self.field} ← const {shown(self.value)}"
        if self.origin == "default":
            where = f" ({', '.join(self.sources)} absent)" if self.sources else ""
            return f"{self.field} ← default {shown(self.value)}{where}"
        steps = "".join(f" | {label}" for label in self.transforms)
        return f"{self.field} ← {', '.join(self.sources)}{steps}"


class MappingResult(Generic[M]):
    """One record mapped: the canonical object, or every problem found in the record.

    ``provenance`` is computed on first access by replaying the mapping with tracing on,
    so batch runs do not pay for it.
    """

    __slots__ = ("_mapper", "_provenance", "canonical", "problems", "record")

    def __init__(
        self, record: Any, canonical: M | None, problems: tuple[Problem, ...], mapper: Mapper[M]
    ) -> None:
        self.record = record
        self.canonical = canonical
        self.problems = problems
        self._mapper = mapper
        self._provenance: dict[str, FieldProvenance] | None = None

    @property
    def ok(self) -> bool:
        """Whether the record mapped to a valid canonical object."""
        return self.canonical is not None

    @property
    def provenance(self) -> dict[str, FieldProvenance]:
        """Canonical field path → where its value came from, for every filled field."""
        if self._provenance is None:
            self._provenance = self._mapper._traced(self.record)[0].provenance
        return self._provenance

    def unwrap(self) -> M:
        """The canonical object, or `RecordRejected` with every problem."""
        if self.canonical is None:
            raise RecordRejected(self.problems)
        return self.canonical

    def explain(self) -> str:
        """Provenance and problems as text, one line each."""
        lines = [str(entry) for entry in self.provenance.values()]
        lines += [f"PROBLEM {problem}" for problem in self.problems]
        return "\n".join(lines)

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{len(self.problems)} problem(s)"
        return f"<MappingResult {self._mapper.name}: {state}>"


@dataclass(frozen=True, slots=True)
class Reject:
    """A record of a batch that did not map: its position, itself, and its problems."""

    index: int
    record: Any
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (numbers in the record as text, personal data as given)."""
        return {
            "index": self.index,
            "record": jsonable(self.record),
            "problems": [problem.to_dict() for problem in self.problems],
        }


@dataclass(frozen=True, slots=True)
class BatchResult(Generic[M]):
    """A batch: the objects that mapped and the records that did not; none dropped."""

    objects: list[M]
    rejects: list[Reject]

    @property
    def total(self) -> int:
        """How many records the batch had."""
        return len(self.objects) + len(self.rejects)

    def __iter__(self) -> Iterator[M]:
        return iter(self.objects)

    def __str__(self) -> str:
        return f"{self.total} record(s): {len(self.objects)} mapped, {len(self.rejects)} rejected"
