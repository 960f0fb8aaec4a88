"""The examples of docs/amazon.md run as written."""

from __future__ import annotations

from _connector_checks import run_page_examples


def test_amazon_page_examples_run():
    result = run_page_examples("amazon.md")
    assert result.attempted > 20
    assert result.failed == 0
