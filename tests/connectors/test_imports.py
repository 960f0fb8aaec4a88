"""Import costs of connectors and the testing kit; preload for serverless INIT; exports."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types

import pytest


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def _heavy(loaded: set[str]) -> list[str]:
    roots = ("httpx", "httpcore", "anyio", "h11", "opentelemetry", "ssl", "asyncio")
    return sorted(m for m in loaded if m.split(".")[0] in roots)


@pytest.mark.parametrize(
    "statement",
    [
        "import retail_canon.connectors",
        "from retail_canon.connectors import OrderSource, Checkpoint, RateLimiter, RetryPolicy",
        "import retail_canon.testing",
        "import retail_canon.testing._plugin",
    ],
)
def test_importing_loads_no_http_stack(statement):
    assert _heavy(_loaded_after(statement)) == []


def test_the_http_core_loads_on_first_access():
    loaded = _loaded_after("import retail_canon.connectors as c\nc.HttpConnector")
    assert "httpx" in loaded
    assert "retail_canon.connectors._http" in loaded


PROBE = """
import sys, json
import retail_canon.connectors as c
from retail_canon.testing import DemoVendorFake, DemoConnector
{preload}
before = set(sys.modules)
fake = DemoVendorFake()
fake.seed_orders(3)
conn = DemoConnector(transport=fake, clock=fake.clock, client_id=fake.client_id,
                     client_secret=fake.client_secret, refresh_token=fake.refresh_token)
assert len(list(conn.read_orders())) == 3
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _first_request_imports(preload: str) -> list[str]:
    code = PROBE.format(preload=preload)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_preload_pays_every_lazy_import_up_front():
    assert _first_request_imports("c.preload()") == []


def test_without_preload_the_first_request_pays():
    assert "retail_canon.models" in _first_request_imports("")


def test_preload_refuses_unknown_connectors():
    import retail_canon.connectors as c

    with pytest.raises(c.UnknownConnector):
        c.preload("no-such-connector")


def _public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", module.__name__) not in {"typing", "__future__"}
        and name not in {"annotations", "TYPE_CHECKING", "Any"}
    }


@pytest.mark.parametrize("package", ["retail_canon.connectors", "retail_canon.testing"])
def test_all_is_sorted_complete_and_lazy_names_resolve(package):
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__, key=str.casefold)
    assert len(set(module.__all__)) == len(module.__all__)
    lazy = set(module._LAZY)
    assert set(module.__all__) == (_public_names(module) - {"importlib"}) | lazy
    assert lazy <= set(dir(module))
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None
        assert getattr(value, "__name__", name) in (name, "Generator") or name.isupper()
    with pytest.raises(AttributeError, match="no_such_thing"):
        module.no_such_thing  # noqa: B018


def test_errors_carry_stable_codes():
    import retail_canon.connectors as c

    errors = [
        getattr(c, n)
        for n in c.__all__
        if isinstance(getattr(c, n), type) and issubclass(getattr(c, n), Exception)
    ]
    codes = [e.code for e in errors]
    assert len(errors) == 16
    assert len(set(codes)) == len(codes)
