"""The examples of docs/shopify.md run as written."""

from __future__ import annotations

from _connector_checks import run_page_examples


def test_shopify_page_examples_run():
    result = run_page_examples("shopify.md")
    assert result.attempted > 20
    assert result.failed == 0
