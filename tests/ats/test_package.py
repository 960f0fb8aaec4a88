"""retail_canon.ats as a package: its public surface, its errors, its import cost, its docs."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import retail_canon
import retail_canon.ats as ats

DOCS = Path(__file__).parents[2] / "docs" / "ats.md"
HEAVY = ["pint", "babel", "httpx", "dateutil", "cattrs"]


def test_all_is_sorted_and_lists_exactly_the_public_names():
    assert ats.__all__ == sorted(ats.__all__, key=str.casefold)
    public = {
        name
        for name, value in vars(ats).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in {"annotations"}
    }
    assert set(ats.__all__) == public
    for name in ats.__all__:
        value = getattr(ats, name)
        if isinstance(value, type):
            assert value.__module__.startswith("retail_canon.ats"), name


def test_errors_have_stable_codes_and_the_common_root():
    errors = [getattr(ats, n) for n in ats.__all__ if isinstance(getattr(ats, n), type)]
    errors = [e for e in errors if issubclass(e, BaseException)]
    assert all(issubclass(e, retail_canon.RetailCanonError) for e in errors)
    codes = [e.code for e in errors]
    assert len(set(codes)) == len(codes) == 8
    assert issubclass(ats.InvalidRules, ValueError)
    assert issubclass(ats.FractionalQuantity, ats.InvalidAtsInput)
    assert str(ats.UnknownChannel("no channel 'x'")) == "no channel 'x'"
    assert str(ats.UnknownReservation("no hold")) == "no hold"


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout))


def test_import_loads_nothing_heavy():
    loaded = _loaded_after("import retail_canon.ats")
    assert "retail_canon.ats" in loaded
    assert [m for m in [*HEAVY, "pydantic", "numpy", "sqlite3"] if m in loaded] == []


def test_the_import_probe_sees_heavy_modules():
    assert "dateutil" in _loaded_after("import retail_canon.ats, dateutil.parser")


def run_markdown_examples(path: Path) -> doctest.TestResults:
    """Run the ``pycon`` blocks of a Markdown page as one doctest session."""
    blocks = re.findall(r"```pycon\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, f"no pycon examples in {path}"
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    return runner.summarize(verbose=False)


def test_documentation_examples_run():
    results = run_markdown_examples(DOCS)
    assert results.attempted > 20
    assert results.failed == 0
