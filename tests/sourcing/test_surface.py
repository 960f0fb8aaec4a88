"""The public surface of retail_canon.sourcing: names, errors, import footprint, docs."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
import types
from pathlib import Path

import retail_canon
import retail_canon.sourcing as sourcing
from retail_canon.sourcing import InvalidNetwork, SourcingError, UnknownNode, UnsourceableOrder

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sourcing.md"


def test_all_is_sorted_and_complete():
    assert sourcing.__all__ == sorted(sourcing.__all__, key=str.casefold)
    public = {
        name
        for name, value in vars(sourcing).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in {"annotations"}
    }
    assert set(sourcing.__all__) == public
    for name in sourcing.__all__:
        value = getattr(sourcing, name)
        if isinstance(value, type):
            assert not value.__name__.startswith("_"), name


def test_errors_have_stable_codes_and_builtin_bases():
    assert issubclass(SourcingError, retail_canon.RetailCanonError)
    assert issubclass(UnsourceableOrder, ValueError)
    assert issubclass(UnknownNode, LookupError)
    assert issubclass(UnknownNode, InvalidNetwork)
    codes = [e.code for e in (SourcingError, UnsourceableOrder, InvalidNetwork, UnknownNode)]
    assert codes == ["sourcing_error", "unsourceable_order", "invalid_network", "unknown_node"]


def test_import_does_not_load_heavy_dependencies():
    code = "import sys, json, retail_canon.sourcing\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded = set(json.loads(out))
    assert "retail_canon.sourcing" in loaded
    for heavy in ("pint", "babel", "httpx", "dateutil", "highspy", "scipy", "numpy"):
        assert heavy not in loaded, heavy


def test_docs_examples_run():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0
