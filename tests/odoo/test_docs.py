"""The examples of docs/odoo.md run as written."""

from __future__ import annotations

from _connector_checks import run_page_examples


def test_odoo_page_examples_run():
    result = run_page_examples("odoo.md")
    assert result.attempted > 15
    assert result.failed == 0
