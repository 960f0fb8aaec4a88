"""Helpers the generated mapping code calls off its fast path: reads, problems, tracing."""

from __future__ import annotations

from typing import Any, Final

from retail_canon.mapping._paths import SourcePath, SourceShapeError, join, read_steps
from retail_canon.mapping._result import FieldProvenance, Problem

__all__ = ["ABSENT", "FAILED", "MISSES", "Trace", "fail", "missing", "read", "shape", "where"]


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT: Final = _Marker("ABSENT")
"""The value is absent: a missing key, ``None`` or ``""``."""
FAILED: Final = _Marker("FAILED")
"""The value was there but could not be mapped; a problem was recorded."""
MISSES = (LookupError, TypeError, AttributeError)
"""What the fast path's plain subscripts and ``.get`` raise when the payload is not as
expected; the precise reader then says whether the value is absent or of the wrong shape."""


def where(path: SourcePath, src: str) -> str:
    """The concrete source path of ``path`` read from the value at ``src``."""
    return (path.suffix or "$") if path.absolute else join(src, path.suffix)


def read(
    cur: Any, root: Any, path: SourcePath, src: str, probs: list[Problem], field: str, pii: bool
) -> Any:
    """The precise read behind the fast path: the value, ``None``, or `FAILED`."""
    start, base = (root, "") if path.absolute else (cur, src)
    try:
        return read_steps(start, path.steps, base)
    except SourceShapeError as exc:
        probs.append(Problem(field, exc.path, exc.value, exc.code, str(exc), "read", pii))
        return FAILED


def shape(
    probs: list[Problem], at: str, field: str, value: Any, pii: bool, expected: str = "a list"
) -> Any:
    """Record that the value at ``at`` is not ``expected``; return `FAILED`."""
    message = f"expected {expected} at {at!r}, found {type(value).__name__}"
    probs.append(Problem(field, at, value, "unexpected_shape", message, "read", pii))
    return FAILED


def fail(
    probs: list[Problem],
    exc: Exception,
    at: str,
    field: str,
    raw: Any,
    label: str,
    pii: bool,
) -> Any:
    """Record a transform's failure with the raw source value; return `FAILED`."""
    code = getattr(exc, "code", None)
    detail = str(exc)
    if not isinstance(code, str):
        code = "transform_error"
        detail = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    probs.append(Problem(field, at, raw, code, f"{label}: {detail}", "transform", pii))
    return FAILED


def missing(probs: list[Problem], at: str, field: str, pii: bool) -> None:
    """Record a required field whose source is absent."""
    message = f"required, but {at} is absent" if at != "$" else "required, but absent"
    probs.append(Problem(field, at, None, "missing_value", message, "read", pii))


class Trace:
    """What the traced replay of a mapping saw: provenance and object bases."""

    __slots__ = ("objects", "provenance")

    def __init__(self) -> None:
        self.provenance: dict[str, FieldProvenance] = {}
        self.objects: dict[str, str] = {}

    def leaf(
        self,
        field: str,
        sources: tuple[str, ...],
        values: tuple[Any, ...],
        value: Any,
        origin: str,
        transforms: tuple[str, ...],
        pii: bool,
    ) -> None:
        """Record where ``field`` came from."""
        self.provenance[field] = FieldProvenance(
            field, sources, values, value, origin, transforms, pii
        )

    def mark(self) -> int:
        """A point to `rollback` to: entries of an object that turns out absent go."""
        return len(self.provenance)

    def rollback(self, mark: int) -> None:
        """Forget the entries recorded since ``mark``."""
        for field in list(self.provenance)[mark:]:
            del self.provenance[field]

    def obj(self, prefix: str, src: str) -> None:
        """Record that the object at canonical ``prefix`` was read from ``src``."""
        self.objects[prefix.rstrip(".")] = src
