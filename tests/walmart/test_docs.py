"""The examples of docs/walmart.md run as written."""

from __future__ import annotations

from _connector_checks import run_page_examples


def test_walmart_page_examples_run():
    result = run_page_examples("walmart.md")
    assert result.attempted > 20
    assert result.failed == 0
