"""Governed CSV import and export of links.

The CSV has a header row. Columns: ``entity``, ``canonical_id``, ``system``, ``scheme``,
``value`` (required), ``scope``, ``action`` and ``valid_from`` (optional; other columns
are refused, so that a misspelt ``scope`` cannot silently drop scopes). ``action`` is

* ``link`` (the default): add the link; a ref linked to another id is a conflict;
* ``relink``: point the ref at this id, closing its link to another id (a change);
* ``unlink``: close the ref's link to this id (a change); linked elsewhere is a conflict.

``valid_from`` (ISO 8601 with a UTC offset) is when a link or relink takes effect; empty
means the time of the import. An export writes the links in force, with their
``valid_from``, in the same format, so exporting and importing again changes nothing.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Literal, cast

from retail_canon.models import ExternalRef
from retail_canon.xref._errors import EffectiveDateError, XrefConflict, XrefInputError
from retail_canon.xref._schemes import Key, SchemeRegistry
from retail_canon.xref._store import LinkRow, StoreWriter, aware_utc
from retail_canon.xref._types import Canonical
from retail_canon.xref._writes import WriteContext, do_link, do_relink, do_unlink, ref_of

__all__ = [
    "CSV_COLUMNS",
    "ImportIssue",
    "ImportReport",
    "ImportRow",
    "ParsedRow",
    "apply_rows",
    "build_report",
    "parse_csv",
    "write_csv",
]

CSV_COLUMNS = ("entity", "canonical_id", "system", "scheme", "value", "scope", "valid_from")
"""The columns of an export, in order."""
_REQUIRED = frozenset(CSV_COLUMNS[:5])
_ALLOWED = frozenset([*CSV_COLUMNS, "action"])
_ACTIONS = ("link", "relink", "unlink")

Action = Literal["link", "relink", "unlink"]
Source = str | os.PathLike[str] | IO[str]


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A row of an import that adds or changes a link."""

    line: int
    """Line number in the CSV (the header is line 1)."""
    action: Action
    ref: ExternalRef
    """The normalised ref."""
    entity: str
    canonical_id: str
    before: Canonical | None
    """What the ref pointed to before (``None`` for an add)."""


@dataclass(frozen=True, slots=True)
class ImportIssue:
    """A row that cannot be applied, with a stable ``code``."""

    line: int
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, or would do on a dry run."""

    adds: tuple[ImportRow, ...]
    changes: tuple[ImportRow, ...]
    unchanged: int
    conflicts: tuple[ImportIssue, ...]
    errors: tuple[ImportIssue, ...]
    applied: bool
    """Whether the import was written (``False`` for a dry run)."""

    @property
    def ok(self) -> bool:
        """Whether the import has neither conflicts nor errors (so it can be applied)."""
        return not self.conflicts and not self.errors

    def summary(self) -> str:
        """One line for people, e.g. ``3 adds, 1 change, 10 unchanged, 0 conflicts, 0 errors``."""
        return (
            f"{len(self.adds)} adds, {len(self.changes)} changes, {self.unchanged} unchanged, "
            f"{len(self.conflicts)} conflicts, {len(self.errors)} errors"
            + ("" if self.applied else " (not applied)")
        )


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A well-formed CSV row, normalised."""

    line: int
    action: Action
    key: Key
    owner: Canonical
    valid_from: datetime | None


@contextmanager
def _open(source: Source, mode: str) -> Iterator[IO[str]]:
    if isinstance(source, str | os.PathLike):
        with Path(source).open(mode, encoding="utf-8", newline="") as handle:
            yield handle
    else:
        yield source


def _parse_row(
    line: int, record: dict[str, str | None], schemes: SchemeRegistry
) -> ParsedRow | ImportIssue:
    def cell(name: str) -> str:
        return (record.get(name) or "").strip()

    action = cell("action").lower() or "link"
    if action not in _ACTIONS:
        return ImportIssue(line, "xref_invalid_input", f"unknown action {action!r}")
    entity, canonical_id = cell("entity"), cell("canonical_id")
    if not entity or not canonical_id:
        return ImportIssue(line, "xref_invalid_input", "entity and canonical_id are required")
    try:
        key = schemes.key_of(cell("system"), cell("scheme"), cell("value"), cell("scope") or None)
        stamp = cell("valid_from")
        valid_from = aware_utc(datetime.fromisoformat(stamp), "valid_from") if stamp else None
    except XrefInputError as exc:
        return ImportIssue(line, exc.code, str(exc))
    except ValueError as exc:  # a malformed or naive valid_from
        return ImportIssue(line, "xref_effective_date", f"valid_from: {exc}")
    return ParsedRow(line, cast(Action, action), key, Canonical(entity, canonical_id), valid_from)


