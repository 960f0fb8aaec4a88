"""LWA credentials, regional and sandbox endpoints, configuration and registration."""

from __future__ import annotations

import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from amazon.samples import connector, make_fake, make_orders, settings
from retail_canon.connectors import AuthError, ConfigurationError, OrderSource
from retail_canon.connectors.amazon import ENDPOINTS, LWA_TOKEN_URL, AmazonConfig, AmazonConnector

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
SECRETS = {
    "client_id": "amzn1.application-oa2-client.x",
    "client_secret": "rc-test-secret-lwa-client",
    "refresh_token": "rc-test-secret-Atzr|x",
}


@pytest.mark.parametrize(
    ("region", "sandbox", "host"),
    [
        ("NA", False, "https://sellingpartnerapi-na.amazon.com"),
        ("EU", False, "https://sellingpartnerapi-eu.amazon.com"),
        ("FE", False, "https://sellingpartnerapi-fe.amazon.com"),
        ("EU", True, "https://sandbox.sellingpartnerapi-eu.amazon.com"),
    ],
)
def test_regional_and_sandbox_endpoints(region, sandbox, host):
    config = AmazonConfig(region=region, sandbox=sandbox, **SECRETS)
    assert config.base_url == host
    assert config.token_url == LWA_TOKEN_URL
    assert set(ENDPOINTS) == {"NA", "EU", "FE"}


def test_an_explicit_base_url_wins():
    config = AmazonConfig(base_url="https://proxy.example", region="EU", **SECRETS)
    assert config.base_url == "https://proxy.example"


def test_unknown_orders_api_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="orders_api"):
        AmazonConnector(orders_api="v1", **SECRETS)


def test_the_access_token_travels_in_x_amz_access_token_without_sigv4():
    fake = make_fake()
    fake.add_orders(make_orders(3))
    list(connector(fake).read_orders())
    # every API call carried a token the fake issued, and no AWS signature
    api = [e for e in fake.exchanges if e.path.startswith("/orders/")]
    assert api
    assert all(e.status == 200 for e in api)
    assert next(e.path for e in fake.exchanges) == "/auth/o2/token"


def test_wrong_lwa_credentials_are_an_auth_error():
    fake = make_fake()
    amazon = AmazonConnector(
        transport=fake,
        clock=fake.clock,
        **{**settings(fake), "refresh_token": "rc-test-secret-wrong"},
    )
    with pytest.raises(AuthError):
        list(amazon.read_orders())


def test_registered_under_its_entry_point():
    # Read from pyproject.toml: the installed metadata is refreshed only on reinstall.
    table = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]
    value = table["retail_canon.connectors"]["amazon"]
    loaded = EntryPoint("amazon", value, "retail_canon.connectors").load()
    assert loaded is AmazonConnector
    fake = make_fake()
    amazon = loaded(transport=fake, clock=fake.clock, **settings(fake))
    assert isinstance(amazon, OrderSource)


def test_read_since_is_inclusive_on_last_update():
    fake = make_fake()
    orders = make_orders(30)
    fake.add_orders(orders)
    cut = orders[12].updated_at
    for api in ("v0", "2026-01-01"):
        got = {o.order_id for o in connector(fake, orders_api=api).read_orders(since=cut)}
        assert got == {o.order_id for o in orders if o.updated_at >= cut}


def test_order_items_are_paged():
    from amazon.samples import make_order

    fake = make_fake(items_page_size=2, pii=True)
    big = make_order(3, lines=7)
    fake.add_orders([big])
    (order,) = connector(fake, orders_api="v0").read_orders()
    assert order == big
    pages = [e for e in fake.exchanges if e.path.endswith("/orderItems")]
    assert len(pages) == 4
