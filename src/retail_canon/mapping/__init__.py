"""Declarative mappings from vendor payloads to canonical objects, with provenance.

Onboarding a new channel means mapping its payloads (parsed JSON, CSV rows, XML converted
to dicts) onto the canonical objects. Here that mapping is data: canonical field → source
path, constant, default, transforms from the normalizers, cross-reference lookups, nested
objects and lists, and plain callables for the rest. A declaration is checked as a whole
when it is loaded (unknown fields and transforms come with the nearest valid name) and
compiled once into fast functions.

- `compile_mapping` / `load_mapping` (JSON, YAML if PyYAML is installed, Python) give a
  `Mapper`;
- `Mapper.apply` returns a `MappingResult`: the canonical object, or every `Problem` of
  the record (source path, canonical field, bad value), and per-field provenance;
- `Mapper.run` maps a batch into objects and `Reject` records, nothing dropped;
- `Mapper.preview` and `Mapper.coverage` are notebook views (HTML in Jupyter, text
  elsewhere);
- `check_goldens` (and the pytest fixture in `retail_canon.mapping.testing`) guards a
  mapping with golden files and field-level diffs.

Importing this package loads nothing: its names load on first use, which loads pydantic
and the models. pint, babel, httpx and dateutil load only when a transform that needs them
runs (or, for babel, is compiled), so the pytest plugin costs nothing until it is used.

>>> from retail_canon.mapping import compile_mapping
>>> mapper = compile_mapping({
...     "target": "Money",
...     "fields": {"amount": "OrderTotal.Amount", "currency": "OrderTotal.CurrencyCode"},
... })
>>> result = mapper.apply({"OrderTotal": {"Amount": "38.97", "CurrencyCode": "USD"}})
>>> result.canonical
Money(amount=Decimal('38.97'), currency='USD')
>>> print(result.provenance["amount"])
amount ← OrderTotal.Amount
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping as _Mapping

    from retail_canon.mapping._errors import (
        GoldenMismatch,
        InvalidSourcePath,
        MappingError,
        MappingSpecError,
        MissingCanonicalField,
        RecordRejected,
        SpecIssue,
        UnknownCanonicalField,
        UnknownTransform,
    )
    from retail_canon.mapping._golden import GoldenReport, check_goldens
    from retail_canon.mapping._load import load_mapping, load_samples
    from retail_canon.mapping._mapper import Mapper, compile_mapping
    from retail_canon.mapping._paths import SourceShapeError, read_path
    from retail_canon.mapping._preview import Coverage, Preview
    from retail_canon.mapping._result import (
        BatchResult,
        FieldProvenance,
        MappingResult,
        Problem,
        Reject,
    )
    from retail_canon.mapping._xref import XrefAnswer, XrefLookup

    TRANSFORMS: _Mapping[str, str]

__all__ = [
    "BatchResult",
    "check_goldens",
    "compile_mapping",
    "Coverage",
    "FieldProvenance",
    "GoldenMismatch",
    "GoldenReport",
    "InvalidSourcePath",
    "load_mapping",
    "load_samples",
    "Mapper",
    "MappingError",
    "MappingResult",
    "MappingSpecError",
    "MissingCanonicalField",
    "Preview",
    "Problem",
    "read_path",
    "RecordRejected",
    "Reject",
    "SourceShapeError",
    "SpecIssue",
    "TRANSFORMS",
    "UnknownCanonicalField",
    "UnknownTransform",
    "XrefAnswer",
    "XrefLookup",
]

_MODULES = {
    "_errors": (
        "GoldenMismatch",
        "InvalidSourcePath",
        "MappingError",
        "MappingSpecError",
        "MissingCanonicalField",
        "RecordRejected",
        "SpecIssue",
        "UnknownCanonicalField",
        "UnknownTransform",
    ),
    "_golden": ("GoldenReport", "check_goldens"),
    "_load": ("load_mapping", "load_samples"),
    "_mapper": ("Mapper", "compile_mapping"),
    "_paths": ("SourceShapeError", "read_path"),
    "_preview": ("Coverage", "Preview"),
    "_result": ("BatchResult", "FieldProvenance", "MappingResult", "Problem", "Reject"),
    "_xref": ("XrefAnswer", "XrefLookup"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def _transform_table() -> Any:
    from types import MappingProxyType

    from retail_canon.mapping._transforms import BUILTINS

    return MappingProxyType({name: doc for name, (_, doc) in sorted(BUILTINS.items())})


def __getattr__(name: str) -> Any:
    if name == "TRANSFORMS":
        value = _transform_table()
    elif name in _LAZY:
        module = importlib.import_module(f"retail_canon.mapping.{_LAZY[name]}")
        value = getattr(module, name)
    else:
        msg = f"module 'retail_canon.mapping' has no attribute {name!r}"
        raise AttributeError(msg)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
