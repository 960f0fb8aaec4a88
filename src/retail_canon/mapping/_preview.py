"""Notebook views of a mapping: `Preview` (values side by side) and `Coverage`.

Both render as HTML in Jupyter (``_repr_html_``) and as a plain-text table everywhere else
(``str``, ``repr``). Personal data is masked unless asked for.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from retail_canon.mapping._fields import canonical_leaves
from retail_canon.mapping._paths import format_steps, generalize
from retail_canon.mapping._result import MappingResult, Problem, field_loc, shown

if TYPE_CHECKING:
    from retail_canon.mapping._mapper import Mapper

__all__ = ["Coverage", "Preview", "PreviewRow"]

_MASK = "***"
_WIDTH = 40


def _samples(samples: Any) -> list[Any]:
    if isinstance(samples, str | os.PathLike):
        from retail_canon.mapping._load import load_samples

        return load_samples(os.fspath(samples))
    if isinstance(samples, Mapping):
        return [samples]
    if isinstance(samples, Iterable) and not isinstance(samples, str | bytes):
        return list(samples)
    msg = f"samples must be a record or an iterable of records, not {type(samples).__name__}"
    raise TypeError(msg)


def _canonical_value(result: MappingResult[Any], field: str, fallback: Any) -> Any:
    value: Any = result.canonical
    if value is None:
        return fallback
    for part in field_loc(field):
        try:
            value = value[part] if isinstance(part, int) else getattr(value, part)
        except (LookupError, AttributeError):
            return fallback
    return value


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One canonical field of one sample: its value, its source, and any problem."""

    sample: int
    field: str
    value: str
    source: str
    source_value: str
    problem: str


def _cell(value: Any, pii: bool, show_pii: bool) -> str:
    if value is None:
        return ""
    return _MASK if pii and not show_pii else shown(value, _WIDTH)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


class Preview:
    """Source values, canonical values and problems of some samples, side by side."""

    HEADER = ("#", "canonical field", "value", "← source", "source value", "problem")

    def __init__(self, mapper_name: str, results: list[MappingResult[Any]], rows: list[PreviewRow]):
        self.mapper_name = mapper_name
        self.results = results
        self.rows = rows

    @classmethod
    def build(
        cls, mapper: Mapper[Any], samples: Any, limit: int, show_pii: bool = False
    ) -> Preview:
        """Map ``samples`` (at most ``limit``) and lay the results out in rows."""
        results = [mapper.apply(sample) for sample in _samples(samples)[:limit]]
        rows: list[PreviewRow] = []
        for i, result in enumerate(results):
            problems: dict[str, list[Problem]] = {}
            for problem in result.problems:
                problems.setdefault(problem.field, []).append(problem)
            for field, entry in result.provenance.items():
                value = _canonical_value(result, field, entry.value)
                if entry.origin in ("const", "default"):
                    source, source_value = entry.origin, ""
                else:
                    source = ", ".join(entry.sources) + "".join(f" | {t}" for t in entry.transforms)
                    raw = entry.source_values[0] if entry.origin == "path" else entry.source_values
                    source_value = _cell(raw, entry.pii, show_pii)
                found = problems.pop(field, [])
                rows.append(
                    PreviewRow(
                        i,
                        field,
                        "" if found else _cell(value, entry.pii, show_pii),
                        source,
                        source_value,
                        "; ".join(f"{p.code}: {p.message}" for p in found),
                    )
                )
            for field, found in problems.items():
                first = found[0]
                raw = _cell(first.value, first.pii, show_pii)
                text = "; ".join(f"{p.code}: {p.message}" for p in found)
                rows.append(PreviewRow(i, field or "(object)", "", first.source_path, raw, text))
        return cls(mapper.name, results, rows)

    def _status(self, i: int) -> str:
        result = self.results[i]
        return "ok" if result.ok else f"REJECTED, {len(result.problems)} problem(s)"

    def __str__(self) -> str:
        blocks = []
        for i in range(len(self.results)):
            rows = [
                (str(r.sample), r.field, r.value, r.source, r.source_value, r.problem)
                for r in self.rows
                if r.sample == i
            ]
            blocks.append(f"sample {i}: {self._status(i)}\n" + _table(self.HEADER, rows))
        title = f"preview of {self.mapper_name!r}: {len(self.results)} sample(s)"
        return "\n\n".join([title, *blocks])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in self.HEADER)
        body = []
        for i in range(len(self.results)):
            status = html.escape(self._status(i))
            body.append(
                f"<tr><th colspan='6' style='text-align:left'>sample {i}: {status}</th></tr>"
            )
            for r in (r for r in self.rows if r.sample == i):
                style = " style='background:#fde2e1'" if r.problem else ""
                cells = (str(r.sample), r.field, r.value, r.source, r.source_value, r.problem)
                tds = "".join(f"<td><code>{html.escape(c)}</code></td>" for c in cells)
                body.append(f"<tr{style}>{tds}</tr>")
        caption = html.escape(f"preview of {self.mapper_name!r}")
        return f"<table><caption>{caption}</caption><tr>{head}</tr>{''.join(body)}</table>"


