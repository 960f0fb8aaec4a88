"""How the NetSuite connector is found: by import always, by name once registered."""

from __future__ import annotations

import importlib

import pytest

from netsuite.samples import CONFIG
from retail_canon import connectors

TARGET = "retail_canon.connectors.netsuite:NetSuiteConnector"


def test_the_entry_point_target_imports_a_connector():
    module, _, name = TARGET.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, connectors.Connector)
    assert cls.name == "netsuite"


def test_get_builds_it_by_name_once_registered():
    info = connectors.available(refresh=True).get("netsuite")
    if info is None:
        pytest.skip("the netsuite entry point is not installed (pyproject.toml, then reinstall)")
    assert info.target == TARGET
    assert type(connectors.get("netsuite", **CONFIG)).__name__ == "NetSuiteConnector"
