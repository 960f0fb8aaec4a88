"""Golden files: the mapped output of sample payloads, recorded and compared field by field.

For each ``SAMPLES/<name>.json`` (one source record per file) the golden file
``GOLDENS/<name>.json`` holds what the mapping made of it: ``{"canonical": {...}}`` (the
object's JSON form) or ``{"problems": [...]}`` (a rejected record: field, source path,
value, code and stage of each problem). A mapping change or a vendor payload change that
alters the output fails the check with a diff that names each canonical field, its golden
and current values, and where the current value came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retail_canon.mapping._errors import GoldenMismatch
from retail_canon.mapping._result import MappingResult, shown

if TYPE_CHECKING:
    from retail_canon.mapping._mapper import Mapper

__all__ = ["GoldenReport", "check_goldens", "flatten", "golden_document"]

_MAX_LINES = 40


def golden_document(result: MappingResult[Any]) -> dict[str, Any]:
    """What a golden file holds for one mapped record.

    For a rejected record: each problem's field, source path, value, code and stage, but
    not its message, which is for people and may be reworded by any release.
    """
    if result.canonical is not None:
        return {"canonical": result.canonical.model_dump(mode="json")}
    problems = [problem.to_dict() for problem in result.problems]
    return {"problems": [{k: v for k, v in p.items() if k != "message"} for p in problems]}


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf path → value of a JSON document (empty lists and objects are leaves).

    >>> flatten({"a": [{"b": 1}, {"b": 2}], "c": {}})
    {'a[0].b': 1, 'a[1].b': 2, 'c': {}}
    """
    if isinstance(document, dict) and document:
        out: dict[str, Any] = {}
        for key, value in document.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(document, list) and document:
        out = {}
        for i, value in enumerate(document):
            out.update(flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: document}


@dataclass
class GoldenReport:
    """What a golden check did.

    Attributes:
        checked: the sample file names, in order.
        differences: sample file name → diff lines, for each sample whose output changed.
        written: golden files written (``update=True`` only).
        removed: golden files without a sample, removed (``update=True`` only).
        stale: golden files without a sample (reported when not updating).
    """

    checked: list[str] = field(default_factory=list)
    differences: dict[str, list[str]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)


def _diff(old: Any, new: Any, result: MappingResult[Any]) -> list[str]:
    before, after = flatten(old), flatten(new)
    provenance = result.provenance if result.ok else {}
    lines = []
    for key in dict.fromkeys([*before, *after]):
        name = key.removeprefix("canonical.")
        entry = provenance.get(name)
        origin = f"   ← {str(entry).split(' ← ', 1)[1]}" if entry is not None else ""
        if key not in after:
            lines.append(f"  - {name}: {shown(before[key])} (golden; now absent)")
        elif key not in before:
            lines.append(f"  + {name}: {shown(after[key])} (new){origin}")
        elif before[key] != after[key]:
            lines.append(f"  ~ {name}: {shown(before[key])} → {shown(after[key])}{origin}")
    if len(lines) > _MAX_LINES:
        lines = [*lines[:_MAX_LINES], f"  ... and {len(lines) - _MAX_LINES} more"]
    return lines


def _read_sample(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"), parse_float=Decimal)


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def check_goldens(
    mapper: Mapper[Any], samples: str | Path, goldens: str | Path, *, update: bool = False
) -> GoldenReport:
    """Compare the mapped output of every sample with its golden file.

    Args:
        mapper: the mapping under test.
        samples: a directory of ``*.json`` files, one source record each.
        goldens: the directory of golden files (created when updating).
        update: write the current output as the new goldens (and remove goldens whose
            sample is gone) instead of comparing: accept a change on purpose.

    Returns:
        What was checked or written.

    Raises:
        GoldenMismatch: (when not updating) an output differs from its golden file, a
            golden file is missing, or a golden file has no sample; the message lists
            every difference, field by field.
        FileNotFoundError: the samples directory does not exist or has no samples.
    """
    samples, goldens = Path(samples), Path(goldens)
    files = sorted(samples.glob("*.json"))
    if not files:
        msg = f"no sample payloads (*.json) in {samples}"
        raise FileNotFoundError(msg)
    report = GoldenReport()
    notes: list[str] = []
    for file in files:
        report.checked.append(file.name)
        result = mapper.apply(_read_sample(file))
        document = json.loads(_dump(golden_document(result)))
        golden = goldens / file.name
        old = json.loads(golden.read_text("utf-8")) if golden.exists() else None
        if old == document:
            continue
        if update:
            goldens.mkdir(parents=True, exist_ok=True)
            golden.write_text(_dump(document), "utf-8")
            report.written.append(golden)
        elif old is None:
            notes.append(f"{file.name}: no golden file yet ({golden})")
        else:
            report.differences[file.name] = _diff(old, document, result)
    names = {file.name for file in files}
    for golden in sorted(goldens.glob("*.json")) if goldens.is_dir() else []:
        if golden.name not in names:
            if update:
                golden.unlink()
                report.removed.append(golden)
            else:
                report.stale.append(golden)
                notes.append(f"{golden}: golden file without a sample in {samples}")
    if update or not (report.differences or notes):
        return report
    blocks = [
        f"{name}  (golden: {goldens / name})\n" + "\n".join(lines)
        for name, lines in report.differences.items()
    ]
    failing = len(report.differences) + len(notes)
    head = (
        f"mapping {mapper.name!r}: {failing} golden problem(s) over {len(files)} sample(s)\n"
        "(if the change is intended, accept it: pytest --update-goldens, or update=True)"
    )
    raise GoldenMismatch("\n\n".join([head, *blocks, *notes]))
