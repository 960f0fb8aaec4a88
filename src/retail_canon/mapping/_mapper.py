"""`Mapper`: a compiled declaration, applied to one record, a batch, or notebook samples."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from retail_canon.mapping._compile import generate
from retail_canon.mapping._result import BatchResult, MappingResult, Problem, Reject
from retail_canon.mapping._runtime import Trace
from retail_canon.mapping._spec import parse_spec

if TYPE_CHECKING:
    from retail_canon.mapping._preview import Coverage, Preview
    from retail_canon.mapping._xref import XrefLookup

__all__ = ["Mapper", "compile_mapping", "format_loc"]

M = TypeVar("M", bound=BaseModel)
_LAST = re.compile(r"(?:\.[^.\[\]]+|\[-?[0-9]+\])$|^[^.\[\]]+$")


def format_loc(loc: tuple[Any, ...]) -> str:
    """A pydantic ``loc`` as a canonical field path.

    >>> format_loc(("lines", 0, "unit_price", "amount"))
    'lines[0].unit_price.amount'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _ancestors(field: str) -> Iterator[str]:
    """``field`` and its parents, deepest first, ending with ``""`` (the object)."""
    while field:
        yield field
        field = _LAST.sub("", field)
    yield ""


def _under(field: str, prefix: str) -> bool:
    if not prefix or field == prefix:
        return True
    return field.startswith(prefix) and field[len(prefix)] in ".["