def source_leaves(value: Any, steps: list[Any] | None = None) -> set[str]:
    """Generalized paths of every present leaf of a record (lists written ``[*]``).

    >>> sorted(source_leaves({"a": {"b": 1, "c": None}, "items": [{"x": 1}, {"y": ""}]}))
    ['a.b', 'items[*].x']
    """
    steps = steps or []
    if isinstance(value, Mapping) and value:
        out: set[str] = set()
        for key, item in value.items():
            out |= source_leaves(item, [*steps, str(key)])
        return out
    if isinstance(value, list | tuple) and value:
        return set().union(*(source_leaves(item, [*steps, 0]) for item in value))
    if value is None or (isinstance(value, str) and not value) or not steps:
        return set()
    return {generalize(format_steps(steps))}


def _covers(read: str, leaf: str) -> bool:
    return read in ("$", leaf) or (leaf.startswith(read) and leaf[len(read)] in ".[")


def _parent(path: str) -> str:
    path = path.removesuffix("[*]")
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def collapse(unfilled: list[str], leaves: list[str]) -> list[str]:
    """``unfilled`` leaves, each replaced by its highest ancestor with no filled leaf.

    >>> leaves = ["a.x", "a.y", "b[*].x", "b[*].y", "c"]
    >>> collapse(["a.x", "b[*].x", "b[*].y"], leaves)
    ['a.x', 'b']
    """
    empty = set(unfilled)
    out: dict[str, None] = {}
    for leaf in unfilled:
        best, node = leaf, _parent(leaf)
        while node:
            if all(other in empty for other in leaves if _covers(node, other)):
                best = node
            node = _parent(node)
        out[best.removesuffix("[*]")] = None
    return list(out)


@dataclass(frozen=True)
class Coverage:
    """What some samples and a mapping leave out.

    Attributes:
        samples: how many samples were mapped.
        unread_source_fields: leaf paths present in the samples that no field read.
        unfilled_canonical_fields: canonical fields no sample filled; a part none of whose
            fields was filled is named once (``bill_to``, ``lines[*].discounts``). The
            top-level ``schema_version`` is left out: its default is meant to stay.
        source_fields: every present source leaf → in how many samples it was present.
        filled_fields: every canonical leaf → in how many samples it was filled.
    """

    mapper_name: str
    samples: int
    unread_source_fields: list[str]
    unfilled_canonical_fields: list[str]
    source_fields: dict[str, int]
    filled_fields: dict[str, int]

    @classmethod
    def build(cls, mapper: Mapper[Any], samples: Any) -> Coverage:
        """Map ``samples`` with tracing on and compare what was read and filled."""
        records = _samples(samples)
        leaves = [leaf for leaf in canonical_leaves(mapper.target) if leaf != "schema_version"]
        present: dict[str, int] = {}
        read: set[str] = set()
        filled = dict.fromkeys(leaves, 0)
        for record in records:
            for leaf in source_leaves(record):
                present[leaf] = present.get(leaf, 0) + 1
            trace, _ = mapper._traced(record)
            done = {generalize(field) for field in trace.provenance}
            for entry in trace.provenance.values():
                if entry.origin in ("path", "paths"):
                    read.update(generalize(source) for source in entry.sources)
            for leaf in leaves:
                if any(_covers(f, leaf) or _covers(leaf, f) for f in done if f):
                    filled[leaf] += 1
        unread = sorted(leaf for leaf in present if not any(_covers(r, leaf) for r in read))
        unfilled = collapse([leaf for leaf in leaves if not filled[leaf]], leaves)
        return cls(
            mapper.name, len(records), unread, unfilled, dict(sorted(present.items())), filled
        )

    def __str__(self) -> str:
        lines = [f"coverage of {self.mapper_name!r} over {self.samples} sample(s)"]
        lines.append(f"source fields never read ({len(self.unread_source_fields)}):")
        lines += [f"  {leaf}" for leaf in self.unread_source_fields] or ["  (none)"]
        lines.append(f"canonical fields never filled ({len(self.unfilled_canonical_fields)}):")
        lines += [f"  {leaf}" for leaf in self.unfilled_canonical_fields] or ["  (none)"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def block(title: str, items: list[str]) -> str:
            cells = (
                "".join(f"<li><code>{html.escape(i)}</code></li>" for i in items) or "<li>none</li>"
            )
            return f"<p><b>{html.escape(title)}</b> ({len(items)})</p><ul>{cells}</ul>"

        head = html.escape(f"coverage of {self.mapper_name!r} over {self.samples} sample(s)")
        return (
            f"<div><p>{head}</p>"
            + block("source fields never read", self.unread_source_fields)
            + block("canonical fields never filled", self.unfilled_canonical_fields)
            + "</div>"
        )
