"""The errors of the mapping toolkit, and the nearest-name suggestions they carry.

```
RetailCanonError
└── MappingError
    ├── MappingSpecError (ValueError)      a declaration that cannot be compiled
    │   ├── InvalidSourcePath              a path that does not parse
    │   ├── UnknownCanonicalField          a field the target object does not have
    │   ├── MissingCanonicalField          a required field with no source
    │   └── UnknownTransform               a transform name nobody registered
    ├── RecordRejected (ValueError)        a record with problems, from `Mapper.map`
    └── GoldenMismatch (AssertionError)    mapped output differs from its golden files
```

A declaration is checked as a whole: `MappingSpecError.issues` lists every problem found,
each with where it is in the declaration and, for a misspelt name, the nearest valid one.
The class raised is the subclass of the issues' kind when they are all of one kind.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retail_canon._exceptions import RetailCanonError

if TYPE_CHECKING:
    from retail_canon.mapping._result import Problem

__all__ = [
    "GoldenMismatch",
    "InvalidSourcePath",
    "MappingError",
    "MappingSpecError",
    "MissingCanonicalField",
    "RecordRejected",
    "SpecIssue",
    "UnknownCanonicalField",
    "UnknownTransform",
    "nearest",
    "spec_error",
]


def nearest(name: str, choices: Iterable[str]) -> str | None:
    """The valid name closest to a misspelt ``name``, if one is close enough.

    >>> nearest("placed_on", ["placed_at", "updated_at", "order_id"])
    'placed_at'
    >>> nearest("Zzz", ["placed_at"]) is None
    True
    """
    options = list(choices)
    folded = {option.casefold(): option for option in options}
    if name.casefold() in folded:
        return folded[name.casefold()]
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return close[0] if close else None


class MappingError(RetailCanonError):
    """Root of the errors of `retail_canon.mapping`."""

    code = "mapping_error"


@dataclass(frozen=True, slots=True)
class SpecIssue:
    """One problem of a declaration.

    Attributes:
        where: where it is in the declaration, e.g. ``fields.lines.object.sku``.
        message: what is wrong, in words.
        code: the code of the matching `MappingSpecError` subclass.
        suggestion: the nearest valid name, for a misspelt one.
    """

    where: str
    message: str
    code: str = "invalid_mapping"
    suggestion: str | None = None

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"{self.where}: {self.message}{hint}"


class MappingSpecError(MappingError, ValueError):
    """A mapping declaration that cannot be compiled; `issues` lists every problem."""

    code = "invalid_mapping"

    def __init__(self, issues: Sequence[SpecIssue], name: str | None = None) -> None:
        self.issues = tuple(issues)
        self.name = name
        what = f"mapping {name!r}" if name else "mapping"
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"{what}: {len(self.issues)} problem(s) in the declaration:\n{lines}")


class InvalidSourcePath(MappingSpecError):
    """A source path that does not follow the path syntax."""

    code = "invalid_source_path"


class UnknownCanonicalField(MappingSpecError):
    """A field name the canonical object (or one of its parts) does not have."""

    code = "unknown_canonical_field"


class MissingCanonicalField(MappingSpecError):
    """A required canonical field the declaration gives no source, constant or default."""

    code = "missing_canonical_field"


class UnknownTransform(MappingSpecError):
    """A transform name that is neither built in nor passed in ``transforms=``."""

    code = "unknown_transform"


_BY_CODE: dict[str, type[MappingSpecError]] = {
    cls.code: cls
    for cls in (InvalidSourcePath, UnknownCanonicalField, MissingCanonicalField, UnknownTransform)
}


def spec_error(issues: Sequence[SpecIssue], name: str | None = None) -> MappingSpecError:
    """The error for ``issues``: the subclass of their kind when they share one."""
    codes = {issue.code for issue in issues}
    cls = _BY_CODE.get(codes.pop(), MappingSpecError) if len(codes) == 1 else MappingSpecError
    return cls(issues, name)


class RecordRejected(MappingError, ValueError):
    """A record that did not map; `problems` lists every problem found in it."""

    code = "record_rejected"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"record rejected: {len(self.problems)} problem(s):\n{lines}")


class GoldenMismatch(MappingError, AssertionError):
    """Mapped output that differs from the golden files; the message is a field-level diff."""

    code = "golden_mismatch"
