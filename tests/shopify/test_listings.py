"""Shopify listings through productSet: variants, prices by the enrichment hook, typed errors."""

from __future__ import annotations

import asyncio

import pytest

from retail_canon.connectors.shopify import ShopifyConnector, mapping
from retail_canon.models import ExternalRef, Product, ProductStatus, ProductVariant
from retail_canon.testing import FakeClock, FaultKind, FaultRule
from retail_canon.testing.shopify import ACCESS_TOKEN, SHOP, ShopifyFake
from shopify.samples import make_products

PRICES = {"TEE-0-S": "19.00", "TEE-0-M": "21.50", "MUG-1": "12.99", "TEE-2-S": "19.00"}


def _connector(fake: ShopifyFake, **settings: object) -> ShopifyConnector:
    options = {"shop": SHOP, "access_token": ACCESS_TOKEN, **settings}
    return ShopifyConnector(transport=fake, clock=fake.clock, **options)


def _priced(product: Product, payload: dict) -> dict:
    for variant in payload["variants"]:
        variant["price"] = PRICES.get(variant["inventoryItem"]["sku"], "9.99")
    return {**payload, "tags": ["retail-canon"], "productType": "Apparel"}


def test_product_set_input_maps_options_variants_barcode_and_status():
    product = Product(
        product_id="P-7",
        sku="TEE-7",
        title="Tee <7>",
        description="Soft & light",
        brand="Fjordline",
        status=ProductStatus.DISCONTINUED,
        variants=[
            ProductVariant(
                sku="TEE-7-S-RED",
                options=(("Size", "S"), ("Color", "Red")),
                identifiers=[ExternalRef(system="gs1", scheme="gtin", value="00012345678905")],
            ),
            ProductVariant(sku="TEE-7-M-RED", options=(("Size", "M"), ("Color", "Red"))),
        ],
    )
    payload = mapping.product_set_input(product)
    assert payload["handle"] == "p-7"
    assert payload["status"] == "ARCHIVED"
    assert payload["descriptionHtml"] == "Soft &amp; light"
    assert payload["vendor"] == "Fjordline"
    assert payload["productOptions"] == [
        {"name": "Size", "position": 1, "values": [{"name": "S"}, {"name": "M"}]},
        {"name": "Color", "position": 2, "values": [{"name": "Red"}]},
    ]
    assert payload["variants"][0] == {
        "optionValues": [
            {"optionName": "Size", "name": "S"},
            {"optionName": "Color", "name": "Red"},
        ],
        "inventoryItem": {"sku": "TEE-7-S-RED"},
        "barcode": "00012345678905",
    }
    assert payload["metafields"][0]["value"] == "P-7"


@pytest.mark.parametrize(
    ("variants", "reason"),
    [
        ([ProductVariant(sku="A"), ProductVariant(sku="B")], "2 variants without options"),
        (
            [
                ProductVariant(sku="A", options=(("Size", "S"),)),
                ProductVariant(sku="B", options=(("Color", "Red"),)),
            ],
            "variant B has options",
        ),
    ],
)
def test_variants_that_cannot_be_told_apart_are_refused(variants, reason):
    product = Product(product_id="P-1", sku="A", title="x", variants=variants)
    with pytest.raises(ValueError, match=reason):
        mapping.product_set_input(product)


def test_write_listings_with_the_enrichment_hook_sets_prices():
    fake = ShopifyFake(clock=FakeClock())
    shop = _connector(fake)
    report = shop.write_listings(make_products(3), enrich=_priced)
    assert report.ok
    assert [w.key for w in report.written] == ["P-0", "P-1", "P-2"]
    assert all(
        w.vendor_id and w.vendor_id.startswith("gid://shopify/Product/") for w in report.written
    )
    sent = fake.products["p-0"]["input"]
    assert [v["price"] for v in sent["variants"]] == ["19.00", "21.50"]
    assert sent["tags"] == ["retail-canon"]
    again = shop.write_listings(make_products(3), enrich=_priced)  # an upsert: no duplicates
    assert again.ok
    assert len(fake.products) == 3
    assert [v.sku for v in fake.get("listings")[0].variants] == ["TEE-0-S", "TEE-0-M"]


def test_the_connector_default_hook_and_its_refusals():
    fake = ShopifyFake(clock=FakeClock())
    shop = _connector(fake)

    def strict(product: Product, payload: dict) -> dict:
        if product.product_id == "P-1":
            raise KeyError("no price for MUG-1 in the price list")
        return _priced(product, payload)

    shop.listing_enricher = strict
    report = shop.write_listings(make_products(3))
    assert [w.key for w in report.written] == ["P-0", "P-2"]
    [skip] = report.skipped
    assert skip.record_id == "P-1"
    assert "no price for MUG-1" in skip.message
    assert "p-1" not in fake.products  # never sent


def test_user_errors_per_product_name_the_field():
    fake = ShopifyFake(clock=FakeClock())
    shop = _connector(fake)

    def bad_price(product: Product, payload: dict) -> dict:
        payload = _priced(product, payload)
        if product.product_id == "P-1":
            payload["variants"][0]["price"] = "-1"
        return payload

    products = make_products(3)
    taken = Product(product_id="P-9", sku="TEE-0-S", title="Clash")  # P-0 has TEE-0-S
    report = shop.write_listings([*products, taken], enrich=bad_price)
    assert [w.key for w in report.written] == ["P-0", "P-2"]
    first, second = report.skipped
    assert first.record_id == "P-1"
    assert first.vendor_code == "INVALID"
    assert "input.variants.0.price: Price must be 0 or more" in first.message
    assert second.record_id == "P-9"
    assert second.vendor_code == "TAKEN"
    assert "input.variants.0.inventoryItem.sku" in second.message


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT, FaultKind.CONNECTION_RESET])
def test_a_product_write_repeated_after_a_lost_answer_lands_once(kind):
    fake = ShopifyFake(clock=FakeClock())
    fake.faults.add(FaultRule(kind, every=1, limit=1))
    report = _connector(fake).write_listings(make_products(2), enrich=_priced)
    assert report.ok
    assert sorted(p.product_id for p in fake.get("listings")) == ["P-0", "P-1"]
    assert fake.faults.count(kind) == 1


def test_async_write_listings_takes_the_hook_too():
    fake = ShopifyFake(clock=FakeClock())
    report = asyncio.run(_connector(fake).awrite_listings(make_products(2), enrich=_priced))
    assert report.ok
    assert fake.products["p-1"]["input"]["variants"][0]["price"] == "12.99"
