"""``retail-canon map SPEC FILE``: vendor records in, canonical JSONL out, rejects aside."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TextIO

from retail_canon.mapping._errors import MappingSpecError
from retail_canon.mapping._load import RECORD_SUFFIXES, load_mapping, read_records
from retail_canon.mapping._result import jsonable

__all__ = ["ProgressBar", "run"]

LARGE = 1 << 20
"""Files at least this big (bytes) get a progress bar when stderr is a terminal."""
_REDRAW = 0.1


class ProgressBar:
    """A plain progress bar on a text stream, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.records = 0
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` (bytes or records)."""
        now = time.monotonic()
        if done < total and now - self._last < _REDRAW:
            return
        self._last = now
        fraction = min(done / total, 1.0) if total else 1.0
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {fraction:4.0%} {self.records:,} record(s)")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the bar's line."""
        if self._drawn:
            self.stream.write("\n")


def _usage(message: str) -> int:
    print(f"retail-canon map: {message}", file=sys.stderr)
    return 2


def run(
    spec: str,
    file: str,
    *,
    output: str | None = None,
    rejects: str | None = None,
    progress: bool | None = None,
) -> int:
    """Map every record of ``file`` with the declaration ``spec``; return the exit code.

    Canonical objects go to ``output`` (stdout when ``None`` or ``-``) as JSON lines;
    records that do not map go to ``rejects`` (default: ``<name>.rejects.jsonl`` beside
    the output file, or beside ``file`` when writing to stdout) with their problems.
    Exit code 0 when every record mapped, 1 when some were rejected, 2 for usage errors.
    """
    source, spec_path = Path(file), Path(spec)
    if not spec_path.is_file():
        return _usage(f"no such declaration file: {spec_path}")
    if not source.is_file():
        return _usage(f"no such file: {source}")
    if source.suffix not in RECORD_SUFFIXES:
        return _usage(f"{source}: expected a {', '.join(RECORD_SUFFIXES)} file")
    try:
        mapper = load_mapping(spec_path)
    except MappingSpecError as exc:
        return _usage(str(exc))
    to_stdout = output in (None, "-")
    anchor = source if to_stdout else Path(str(output))
    reject_path = Path(rejects) if rejects else anchor.with_name(f"{anchor.stem}.rejects.jsonl")
    show = (
        progress
        if progress is not None
        else (sys.stderr.isatty() and source.stat().st_size >= LARGE)
    )
    bar = ProgressBar(sys.stderr, source.name) if show else None
    total = mapped = 0
    out = sys.stdout if to_stdout else Path(str(output)).open("w", encoding="utf-8")  # noqa: SIM115
    try:
        with reject_path.open("w", encoding="utf-8") as bad:
            for line, record, error in read_records(source, bar):
                total += 1
                if bar is not None:
                    bar.records = total
                if error is not None:
                    bad.write(json.dumps({"line": line, "error": error}) + "\n")
                    continue
                result = mapper.apply(record)
                if result.canonical is not None:
                    mapped += 1
                    out.write(result.canonical.model_dump_json() + "\n")
                    continue
                problems = [problem.to_dict() for problem in result.problems]
                entry = {"line": line, "record": jsonable(record), "problems": problems}
                bad.write(json.dumps(entry, ensure_ascii=False) + "\n")
    finally:
        if bar is not None:
            bar.close()
        if not to_stdout:
            out.close()
    rejected = total - mapped
    print(
        f"{source}: {total} record(s), {mapped} mapped, {rejected} rejected → {reject_path}",
        file=sys.stderr,
    )
    return 1 if rejected else 0
