"""How the Odoo connector is found: by import always, by name once registered."""

from __future__ import annotations

from _connector_checks import check_entry_point_target, check_get_by_name
from odoo.samples import JSON2

TARGET = "retail_canon.connectors.odoo:OdooConnector"


def test_the_entry_point_target_imports_a_connector():
    check_entry_point_target(TARGET, "odoo")


def test_get_builds_it_by_name_once_registered():
    check_get_by_name("odoo", TARGET, JSON2)
