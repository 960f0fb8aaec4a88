"""Golden files: recorded output per sample payload, field-level diffs, --update-goldens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from retail_canon.mapping import GoldenMismatch, check_goldens, compile_mapping
from retail_canon.mapping._golden import flatten
from retail_canon.mapping.testing import GoldenChecker

DECLARATION = {
    "target": "Money",
    "name": "prices",
    "fields": {
        "amount": {"path": "price", "transform": {"locale_decimal": "de_DE"}},
        "currency": "cur",
    },
}


@pytest.fixture
def project(tmp_path):
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "a.json").write_text('{"price": "12,50", "cur": "EUR"}')
    (samples / "b.json").write_text('{"price": "1,00", "cur": "EURO"}')
    return tmp_path


def test_update_writes_goldens_then_the_check_passes(project):
    mapper = compile_mapping(DECLARATION)
    goldens = project / "goldens"
    report = check_goldens(mapper, project / "samples", goldens, update=True)
    assert [p.name for p in report.written] == ["a.json", "b.json"]
    assert json.loads((goldens / "a.json").read_text()) == {
        "canonical": {"amount": "12.50", "currency": "EUR"}
    }
    rejected = json.loads((goldens / "b.json").read_text())
    assert rejected == {
        "problems": [
            {
                "field": "currency",
                "source_path": "cur",
                "value": "EURO",
                "code": "unknown_currency",
                "stage": "validate",
            }
        ]
    }
    again = check_goldens(mapper, project / "samples", goldens)
    assert again.checked == ["a.json", "b.json"]
    assert again.written == []
    assert again.differences == {}


def test_a_vendor_change_fails_with_a_field_level_diff(project):
    mapper = compile_mapping(DECLARATION)
    goldens = project / "goldens"
    check_goldens(mapper, project / "samples", goldens, update=True)
    (project / "samples" / "a.json").write_text('{"price": "13,00", "cur": "EUR"}')
    (project / "samples" / "b.json").write_text('{"price": "1,00", "cur": "USD"}')
    with pytest.raises(GoldenMismatch) as caught:
        check_goldens(mapper, project / "samples", goldens)
    text = str(caught.value)
    assert isinstance(caught.value, AssertionError)
    assert caught.value.code == "golden_mismatch"
    assert text.startswith("mapping 'prices': 2 golden problem(s) over 2 sample(s)")
    assert "--update-goldens" in text
    assert f"a.json  (golden: {goldens / 'a.json'})" in text
    assert "  ~ amount: '12.50' → '13.00'   ← price | locale_decimal('de_DE')" in text
    # b was a reject and now maps: the problem went, the object came.
    assert "  - problems[0].code: 'unknown_currency' (golden; now absent)" in text
    assert "  + currency: 'USD' (new)   ← cur" in text


def test_mapping_change_is_caught_too(project):
    goldens = project / "goldens"
    check_goldens(compile_mapping(DECLARATION), project / "samples", goldens, update=True)
    changed = {**DECLARATION, "fields": {**DECLARATION["fields"], "currency": {"const": "EUR"}}}
    with pytest.raises(GoldenMismatch, match=r"\+ currency: 'EUR' \(new\)   ← const 'EUR'"):
        check_goldens(compile_mapping(changed), project / "samples", goldens)


def test_missing_and_stale_goldens(project):
    mapper = compile_mapping(DECLARATION)
    goldens = project / "goldens"
    check_goldens(mapper, project / "samples", goldens, update=True)
    (project / "samples" / "b.json").rename(project / "samples" / "c.json")
    with pytest.raises(GoldenMismatch) as caught:
        check_goldens(mapper, project / "samples", goldens)
    assert f"c.json: no golden file yet ({goldens / 'c.json'})" in str(caught.value)
    assert f"{goldens / 'b.json'}: golden file without a sample" in str(caught.value)
    report = check_goldens(mapper, project / "samples", goldens, update=True)
    assert [p.name for p in report.written] == ["c.json"]
    assert [p.name for p in report.removed] == ["b.json"]
    assert not (goldens / "b.json").exists()


def test_no_samples_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no sample payloads"):
        check_goldens(compile_mapping(DECLARATION), tmp_path, tmp_path / "g")


def test_long_diffs_are_cut(project):
    samples = project / "samples"
    for name in ("a.json", "b.json"):
        (samples / name).unlink()
    many = {"target": "Address", "fields": {"country": {"const": "NO"}, "lines": "ls"}}
    (samples / "x.json").write_text(json.dumps({"ls": [str(i) for i in range(50)]}))
    mapper = compile_mapping(many)
    check_goldens(mapper, samples, project / "g", update=True)
    (samples / "x.json").write_text(json.dumps({"ls": [f"{i}!" for i in range(50)]}))
    with pytest.raises(GoldenMismatch, match=r"\.\.\. and 10 more"):
        check_goldens(mapper, samples, project / "g")


def test_flatten_and_checker():
    assert flatten({"a": {"b": [1, {"c": 2}]}, "d": []}) == {"a.b[0]": 1, "a.b[1].c": 2, "d": []}
    assert GoldenChecker(update=True).update


# No locale numbers in the subprocess runs: babel's locale data is slow to load.
PLAIN = {"target": "Money", "name": "prices", "fields": {"amount": "price", "currency": "cur"}}
PLUGIN_TEST = """
from retail_canon.mapping import load_mapping

def test_goldens(mapping_goldens):
    mapping_goldens(load_mapping("prices.json"), "samples", "goldens")
"""


def _pytest(project, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        # Only the plugin under test: autoloading hypothesis' plugin costs seconds per run.
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})},
        check=False,
        timeout=120,
    )


def test_pytest_plugin_option_and_fixture(project):
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "conftest.py").write_text(
        'pytest_plugins = ["retail_canon.mapping.pytest_plugin"]\n'
    )
    (project / "test_prices.py").write_text(textwrap.dedent(PLUGIN_TEST))
    (project / "prices.json").write_text(json.dumps(PLAIN))
    (project / "samples" / "a.json").write_text('{"price": "12.50", "cur": "EUR"}')
    env = {"RETAIL_CANON_UPDATE_GOLDENS": ""}
    first = _pytest(project, env=env)
    assert first.returncode == 1, first.stdout
    assert "GoldenMismatch" in first.stdout
    assert "a.json: no golden file yet" in first.stdout
    updated = _pytest(project, "--update-goldens", env=env)
    assert updated.returncode == 0, updated.stdout
    assert (project / "goldens" / "a.json").exists()
    (project / "samples" / "a.json").write_text('{"price": "99.00", "cur": "EUR"}')
    changed = _pytest(project, env=env)
    assert changed.returncode == 1
    assert "~ amount: '12.50' → '99.00'   ← price" in changed.stdout


@pytest.fixture
def update_by_environment(monkeypatch):
    monkeypatch.setenv("RETAIL_CANON_UPDATE_GOLDENS", "1")


def test_environment_variable_turns_updating_on(update_by_environment, mapping_goldens, project):
    # Requested after the environment fixture: the goldens fixture sees the variable.
    assert mapping_goldens.update
    report = mapping_goldens(compile_mapping(DECLARATION), project / "samples", project / "g")
    assert [p.name for p in report.written] == ["a.json", "b.json"]
