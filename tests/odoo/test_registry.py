"""How the Odoo connector is found: by import always, by name once registered."""

from __future__ import annotations

import importlib

import pytest

from odoo.samples import JSON2
from retail_canon import connectors

TARGET = "retail_canon.connectors.odoo:OdooConnector"


def test_the_entry_point_target_imports_a_connector():
    module, _, name = TARGET.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, connectors.Connector)
    assert cls.name == "odoo"


def test_get_builds_it_by_name_once_registered():
    info = connectors.available(refresh=True).get("odoo")
    if info is None:
        pytest.skip("the odoo entry point is not installed (pyproject.toml, then reinstall)")
    assert info.target == TARGET
    assert type(connectors.get("odoo", **JSON2)).__name__ == "OdooConnector"
