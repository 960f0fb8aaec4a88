"""Source paths: a small, documented syntax for reaching into parsed payloads.

A path names a value inside a source record (parsed JSON, a CSV row, an XML element
converted to dicts)::

    OrderTotal.Amount        key "OrderTotal", then key "Amount"
    Items[0].Sku             first element of the list under "Items", then its "Sku"
    Items[-1]                last element
    Items[*].Sku             "Sku" of every element: a list
    ["Order No."]            a key with dots, brackets or spaces at its ends, quoted
    $.currency               from the whole record, even inside a list item
    @                        the current value itself (the record, or the list item)

Relative paths start at the current value: the record at the top of a mapping, the list
item inside ``each``. A missing key, an index past the end and ``None`` all read as
absent (``None``). Stepping into something of the wrong shape (a key into a list, an
index into a string) raises `SourceShapeError`: a payload whose shape changed is a
problem to report, not an absent value.

jmespath was considered and not used: it is a new dependency for a small part of its
language, and its projections forget where each value came from, which provenance needs.

>>> record = {"Items": [{"Sku": "A"}, {"Sku": "B"}], "OrderTotal": {"Amount": "9.50"}}
>>> read_path(record, "OrderTotal.Amount")
'9.50'
>>> read_path(record, "Items[*].Sku")
['A', 'B']
>>> read_path(record, "Items[5].Sku") is None
True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from retail_canon.mapping._errors import InvalidSourcePath, MappingError, SpecIssue

__all__ = [
    "STAR",
    "SourcePath",
    "SourceShapeError",
    "Step",
    "format_steps",
    "generalize",
    "join",
    "parse_path",
    "read_path",
    "read_steps",
]


class _Star:
    """The wildcard step ``[*]``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "STAR"


STAR: Final = _Star()
Step = str | int | _Star

_INDEX = re.compile(r"-?[0-9]+")
_PLAIN = re.compile(r"[^.\[\]'\"\s](?:[^.\[\]]*[^.\[\]\s])?")


class SourceShapeError(MappingError, ValueError):
    """A path stepped into a value of the wrong shape (a key into a list, ...).

    Attributes:
        path: the concrete path of the value of the wrong shape.
        expected: what the path needed there (``an object``, ``a list``).
        value: the value found there.
    """

    code = "unexpected_shape"

    def __init__(self, path: str, expected: str, value: Any) -> None:
        self.path = path
        self.expected = expected
        self.value = value
        super().__init__(f"expected {expected} at {path!r}, found {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class SourcePath:
    """A parsed path: where it starts and its steps.

    Attributes:
        text: the path as written.
        absolute: ``True`` when it starts at the whole record (``$``), ``False`` when it
            starts at the current value.
        steps: keys (`str`), indices (`int`) and wildcards (`STAR`).
        suffix: the steps as text, without the root, e.g. ``Items[0].Sku``.
    """

    text: str
    absolute: bool
    steps: tuple[Step, ...]
    suffix: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "suffix", format_steps(self.steps))

    @property
    def has_wildcard(self) -> bool:
        """Whether a step is ``[*]`` (the path then reads a list)."""
        return any(step is STAR for step in self.steps)

    @property
    def keys_only(self) -> bool:
        """Whether every step is a key (the common, fastest case)."""
        return all(isinstance(step, str) for step in self.steps)


def _issue(text: str, message: str) -> InvalidSourcePath:
    return InvalidSourcePath([SpecIssue(repr(text), message, InvalidSourcePath.code)])


@functools.lru_cache(maxsize=1024)
def parse_path(text: str) -> SourcePath:
    """Parse a source path.

    ``$`` and ``@`` are roots only when alone or followed by ``.`` or ``[``: ``@id`` (an
    XML attribute converted by xmltodict) is a key.

    Raises:
        InvalidSourcePath: the text does not follow the path syntax.

    >>> parse_path("Items[*].Sku").steps
    ('Items', STAR, 'Sku')
    >>> parse_path('$["Order No."]')
    SourcePath(text='$["Order No."]', absolute=True, steps=('Order No.',))
    >>> parse_path("@id").steps
    ('@id',)
    """
    if not isinstance(text, str):
        raise _issue(str(text), f"a path must be a string, not {type(text).__name__}")
    if not text:
        raise _issue(text, "empty path (use '@' for the current value)")
    rooted = text[0] in "$@" and text[1:2] in ("", ".", "[")
    pos = 0
    if rooted:
        pos = 2 if text[1:2] == "." else 1
        if text[1:2] == "." and pos == len(text):
            raise _issue(text, "nothing after the root and its dot")
    steps: list[Step] = []
    while pos < len(text):
        if text[pos] == "[":
            step, pos = _bracket(text, pos)
            steps.append(step)
            continue
        if steps:
            if text[pos] != ".":
                raise _issue(text, f"expected '.' or '[' at position {pos}")
            pos += 1
        match = _PLAIN.match(text, pos)
        if match is None:
            raise _issue(text, f'expected a key at position {pos} (quote odd keys: ["a.b"])')
        steps.append(match.group())
        pos = match.end()
    return SourcePath(text, rooted and text[0] == "$", tuple(steps))


