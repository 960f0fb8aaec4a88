"""Per-capability samples: a key naming a capability overrides the noun's for it alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from retail_canon.models import SalesOrder
from retail_canon.testing import DemoConnector, DemoVendorFake, connector_suite
from testing.samples import make_orders


def demo_settings(fake: DemoVendorFake) -> dict[str, str]:
    return {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "refresh_token": fake.refresh_token,
    }


def make_sink_orders(n: int) -> list[SalesOrder]:
    """Orders only the sink gets: ids of their own, to tell them from the source's."""
    return [o.model_copy(update={"order_id": f"w-{o.order_id}"}) for o in make_orders(n)]


class KindsFake(DemoVendorFake):
    """A demo fake that records the kinds the suite seeds and reads back."""

    kinds: list[tuple[str, str]]

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.kinds = []

    def put(self, kind: str, objects: Iterable[Any]) -> None:
        self.kinds.append(("put", kind))
        super().put("orders", objects)

    def get(self, kind: str) -> list[Any]:
        self.kinds.append(("get", kind))
        stored = super().get("orders")
        if kind == "OrderSink":
            assert all(o.order_id.startswith("w-") for o in stored), "sink got source samples"
        return stored


FAKES: list[KindsFake] = []


def kinds_fake(**options: Any) -> KindsFake:
    fake = KindsFake(**options)
    FAKES.append(fake)
    return fake


class TestPerCapabilitySamples(
    connector_suite(
        DemoConnector,
        fake=kinds_fake,
        config=demo_settings,
        samples={"orders": make_orders, "OrderSink": make_sink_orders},
    )
):
    pass


def test_capability_keys_are_used_for_their_capability_only():
    # Runs after the suite above in file order; the fakes it built recorded their kinds.
    # (The sink's samples are also checked inside KindsFake.get, in the suite's own tests.)
    if not FAKES:
        pytest.skip("needs the suite above to have run first")
    seen = {entry for fake in FAKES for entry in fake.kinds}
    assert ("get", "OrderSink") in seen
    assert ("put", "orders") in seen
    assert ("put", "OrderSink") not in seen  # sinks are not seeded
    assert ("get", "orders") not in seen  # the source is never read back


def test_a_capability_key_alone_is_enough():
    cls = connector_suite(
        DemoConnector,
        fake=DemoVendorFake,
        config=demo_settings,
        samples={"OrderSource": make_orders, "OrderSink": make_sink_orders},
    )
    assert cls.__name__ == "DemoConnectorSuite"


def test_a_capability_without_any_sample_is_named():
    with pytest.raises(TypeError, match="samples needed for orders"):
        connector_suite(
            DemoConnector, fake=DemoVendorFake, config={}, samples={"OrderSink": make_orders}
        )


SANDBOX_SKIP_SUITE = textwrap.dedent(
    """
    from retail_canon.testing import DemoConnector, DemoVendorFake, connector_suite
    from samples import make_orders

    class TestDemo(connector_suite(
        DemoConnector,
        fake=DemoVendorFake,
        config=lambda f: {"client_id": f.client_id, "client_secret": f.client_secret,
                          "refresh_token": f.refresh_token},
        samples={"orders": make_orders},
        sandbox_env={"client_id": "RC_SKIP_TEST_ID", "client_secret": "RC_SKIP_TEST_SECRET",
                     "refresh_token": "RC_SKIP_TEST_REFRESH"},
        sandbox_writes=True,
        sandbox_skip={"OrderSink": "the static sandbox answers no such write"},
    )):
        pass
    """
)


def test_sandbox_skip_skips_the_sandbox_runs_of_a_capability(tmp_path):
    (tmp_path / "test_skip_suite.py").write_text(SANDBOX_SKIP_SUITE)
    (tmp_path / "samples.py").write_text((Path(__file__).parent / "samples.py").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("RC_SKIP_TEST")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", "-m", "sandbox"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, out
    assert "OrderSink against the sandbox: the static sandbox answers no such write" in out
    assert "sandbox credentials not set" in out  # the other capability's runs


def test_sandbox_skip_must_name_declared_capabilities():
    with pytest.raises(TypeError, match="ListingSink"):
        connector_suite(
            DemoConnector,
            fake=DemoVendorFake,
            config={},
            samples={"orders": make_orders},
            sandbox_skip={"ListingSink": "no"},
        )
