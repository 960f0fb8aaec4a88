"""The examples of docs/workflow.md run, in order, in one namespace per block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).parents[2] / "docs" / "workflow.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_page_has_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs(source, capsys):
    exec(compile(source, str(DOC), "exec"), {"__name__": "docs_example"})
    assert capsys.readouterr().out


OBSERVABILITY = Path(__file__).parents[2] / "docs" / "observability.md"


def test_the_observability_examples_run_in_order(capsys):
    """The page's blocks build on each other: they run in one namespace, in order."""
    text = OBSERVABILITY.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 3
    namespace = {"__name__": "docs_example"}
    for source in blocks:
        exec(compile(source, str(OBSERVABILITY), "exec"), namespace)
    out = capsys.readouterr().out
    assert "('items_resolved', 'failed', {'error': 'StepFailed', 'reason': 'unknown_sku'})" in out
    assert "[1] [('unknown_sku', 'resolved', 1)]" in out