def parse_csv(source: Source, schemes: SchemeRegistry) -> tuple[list[ParsedRow], list[ImportIssue]]:
    """The rows of a CSV, normalised, and the issues of the rows that are not."""
    rows: list[ParsedRow] = []
    issues: list[ImportIssue] = []
    with _open(source, "r") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or ())
        if not header >= _REQUIRED or not header <= _ALLOWED:
            missing = ", ".join(sorted(_REQUIRED - header)) or "none"
            unknown = ", ".join(sorted(header - _ALLOWED)) or "none"
            msg = f"header: missing columns {missing}; unknown columns {unknown}"
            return [], [ImportIssue(1, "xref_invalid_input", msg)]
        for record in reader:
            parsed = _parse_row(reader.line_num, record, schemes)
            if isinstance(parsed, ParsedRow):
                rows.append(parsed)
            else:
                issues.append(parsed)
    return rows, issues


def apply_rows(
    w: StoreWriter, rows: Iterable[ParsedRow], ctx: WriteContext
) -> tuple[list[ImportRow], list[ImportRow], int, list[ImportIssue], list[ImportIssue]]:
    """Apply ``rows`` in the write transaction ``w``, in key order (a stable lock order).

    Returns adds, changes, the unchanged count, conflicts and errors. The caller rolls the
    transaction back when there is a conflict or an error, or on a dry run.
    """
    writer = w
    adds: list[ImportRow] = []
    changes: list[ImportRow] = []
    conflicts: list[ImportIssue] = []
    errors: list[ImportIssue] = []
    unchanged = 0
    first: dict[Key, ParsedRow] = {}
    for row in sorted(
        rows, key=lambda r: (r.key.system, r.key.scheme, r.key.scope or "", r.key.value, r.line)
    ):
        seen = first.setdefault(row.key, row)
        if seen is not row and (seen.action, seen.owner) != (row.action, row.owner):
            msg = f"the same ref as line {seen.line}, with another action or canonical id"
            conflicts.append(ImportIssue(row.line, "xref_conflict", msg))
            continue
        try:
            before: Canonical | None = None
            if row.action == "link":
                _, outcome = do_link(writer, row.key, row.owner, row.valid_from, ctx)
            elif row.action == "relink":
                _, outcome, before = do_relink(writer, row.key, row.owner, row.valid_from, ctx)
            else:
                _, outcome = do_unlink(writer, row.key, row.owner, None, ctx)
                before = row.owner
        except XrefConflict as exc:
            conflicts.append(ImportIssue(row.line, exc.code, str(exc)))
            continue
        except EffectiveDateError as exc:
            errors.append(ImportIssue(row.line, exc.code, str(exc)))
            continue
        if outcome == "unchanged":
            unchanged += 1
            continue
        entry = ImportRow(
            row.line,
            row.action,
            ref_of(row.key),
            row.owner.entity,
            row.owner.canonical_id,
            before,
        )
        (adds if outcome == "added" else changes).append(entry)
    return adds, changes, unchanged, conflicts, errors


def write_csv(rows: Iterable[LinkRow], target: Source) -> int:
    """Write links as CSV (`CSV_COLUMNS`); the number of rows written."""
    count = 0
    with _open(target, "w") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(
                (
                    row.entity,
                    row.canonical_id,
                    row.system,
                    row.scheme,
                    row.value,
                    row.scope or "",
                    row.valid_from.isoformat(),
                )
            )
            count += 1
    return count


def build_report(
    w: StoreWriter,
    rows: list[ParsedRow],
    issues: list[ImportIssue],
    ctx: WriteContext,
    *,
    dry_run: bool,
) -> ImportReport:
    """Apply ``rows`` in ``w`` and report; the caller rolls back unless the report is applied."""
    adds, changes, unchanged, conflicts, errors = apply_rows(w, rows, ctx)
    errors = sorted([*issues, *errors], key=lambda issue: issue.line)
    return ImportReport(
        tuple(sorted(adds, key=lambda r: r.line)),
        tuple(sorted(changes, key=lambda r: r.line)),
        unchanged,
        tuple(sorted(conflicts, key=lambda c: c.line)),
        tuple(errors),
        applied=not dry_run and not conflicts and not errors,
    )
