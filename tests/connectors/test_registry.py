"""Discovery through entry points, proven with a third-party package built and installed
at test time from tests/connectors/plugin_pkg (its own pyproject.toml and build backend)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import retail_canon.connectors as rc
from retail_canon.testing import DemoVendorFake, FakeClock

PLUGIN = Path(__file__).parent / "plugin_pkg"


def _install(target: Path) -> Path:
    """Install the plugin package into ``target`` (a private site directory).

    With pip (most venvs) pip builds it from source through its in-tree backend. Without
    pip (uv-made venvs) the backend builds the wheel, as any frontend would ask it to, and
    the wheel is unpacked: for a pure-Python wheel that is the whole install.
    """
    if importlib.util.find_spec("pip") is not None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-index",
                "--no-build-isolation",
                "--target",
                str(target),
                str(PLUGIN),
            ],
            check=True,
            capture_output=True,
        )
        return target
    out = subprocess.run(
        [sys.executable, "-c", f"import backend; print(backend.build_wheel({str(target)!r}))"],
        cwd=PLUGIN,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with zipfile.ZipFile(target / out) as wheel:
        wheel.extractall(target)
    return target


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return _install(tmp_path_factory.mktemp("site"))


@pytest.fixture
def installed(site):
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("rc_acme_plugin", None)
        importlib.invalidate_caches()
        rc.available(refresh=True)


def test_the_plugin_is_invisible_until_installed():
    assert "acme-plugin" not in rc.available(refresh=True)
    with pytest.raises(rc.UnknownConnector) as info:
        rc.get("acme-plugin")
    assert info.value.name == "acme-plugin"
    assert "acme-plugin" not in info.value.available


def test_an_installed_plugin_is_listed_without_being_imported(installed):
    found = rc.available(refresh=True)
    info = found["acme-plugin"]
    assert info == rc.ConnectorInfo(
        name="acme-plugin",
        target="rc_acme_plugin:AcmePluginConnector",
        distribution="rc-acme-plugin",
        version="0.1.0",
    )
    assert list(found) == sorted(found)
    assert "rc_acme_plugin" not in sys.modules


def test_get_builds_the_plugin_connector_and_it_works(installed):
    rc.available(refresh=True)
    fake = DemoVendorFake(clock=FakeClock())
    fake.seed_orders(5)
    fake.check_token = lambda request: None  # this plugin talks to an open API
    connector = rc.get("acme-plugin", transport=fake, clock=fake.clock)
    assert type(connector).__module__ == "rc_acme_plugin"
    assert connector.capabilities() == (rc.CAPABILITIES[0],)
    orders = list(connector.capability(rc.OrderSource).read_orders())
    assert [o.order_id for o in orders] == [f"ord-{i:06d}" for i in range(5)]
    assert rc.load("acme-plugin") is type(connector)


def test_settings_are_validated_through_get(installed):
    rc.available(refresh=True)
    with pytest.raises(rc.ConfigurationError, match="timeout"):
        rc.get("acme-plugin", timeout=-1)


def test_an_entry_point_that_is_not_a_connector_is_refused(installed):
    rc.available(refresh=True)
    with pytest.raises(rc.ConnectorError, match="not a Connector subclass"):
        rc.load("not-a-connector")


def test_a_fresh_interpreter_finds_the_plugin(site):
    code = (
        "import json, retail_canon.connectors as rc\n"
        "print(json.dumps({n: i.target for n, i in rc.available().items()}))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert json.loads(out)["acme-plugin"] == "rc_acme_plugin:AcmePluginConnector"