def _walk(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (LookupError, TypeError):
            return None
    return data


def _blame(trace: Trace, field: str, value: Any) -> tuple[str, Any, bool]:
    """The source path, source value and PII flag to report for a validation error.

    The field's own source (or that of the value it is part of); else, for an object,
    the first value read into it; else the object it belongs to.
    """
    pii = False
    for parent in _ancestors(field):
        entry = trace.provenance.get(parent)
        if entry is not None and entry.origin in ("path", "paths"):
            values = entry.source_values
            found = values[0] if entry.origin == "path" else list(values)
            return entry.sources[0], found, entry.pii
        if entry is not None:
            value, pii = entry.value, entry.pii
            break
    if field:
        for entry in trace.provenance.values():
            if entry.origin == "path" and _under(entry.field, field) and entry.field != field:
                return entry.sources[0], entry.source_values[0], entry.pii
    for parent in _ancestors(field):
        if parent in trace.objects:
            return trace.objects[parent], value, pii
    return "$", value, pii


class Mapper(Generic[M]):
    """A mapping declaration compiled once into fast functions.

    Args:
        declaration: ``{"target": ..., "fields": {...}}`` (see the declaration syntax).
        name: a name for messages and status tables (default: the declaration's
            ``name``, else the target's class name).
        transforms: extra named transforms, ``name → function of one value``, for
            declarations loaded from JSON or YAML.
        xref: the resolver the ``xref`` transform asks (anything with ``resolve``).

    Raises:
        MappingSpecError: the declaration has problems; all of them are listed.
    """

    def __init__(
        self,
        declaration: Mapping[str, Any],
        *,
        name: str | None = None,
        transforms: Mapping[str, Callable[[Any], Any]] | None = None,
        xref: XrefLookup | None = None,
    ) -> None:
        self.name, self._root = parse_spec(declaration, name=name, xref=xref, transforms=transforms)
        self.declaration = declaration
        self.target: type[M] = self._root.model  # type: ignore[assignment]
        self._entry, self.python_source = generate(self._root, self.name, trace=False)
        self._traced_entry, _ = generate(self._root, self.name, trace=True)
        self._validate = self.target.__pydantic_validator__.validate_python

    def __repr__(self) -> str:
        return f"<Mapper {self.name!r} → {self.target.__name__}>"

    def apply(self, record: Any) -> MappingResult[M]:
        """Map one record: the canonical object, or every problem of the record."""
        problems: list[Problem] = []
        data = self._entry(record, problems, None)
        try:
            canonical: M = self._validate(data)
        except ValidationError as exc:
            problems += self._validation_problems(record, data, exc, problems)
            return MappingResult(record, None, tuple(problems), self)
        if problems:
            return MappingResult(record, None, tuple(problems), self)
        return MappingResult(record, canonical, (), self)

    def map(self, record: Any) -> M:
        """The canonical object of one record.

        Raises:
            RecordRejected: the record has problems; all of them are listed.
        """
        return self.apply(record).unwrap()

    def iter_results(self, records: Iterable[Any]) -> Iterator[MappingResult[M]]:
        """`apply` to each record, lazily, in order."""
        apply = self.apply
        for record in records:
            yield apply(record)

    def run(self, records: Iterable[Any]) -> BatchResult[M]:
        """Map a batch: the objects that mapped and a reject for every record that did not."""
        objects: list[M] = []
        rejects: list[Reject] = []
        apply = self.apply
        for index, record in enumerate(records):
            result = apply(record)
            if result.canonical is not None:
                objects.append(result.canonical)
            else:
                rejects.append(Reject(index, record, result.problems))
        return BatchResult(objects, rejects)

    def preview(self, samples: Any, *, limit: int = 50, show_pii: bool = False) -> Preview:
        """Source values, canonical values and problems side by side, for a notebook.

        Args:
            samples: one record, an iterable of records, or a file or directory of them
                (see `load_samples`).
            limit: at most this many samples are shown.
            show_pii: show values of personal-data fields instead of ``***``.
        """
        from retail_canon.mapping._preview import Preview

        return Preview.build(self, samples, limit, show_pii)

    def coverage(self, samples: Any) -> Coverage:
        """What the samples and the mapping leave out.

        Source fields present in the samples that the mapping never read, and canonical
        fields it never filled. ``samples`` as for `preview`.
        """
        from retail_canon.mapping._preview import Coverage

        return Coverage.build(self, samples)

    def _traced(self, record: Any) -> tuple[Trace, list[Problem]]:
        trace = Trace()
        problems: list[Problem] = []
        self._traced_entry(record, problems, trace)
        return trace, problems

    def _validation_problems(
        self, record: Any, data: Any, exc: ValidationError, known: list[Problem]
    ) -> list[Problem]:
        trace, _ = self._traced(record)
        blocked = [problem.field for problem in known]
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        fields = [format_loc(tuple(error["loc"])) for error in errors]
        out: list[Problem] = []
        for error, field in zip(errors, fields, strict=True):
            loc = tuple(error["loc"])
            if any(_under(field, prefix) for prefix in blocked):
                continue
            # pydantic adds "too short" for a list whose only items failed: noise.
            if error["type"] == "too_short" and any(
                other != field and _under(other, field) for other in [*fields, *blocked]
            ):
                continue
            source, value, pii = _blame(trace, field, _walk(data, loc))
            message = error["msg"]
            out.append(Problem(field, source, value, error["type"], message, "validate", pii))
        return out


def compile_mapping(
    declaration: Mapping[str, Any],
    *,
    name: str | None = None,
    transforms: Mapping[str, Callable[[Any], Any]] | None = None,
    xref: XrefLookup | None = None,
) -> Mapper[Any]:
    """Check and compile a declaration given as Python data.

    >>> mapper = compile_mapping({
    ...     "target": "Money",
    ...     "fields": {"amount": "Total.Amount", "currency": {"const": "EUR"}},
    ... })
    >>> mapper.map({"Total": {"Amount": "12.50"}})
    Money(amount=Decimal('12.50'), currency='EUR')
    >>> problem = mapper.apply({"Total": {"Amount": "12,50"}}).problems[0]
    >>> problem.source_path, problem.field, problem.value, problem.code
    ('Total.Amount', 'amount', '12,50', 'exact_decimal')

    Raises:
        MappingSpecError: the declaration has problems; all of them are listed.
    """
    return Mapper(declaration, name=name, transforms=transforms, xref=xref)
