"""The conformance suite, run on the demo connector (fake runs; the sandbox run is opt-in)."""

from __future__ import annotations

import pytest

from retail_canon.testing import DemoConnector, DemoVendorFake, connector_suite
from testing.samples import make_orders


def demo_settings(fake: DemoVendorFake) -> dict[str, str]:
    return {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "refresh_token": fake.refresh_token,
    }


class TestDemoConformance(
    connector_suite(
        DemoConnector,
        fake=DemoVendorFake,
        config=demo_settings,
        samples={"orders": make_orders},
        sandbox_env={
            "client_id": "RC_DEMO_CLIENT_ID",
            "client_secret": "RC_DEMO_CLIENT_SECRET",
            "refresh_token": "RC_DEMO_REFRESH_TOKEN",
        },
        sandbox_config={"base_url": "https://sandbox.demo.retail-canon.test"},
    )
):
    pass


def test_the_suite_has_the_tests_the_capabilities_call_for():
    names = {n for n in dir(TestDemoConformance) if n.startswith("test_")}
    assert names == {
        "test_declares_capabilities",
        "test_missing_capability_is_a_typed_error",
        "test_configuration_is_keyword_only_and_validated",
        "test_read_returns_canonical_objects",
        "test_sync_and_async_reads_agree",
        "test_read_resumes_from_checkpoint",
        "test_read_survives_faults",
        "test_read_survives_access_token_expiry",
        "test_write_lands_canonical_objects",
        "test_async_write_lands_canonical_objects",
        "test_write_hidden_by_a_timeout_lands_once",
        "test_a_failing_vendor_ends_in_a_retriable_error",
    }
    assert TestDemoConformance.__mro__[1].__name__ == "DemoConnectorSuite"


def test_the_suite_refuses_connectors_it_cannot_check():
    with pytest.raises(TypeError, match="samples needed for orders"):
        connector_suite(DemoConnector, fake=DemoVendorFake, config={})

    from retail_canon.connectors import ConnectorConfig, HttpConnector

    class Nothing(HttpConnector[ConnectorConfig]):
        pass

    with pytest.raises(TypeError, match="declares no capability"):
        connector_suite(Nothing, fake=DemoVendorFake, config={})
