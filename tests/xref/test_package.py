"""The package surface: sorted public names, cheap import, the docs page runs."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

import retail_canon.xref as xref_pkg

DOCS = Path(__file__).parents[2] / "docs" / "xref.md"


def test_all_is_sorted_and_names_the_public_objects():
    assert xref_pkg.__all__ == sorted(xref_pkg.__all__, key=str.casefold)
    public = {
        name
        for name, value in vars(xref_pkg).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in {"annotations", "TYPE_CHECKING", "Any"}
    }
    assert public | {"PostgresStore"} == set(xref_pkg.__all__)
    assert "PostgresStore" in dir(xref_pkg)
    assert xref_pkg.PostgresStore.__name__ == "PostgresStore"
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = xref_pkg.no_such_name


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize(
    "statement",
    [
        "import retail_canon.xref",
        "from retail_canon.xref import PostgresStore",
        "import retail_canon.xref as x, io\n"
        "with x.SQLiteStore() as s:\n    x.XrefResolver(s).export_csv(io.StringIO())",
    ],
)
def test_import_does_not_load_psycopg_or_heavy_dependencies(statement):
    loaded = _loaded_after(statement)
    assert "retail_canon.xref" in loaded
    leaked = sorted(name for name in ("psycopg", "pint", "babel", "httpx") if name in loaded)
    assert leaked == []


def test_the_probe_sees_psycopg_when_a_store_is_made():
    pytest.importorskip("psycopg")
    loaded = _loaded_after(
        "from retail_canon.xref import PostgresStore\n"
        "try:\n    PostgresStore('host=127.0.0.1 port=1 connect_timeout=1')\n"
        "except Exception:\n    pass"
    )
    assert "psycopg" in loaded


def test_docs_examples_run():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0
