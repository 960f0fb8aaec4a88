"""Reading declarations (JSON, YAML, Python) and source records (JSON, JSONL, CSV) from files.

Numbers in JSON and YAML are read as exact `Decimal` values, never binary floats, so a
constant ``19.99`` or a payload amount ``12.30`` keeps its digits.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import runpy
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retail_canon.mapping._errors import MappingSpecError, SpecIssue
from retail_canon.mapping._mapper import Mapper

if TYPE_CHECKING:
    from retail_canon.mapping._xref import XrefLookup

__all__ = ["RECORD_SUFFIXES", "load_mapping", "load_samples", "read_records"]

RECORD_SUFFIXES = (".json", ".jsonl", ".csv")
"""File types `read_records` reads."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``: bytes (or records) read so far, out of how many."""


def _yaml(text: str, where: str) -> Any:
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError:
        message = "PyYAML is not installed: pip install pyyaml, or write the declaration as JSON"
        raise MappingSpecError([SpecIssue(where, message)]) from None

    def decimal(loader: Any, node: Any) -> Decimal:
        return Decimal(str(loader.construct_scalar(node)).replace("_", ""))

    # A SafeLoader that reads floats as exact Decimals: safe, and no binary floats.
    loader: Any = type("DecimalSafeLoader", (yaml.SafeLoader,), {})
    loader.add_constructor("tag:yaml.org,2002:float", decimal)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise MappingSpecError([SpecIssue(where, f"not valid YAML: {exc}")]) from None


def load_mapping(
    path: str | Path,
    *,
    transforms: Mapping[str, Callable[[Any], Any]] | None = None,
    xref: XrefLookup | None = None,
) -> Mapper[Any]:
    """Load and compile a declaration from a ``.json``, ``.yaml``/``.yml`` or ``.py`` file.

    A Python file defines ``MAPPING`` (a declaration dict, or a `Mapper`) and may define
    ``TRANSFORMS`` (name → function) for the declaration's own transforms. YAML needs
    PyYAML, which retail_canon does not require.

    Args:
        path: the file.
        transforms: extra named transforms (added to a Python file's ``TRANSFORMS``).
        xref: the resolver for ``xref`` transforms.

    Raises:
        MappingSpecError: the file cannot be read as a declaration, or the declaration has
            problems (all of them are listed).
        FileNotFoundError: there is no such file.
    """
    path = Path(path)
    text = path.read_text("utf-8") if path.suffix != ".py" else ""
    where = str(path)
    extra = dict(transforms or {})
    if path.suffix == ".json":
        try:
            declaration = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            message = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            raise MappingSpecError([SpecIssue(where, message)]) from None
    elif path.suffix in (".yaml", ".yml"):
        declaration = _yaml(text, where)
    elif path.suffix == ".py":
        namespace = runpy.run_path(str(path))
        declaration = namespace.get("MAPPING")
        extra = {**namespace.get("TRANSFORMS", {}), **extra}
        if isinstance(declaration, Mapper):
            return declaration
        if declaration is None:
            raise MappingSpecError([SpecIssue(where, "defines no MAPPING")])
    else:
        message = f"unknown declaration type {path.suffix!r}: use .json, .yaml, .yml or .py"
        raise MappingSpecError([SpecIssue(where, message)])
    return Mapper(declaration, name=path.stem, transforms=extra, xref=xref)


def _json_array(text: str, decoder: json.JSONDecoder) -> Iterator[tuple[int, Any, str | None]]:
    index = len(text) - len(text.lstrip())
    try:
        if not text.startswith("[", index):
            yield text.count("\n", 0, index) + 1, decoder.decode(text), None
            return
        index += 1
        while True:
            while index < len(text) and text[index] in " \t\r\n,":
                index += 1
            if index >= len(text) or text[index] == "]":
                return
            record, end = decoder.raw_decode(text, index)
            yield text.count("\n", 0, index) + 1, record, None
            index = end
    except json.JSONDecodeError as exc:
        yield exc.lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})"


def read_records(
    path: str | Path, progress: Progress | None = None
) -> Iterator[tuple[int, Any, str | None]]:
    """``(line, record, error)`` for each record of a ``.json``, ``.jsonl`` or ``.csv`` file.

    A ``.json`` file holds one record or an array of them; a ``.jsonl`` file one record per
    line; a ``.csv`` file a header row, then one record (a dict of strings) per row.
    ``error`` is set, and ``record`` is ``None``, for a line that is not valid JSON.

    Raises:
        ValueError: the file type is none of these.
    """
    path = Path(path)
    if path.suffix not in RECORD_SUFFIXES:
        msg = f"{path}: unknown record file type {path.suffix!r} (use .json, .jsonl or .csv)"
        raise ValueError(msg)
    total = path.stat().st_size
    decoder = json.JSONDecoder(parse_float=Decimal)
    if path.suffix == ".jsonl":
        done = 0
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                done += len(raw)
                line = raw.decode("utf-8")
                if line.strip():
                    try:
                        yield number, decoder.decode(line), None
                    except json.JSONDecodeError as exc:
                        yield number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
                if progress is not None:
                    progress(done, total)
    elif path.suffix == ".csv":
        with (
            path.open("rb") as raw_handle,
            io.TextIOWrapper(raw_handle, encoding="utf-8-sig", newline="") as text,
        ):
            reader = csv.DictReader(text)
            for row in reader:
                yield reader.line_num, row, None
                if progress is not None:
                    progress(raw_handle.tell(), total)
    else:
        items = list(_json_array(path.read_text("utf-8"), decoder))
        for count, item in enumerate(items, start=1):
            yield item
            if progress is not None:
                progress(count, len(items))


def load_samples(path: str | Path) -> list[Any]:
    """Sample records from a file (see `read_records`) or a directory of ``.json`` files.

    A directory gives one record per ``*.json`` file, in file-name order.

    Raises:
        ValueError: a file is not valid JSON.
    """
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    records = []
    for file in files:
        for line, record, error in read_records(file):
            if error is not None:
                msg = f"{file}:{line}: {error}"
                raise ValueError(msg)
            records.append(record)
    return records
