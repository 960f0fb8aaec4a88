"""Capabilities are declared, checked, and asked for; configuration is keyword-only and
validated without showing values."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, SecretStr

import retail_canon.connectors as rc
from retail_canon.connectors import (
    CAPABILITIES,
    ConfigurationError,
    Connector,
    ConnectorConfig,
    InventorySink,
    OrderSource,
    UnsupportedCapability,
)
from retail_canon.models import InventoryBuckets, InventoryPosition
from retail_canon.testing import DemoConnector

SECRET = "rc-test-secret-config"


def test_every_capability_is_a_small_protocol_with_a_sync_and_async_method():
    assert [c.name for c in CAPABILITIES] == [
        "OrderSource",
        "OrderSink",
        "ShipmentSink",
        "InventorySource",
        "InventorySink",
        "ListingSink",
        "ReturnSource",
        "SettlementSource",
        "ReceivableSource",
    ]
    for cap in CAPABILITIES:
        members = {m for m in vars(cap.protocol) if not m.startswith("_")}
        assert members == {cap.method, cap.async_method}, cap.name
        assert cap.model_class().__name__ == cap.model
        assert getattr(rc, cap.name) is cap.protocol


def test_declared_capabilities_are_listed_in_standard_order():
    assert [c.name for c in DemoConnector.capabilities()] == ["OrderSource", "OrderSink"]
    assert DemoConnector.supports(OrderSource)
    assert DemoConnector.supports("OrderSink")
    assert not DemoConnector.supports(InventorySink)


def test_asking_for_a_capability(connector):
    assert connector.capability(OrderSource) is connector
    assert connector.capability("OrderSource") is connector
    with pytest.raises(UnsupportedCapability) as info:
        connector.capability(InventorySink)
    assert info.value.connector == "demo"
    assert info.value.capability == "InventorySink"
    assert info.value.supported == ("OrderSink", "OrderSource")
    with pytest.raises(KeyError, match="not a connector capability"):
        connector.capability(int)


def test_a_declared_capability_must_be_implemented():
    class Half(Connector[ConnectorConfig], OrderSource):
        config_model = ConnectorConfig

        def read_orders(self, *, since=None, checkpoint=None):
            raise NotImplementedError

    with pytest.raises(TypeError, match="aread_orders"):
        Half(base_url="https://x.test")


def test_structural_checks_work_at_run_time(connector):
    assert isinstance(connector, OrderSource)
    assert not isinstance(connector, InventorySink)


class FileConfig(BaseModel):
    positions: list[tuple[str, str, int]]


class FileInventory(Connector[FileConfig], InventorySink):
    """A connector that is not HTTP at all: it only needs the base class."""

    name = "file-inventory"
    config_model = FileConfig

    def write_inventory(self, positions):
        report = rc.WriteReport()
        for p in positions:
            self.config.positions.append((p.sku, p.location_id, int(p.buckets.on_hand)))
            report.written.append(rc.WriteResult(key=f"{p.sku}@{p.location_id}"))
        return report

    async def awrite_inventory(self, positions):
        return self.write_inventory(positions)


def test_the_base_class_serves_non_http_connectors():
    conn = FileInventory(positions=[])
    position = InventoryPosition(
        sku="A-1",
        location_id="DC1",
        buckets=InventoryBuckets(on_hand=5),
        as_of="2026-01-01T00:00:00Z",
    )
    with conn:
        report = conn.capability(InventorySink).write_inventory([position])
    assert [w.key for w in report.written] == ["A-1@DC1"]
    assert conn.config.positions == [("A-1", "DC1", 5)]
    assert repr(conn) == "FileInventory(name='file-inventory', capabilities=[InventorySink])"


class SecretConfig(ConnectorConfig):
    api_key: SecretStr
    region: str = "na"


class SecretConnector(rc.HttpConnector[SecretConfig]):
    name = "secretive"
    config_model = SecretConfig


def test_settings_are_keyword_only():
    with pytest.raises(TypeError):
        SecretConnector("https://x.test")  # type: ignore[misc]


def test_invalid_settings_name_fields_and_rules_never_values():
    with pytest.raises(ConfigurationError) as info:
        SecretConnector(
            base_url="https://x.test", api_key=SECRET, region=7, timeout="soon", extra_thing=SECRET
        )
    error = info.value
    fields = [f for f, _ in error.errors]
    assert fields == ["timeout", "region", "extra_thing"]
    assert "extra_thing: Extra inputs are not permitted" in str(error)
    assert SECRET not in str(error) + repr(error) + repr(error.errors)
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_missing_settings_are_named():
    with pytest.raises(ConfigurationError, match="api_key: Field required"):
        SecretConnector(base_url="https://x.test")


def test_config_object_or_settings_not_both():
    config = SecretConfig(base_url="https://x.test", api_key=SecretStr(SECRET))
    conn = SecretConnector(config=config)
    assert conn.config is config
    with pytest.raises(ConfigurationError, match="not both"):
        SecretConnector(config=config, region="eu")
    with pytest.raises(ConfigurationError, match="must be a SecretConfig"):
        SecretConnector(config=ConnectorConfig(base_url="https://x.test"))


def test_secrets_stay_out_of_reprs_and_into_the_redactor():
    conn = SecretConnector(base_url="https://x.test", api_key=SECRET)
    assert SECRET not in repr(conn) + repr(conn.config) + str(conn.config.model_dump())
    assert SECRET in conn.redactor.secrets
    assert isinstance(conn.config.api_key, SecretStr)


def test_rate_limits_are_validated():
    with pytest.raises(ConfigurationError, match=r"rate_limits\.getOrders\.rate"):
        SecretConnector(
            base_url="https://x.test",
            api_key=SECRET,
            rate_limits={"getOrders": {"rate": 0, "burst": 1}},
        )
    conn = SecretConnector(
        base_url="https://x.test",
        api_key=SECRET,
        rate_limits={"getOrders": {"rate": 0.5, "burst": 20}},
    )
    assert conn.config.rate_limits["getOrders"] == rc.RateLimit(rate=0.5, burst=20)
