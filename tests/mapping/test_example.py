"""The worked example: its goldens hold, its script and its docs page run."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from retail_canon.mapping import TRANSFORMS, load_mapping

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fjordline_market"
DOCS = ROOT / "docs" / "mapping.md"


def test_example_goldens_hold(example_mapper, mapping_goldens):
    report = mapping_goldens(example_mapper, EXAMPLE / "samples", EXAMPLE / "goldens")
    assert report.checked == [f"order-000{i}.json" for i in range(1, 6)]
    assert report.differences == {}


def test_one_sample_is_rejected_on_purpose(example_mapper, example_samples):
    assert [example_mapper.apply(s).ok for s in example_samples] == [True, True, True, False, True]


def test_jsonl_file_holds_the_samples(example_samples):
    lines = (EXAMPLE / "orders.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == example_samples


def test_onboarding_script_runs():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "onboard.py")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "batch: 5 record(s): 4 mapped, 1 rejected" in result.stdout
    assert "goldens: 5 sample(s) match" in result.stdout


def test_docs_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 30
    assert result.failed == 0


def test_docs_list_every_transform():
    table = DOCS.read_text("utf-8").split("### Transforms", 1)[1].split("###", 1)[0]
    named = set(
        re.findall(
            r"`([a-z_0-9]+)`",
            "".join(line.split("|")[1] for line in table.splitlines() if line.startswith("| `")),
        )
    )
    assert named == set(TRANSFORMS)


def test_docs_yaml_declaration_maps_the_samples(tmp_path, example_samples):
    pytest.importorskip("yaml")
    text = DOCS.read_text("utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "fjordline.yaml"
    path.write_text(text, "utf-8")
    mapper = load_mapping(path)
    order = mapper.map(example_samples[0])
    assert order.order_id == "fjordline-FJM-2026-000123"
    assert [line.quantity.uom for line in order.lines] == ["EA", "PR"]
