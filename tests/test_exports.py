"""The public surface: sorted `__all__` lists that match what the packages expose."""

from __future__ import annotations

import importlib
import types

import pytest

import retail_canon

PACKAGES = ["retail_canon", "retail_canon.models"]


def _public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", module.__name__) not in {"typing", "__future__"}
        and name not in {"annotations", "TYPE_CHECKING"}
    }


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_sorted_case_insensitively(package):
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__, key=str.casefold)
    assert len(set(module.__all__)) == len(module.__all__)


@pytest.mark.parametrize("package", PACKAGES)
def test_all_names_exist(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_models_all_equals_public_names():
    models = importlib.import_module("retail_canon.models")
    lazy = set(models._LAZY)
    assert set(models.__all__) == _public_names(models) | lazy
    assert lazy <= set(dir(models))
    for name in lazy:
        assert getattr(models, name).__name__ == name


def test_top_level_all_equals_public_names():
    exported = set(retail_canon.__all__) - {"__version__"} - set(retail_canon._SUBPACKAGES)
    public = _public_names(retail_canon)
    assert exported == public


def test_every_subpackage_is_reachable_lazily_from_the_top_level():
    for name in retail_canon._SUBPACKAGES:
        assert getattr(retail_canon, name).__name__ == f"retail_canon.{name}"


def test_models_are_reachable_lazily_from_the_top_level():
    assert retail_canon.models.SalesOrder.__name__ == "SalesOrder"
    assert "models" in dir(retail_canon)
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = retail_canon.no_such_thing


def test_public_models_do_not_leak_private_machinery():
    models = importlib.import_module("retail_canon.models")
    for name in models.__all__:
        value = getattr(models, name)
        if isinstance(value, type):
            assert not value.__name__.startswith("_"), name


def test_errors_carry_stable_codes():
    codes = {
        getattr(retail_canon, name).code
        for name in retail_canon.__all__
        if isinstance(getattr(retail_canon, name), type)
    }
    assert "invalid_transition" in codes
    assert "unknown_currency" in codes
    assert len(codes) == len([n for n in retail_canon.__all__ if n[0].isupper()])
