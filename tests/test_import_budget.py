"""Cheap imports: the lambda contract. Heavy dependencies must not load with the models."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["pint", "babel", "httpx", "dateutil", "cattrs"]

MODEL_MODULES = [
    "retail_canon",
    "retail_canon.models",
    "retail_canon.models._money",
    "retail_canon.models._quantity",
    "retail_canon.models._product",
    "retail_canon.models._inventory",
    "retail_canon.models._sales_order",
    "retail_canon.models._fulfillment_order",
    "retail_canon.models._return_authorization",
    "retail_canon.models._store_transfer",
    "retail_canon.models._settlement",
    "retail_canon.models._schema",
    "retail_canon.normalize",
    "retail_canon.normalize.identifiers",
]


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", MODEL_MODULES)
def test_heavy_dependencies_stay_unloaded(module):
    loaded = _loaded_after(f"import {module}")
    assert module in loaded
    leaked = [name for name in HEAVY if name in loaded]
    assert leaked == [], f"import {module} loaded {leaked}"


def test_top_level_import_does_not_load_pydantic_models():
    loaded = _loaded_after("import retail_canon")
    assert "retail_canon.models" not in loaded
    assert "pydantic" not in loaded


def test_check_detects_a_heavy_import():
    # The probe itself must be able to see a heavy module when one is imported.
    loaded = _loaded_after("import retail_canon.models, dateutil.parser")
    assert "dateutil" in loaded


def test_models_do_not_load_the_schema_tools():
    loaded = _loaded_after("import retail_canon.models")
    assert "retail_canon.models._schema" not in loaded


def test_cli_help_is_lazy():
    loaded = _loaded_after("import retail_canon.cli")
    assert "pydantic" not in loaded


def test_models_build_their_validators_on_first_use():
    code = (
        "from pydantic_core import SchemaValidator\n"
        "import retail_canon.models as m\n"
        "built = lambda: isinstance(m.Money.__pydantic_validator__, SchemaValidator)\n"
        "before = built()\n"
        "m.Money(amount='1.00', currency='EUR')\n"
        "print(before, built())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.split() == ["False", "True"]