def _bracket(text: str, pos: int) -> tuple[Step, int]:
    quote = text[pos + 1 : pos + 2]
    if quote in ("'", '"'):
        close = text.find(quote, pos + 2)
        if close < 0 or text[close + 1 : close + 2] != "]":
            raise _issue(text, f"unclosed quoted key at position {pos}")
        return text[pos + 2 : close], close + 2
    end = text.find("]", pos)
    if end < 0:
        raise _issue(text, f"unclosed '[' at position {pos}")
    inner = text[pos + 1 : end]
    if inner == "*":
        return STAR, end + 1
    if _INDEX.fullmatch(inner):
        return int(inner), end + 1
    raise _issue(text, f"[{inner}] is not an index, [*] or a quoted key")


def format_steps(steps: tuple[Step, ...] | list[Step]) -> str:
    """Steps as path text, quoting keys that need it.

    >>> format_steps(["Items", 0, "Order No.", STAR])
    'Items[0]["Order No."][*]'
    """
    out: list[str] = []
    for step in steps:
        if isinstance(step, _Star):
            out.append("[*]")
        elif isinstance(step, int):
            out.append(f"[{step}]")
        elif _PLAIN.fullmatch(step) and not _INDEX.fullmatch(step) and step not in ("$", "@"):
            out.append(f".{step}" if out else step)
        else:
            quote = "'" if '"' in step else '"'
            out.append(f"[{quote}{step}{quote}]")
    return "".join(out)


def join(base: str, suffix: str) -> str:
    """The concrete path of ``suffix`` read from the value at ``base``.

    >>> join("Items[0]", "Price"), join("", "Price"), join("Items[0]", ""), join("", "")
    ('Items[0].Price', 'Price', 'Items[0]', '$')
    """
    if not base or base == "$":
        return suffix or "$"
    if not suffix:
        return base
    return base + suffix if suffix[0] == "[" else f"{base}.{suffix}"


_INDEX_IN_TEXT = re.compile(r"\[-?[0-9]+\]")


def generalize(path: str) -> str:
    """A concrete path with every list index replaced by ``[*]``.

    >>> generalize("Items[3].Barcodes[0]")
    'Items[*].Barcodes[*]'
    """
    return _INDEX_IN_TEXT.sub("[*]", path)


def _absent(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value)


def read_steps(value: Any, steps: tuple[Step, ...], where: str = "") -> Any:
    """Follow ``steps`` from ``value``; ``None`` when absent (see the module docs).

    Raises:
        SourceShapeError: a step met a value of the wrong shape.
    """
    for i, step in enumerate(steps):
        if _absent(value):
            return None
        if isinstance(step, str):
            if not isinstance(value, Mapping):
                raise SourceShapeError(_at(where, steps[:i]), "an object", value)
            value = value.get(step)
            continue
        if not isinstance(value, list | tuple):
            raise SourceShapeError(_at(where, steps[:i]), "a list", value)
        if isinstance(step, int):
            value = value[step] if -len(value) <= step < len(value) else None
            continue
        rest = steps[i + 1 :]
        prefix = _at(where, steps[:i])
        items = (read_steps(item, rest, f"{prefix}[{j}]") for j, item in enumerate(value))
        return [item for item in items if not _absent(item)]
    return value


def _at(where: str, steps: tuple[Step, ...]) -> str:
    return join(where, format_steps(steps))


def read_path(record: Any, path: str) -> Any:
    """The value at ``path`` in ``record``; ``None`` when absent.

    ``$`` and ``@`` both mean the record itself here.

    Raises:
        InvalidSourcePath: ``path`` does not parse.
        SourceShapeError: the record does not have the shape the path expects.

    >>> read_path({"a": [{"b": 1}, {"b": None}, {"b": 3}]}, "a[*].b")
    [1, 3]
    >>> read_path({"a": "text"}, "a.b")
    Traceback (most recent call last):
    ...
    retail_canon.mapping._paths.SourceShapeError: expected an object at 'a', found str
    """
    return read_steps(record, parse_path(path).steps)
