"""The "write your own connector" guide works: its files, written out as the reader would,
pass their conformance suite, and its example script runs."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

GUIDE = Path(__file__).parents[2] / "docs" / "write-a-connector.md"
BLOCK = re.compile(r'```(\w+) title="([^"]+)"\n(.*?)\n```', re.DOTALL)


def _blocks() -> dict[str, tuple[str, str]]:
    return {title: (lang, code) for lang, title, code in BLOCK.findall(GUIDE.read_text())}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("guide")
    (root / "acme").mkdir()
    (root / "acme" / "__init__.py").write_text("")
    for title, (lang, code) in _blocks().items():
        if lang == "python":
            (root / title).write_text(code + "\n")
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=root, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_guide_has_the_files_it_promises():
    assert set(_blocks()) == {
        "acme/connector.py",
        "acme/fake.py",
        "acme/test_acme.py",
        "acme/try_it.py",
        "pyproject.toml",
    }


def test_the_guides_conformance_suite_passes_as_the_guide_says(project):
    proc = _run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "acme")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    promised = re.search(r"\$ pytest acme -q\n(\d+ passed, \d+ skipped)", GUIDE.read_text())
    assert promised is not None
    assert promised.group(1) in proc.stdout


def test_the_guides_example_runs(project):
    proc = _run(project, "-m", "acme.try_it")
    assert proc.returncode == 0, proc.stderr
    promised = re.search(r"\$ python -m acme.try_it\n(.*)\n", GUIDE.read_text())
    assert promised is not None
    assert proc.stdout.strip() == promised.group(1)


def test_the_guides_entry_point_names_the_connector_class():
    table = tomllib.loads(_blocks()["pyproject.toml"][1])
    assert table["project"]["entry-points"]["retail_canon.connectors"] == {
        "acme": "acme.connector:AcmeConnector"
    }
