"""The examples of docs/connectors.md run as written."""

from __future__ import annotations

from _connector_checks import run_page_examples


def test_connectors_page_examples_run():
    result = run_page_examples("connectors.md")
    assert result.attempted > 20
    assert result.failed == 0
