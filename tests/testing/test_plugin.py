"""The pytest plugin: fixtures, the sandbox marker and its opt-in, a cheap import."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from retail_canon.testing import DemoConnector, DemoVendorFake, FakeClock, SecretScanner
from retail_canon.testing._plugin import _selects_sandbox


def test_fixtures_are_served(rc_fake_clock, rc_demo_fake, rc_demo_connector, rc_secret_scanner):
    assert isinstance(rc_fake_clock, FakeClock)
    assert isinstance(rc_demo_fake, DemoVendorFake)
    assert rc_demo_fake.clock is rc_fake_clock
    assert isinstance(rc_demo_connector, DemoConnector)
    assert isinstance(rc_secret_scanner, SecretScanner)
    rc_demo_fake.seed_orders(4)
    assert len(list(rc_demo_connector.read_orders())) == 4
    assert rc_secret_scanner.scanned > 0  # the connector's debug records were scanned


@pytest.mark.parametrize(
    ("expr", "selected"),
    [
        ("sandbox", True),
        ("sandbox and slow", True),
        ("(fast or sandbox)", True),
        ("not sandbox", False),
        ("", False),
        ("sandboxes", False),
    ],
)
def test_mark_expressions_that_select_the_sandbox(expr, selected):
    assert _selects_sandbox(expr) is selected


SUITE = textwrap.dedent(
    """
    from retail_canon.testing import DemoConnector, DemoVendorFake, connector_suite
    from samples import make_orders

    class TestDemo(connector_suite(
        DemoConnector,
        fake=DemoVendorFake,
        config=lambda f: {"client_id": f.client_id, "client_secret": f.client_secret,
                          "refresh_token": f.refresh_token},
        samples={"orders": make_orders},
        sandbox_env={"client_id": "RC_PLUGIN_TEST_ID", "client_secret": "RC_PLUGIN_TEST_SECRET",
                     "refresh_token": "RC_PLUGIN_TEST_REFRESH"},
    )):
        pass
    """
)


def _pytest(tmp_path, *args):
    (tmp_path / "test_demo_suite.py").write_text(SUITE)
    (tmp_path / "samples.py").write_text((Path(__file__).parent / "samples.py").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("RC_PLUGIN_TEST")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stdout


def test_sandbox_runs_are_skipped_unless_selected(tmp_path):
    code, out = _pytest(tmp_path)
    assert code == 0, out
    assert "12 passed, 12 skipped" in out
    assert "sandbox test: select it with -m sandbox" in out


def test_selected_sandbox_runs_need_credentials(tmp_path):
    code, out = _pytest(tmp_path, "-m", "sandbox")
    assert code == 0, out
    assert "12 skipped, 12 deselected" in out
    missing = "RC_PLUGIN_TEST_ID, RC_PLUGIN_TEST_REFRESH, RC_PLUGIN_TEST_SECRET"
    assert f"sandbox credentials not set: {missing}" in out
