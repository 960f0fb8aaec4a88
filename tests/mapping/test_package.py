"""The package surface: exports, errors and their codes, and the import budget."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

import retail_canon
import retail_canon.mapping as mapping
from retail_canon.mapping import _errors

HEAVY = ["pint", "babel", "httpx", "dateutil", "cattrs"]


def test_all_is_sorted_and_names_exactly_the_public_objects():
    assert mapping.__all__ == sorted(mapping.__all__, key=str.casefold)
    public = {
        name
        for name in dir(mapping)
        if not name.startswith("_")
        and not isinstance(getattr(mapping, name), types.ModuleType)
        and name not in {"annotations", "TYPE_CHECKING", "Any"}
    }
    assert set(mapping.__all__) == public
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = mapping.no_such_name
    for name in mapping.__all__:
        value = getattr(mapping, name)
        if isinstance(value, type):
            assert not value.__name__.startswith("_"), name


def test_errors_are_retail_canon_errors_with_stable_codes():
    classes = [getattr(mapping, name) for name in mapping.__all__]
    errors = [c for c in classes if isinstance(c, type) and issubclass(c, Exception)]
    assert {e.__name__ for e in errors} == {
        "GoldenMismatch",
        "InvalidSourcePath",
        "MappingError",
        "MappingSpecError",
        "MissingCanonicalField",
        "RecordRejected",
        "SourceShapeError",
        "UnknownCanonicalField",
        "UnknownTransform",
    }
    codes = {e.code for e in errors}
    assert len(codes) == len(errors)
    assert all(issubclass(e, retail_canon.RetailCanonError) for e in errors)
    assert issubclass(mapping.MappingSpecError, ValueError)
    assert issubclass(mapping.GoldenMismatch, AssertionError)


def test_spec_error_class_follows_its_issues():
    issue = _errors.SpecIssue("x", "m", "unknown_transform")
    assert type(_errors.spec_error([issue])) is mapping.UnknownTransform
    other = _errors.SpecIssue("y", "m")
    assert type(_errors.spec_error([issue, other])) is mapping.MappingSpecError
    assert str(issue) == "x: m"
    assert str(_errors.SpecIssue("x", "m", suggestion="n")) == "x: m (did you mean 'n'?)"


def _loaded_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


USE = """
import retail_canon.mapping as m
mapper = m.compile_mapping({"target": "SalesOrder", "fields": {
    "order_id": {"path": "id", "transform": ["strip", {"format": "x-{}"}]},
    "channel": {"const": "c"},
    "placed_at": {"path": "at", "transform": {"timestamp": {"tz": "Europe/Oslo"}}},
    "currency": "cur",
    "status": {"path": "s", "transform": {"status": "amazon.orders_v0.OrderStatus"}},
    "lines": {"each": "items", "object": {
        "line_id": {"path": "n", "transform": "str"}, "sku": "sku",
        "item_refs": {"list": [{"object": {"system": {"const": "gs1"}, "scheme": {"const": "gtin"},
                       "value": {"path": "ean", "transform": "gtin14"}}}]},
        "quantity": {"object": {"value": {"path": "q", "transform": "decimal"},
                                "uom": {"path": "u", "transform": "unit"}}},
        "unit_price": {"object": {"amount": "p", "currency": "$.cur"}}}}}})
result = mapper.apply({"id": " 1 ", "at": "2026-01-02 10:00", "cur": "NOK", "s": "Shipped",
    "items": [{"n": 1, "sku": "A", "ean": "4006381333931", "q": "2", "u": "pcs", "p": "1.5"}]})
assert result.ok, result.problems
assert result.provenance
str(mapper.preview(result.record)); mapper.coverage([result.record])
"""


def test_the_package_and_its_pytest_plugin_load_nothing_until_used():
    loaded = _loaded_after("import retail_canon.mapping.pytest_plugin")
    assert "pytest" in loaded
    assert "pydantic" not in loaded
    assert "retail_canon.mapping._mapper" not in loaded


@pytest.mark.parametrize("code", ["import retail_canon.mapping", USE])
def test_heavy_dependencies_stay_unloaded(code):
    loaded = _loaded_after(code)
    assert "retail_canon.mapping" in loaded
    assert [name for name in HEAVY if name in loaded] == []
    assert "pytest" not in loaded


def test_probe_sees_babel_when_a_locale_transform_is_compiled():
    loaded = _loaded_after(
        "import retail_canon.mapping as m\n"
        "m.compile_mapping({'target': 'Money', 'fields': {'amount': {'path': 'a', "
        "'transform': {'locale_decimal': 'de_DE'}}, 'currency': 'c'}})"
    )
    assert "babel" in loaded
