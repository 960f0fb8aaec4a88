"""ListingSink: products (+ price as purchasable_offer) through putListingsItem / patch."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amazon.samples import connector, make_fake, make_mfn_positions, make_products
from retail_canon.connectors import ConfigurationError
from retail_canon.connectors.amazon import ListingRejected
from retail_canon.connectors.amazon._listing_sink import ListingDraft
from retail_canon.connectors.amazon._listings import dumps_exact
from retail_canon.models import (
    Dimensions,
    ExternalRef,
    Money,
    Product,
    ProductVariant,
    Quantity,
)
from retail_canon.testing import FaultKind, FaultRule


def _price(product: Product) -> Money:
    return Money(amount=Decimal("19.99") + int(product.sku[-1]), currency="USD")


def test_products_become_listings_with_their_attributes():
    fake = make_fake()
    product = make_products(1)[0].model_copy(
        update={
            "identifiers": (
                ExternalRef(system="gs1", scheme="GTIN", value="04006381333931"),
                ExternalRef(system="amazon", scheme="ASIN", value="B00551Q3CS"),
            ),
            "weight": Quantity(value=Decimal("1.25"), uom="KGM"),
            "dimensions": Dimensions(length=20, width=18, height=25, uom="CMT"),
        }
    )
    report = connector(fake).write_listings([product])
    assert report.ok, [str(e) for e in report.skipped]
    assert [w.key for w in report.written] == [product.product_id]
    listing = fake.listings[product.sku]
    a = listing["attributes"]
    assert listing["productType"] == "PRODUCT"
    assert a["item_name"] == [
        {"value": product.title, "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}
    ]
    assert a["brand"][0]["value"] == "Acme Kitchen"
    assert a["product_description"][0]["value"] == product.description
    assert a["externally_assigned_product_identifier"] == [
        {"type": "gtin", "value": "04006381333931", "marketplace_id": "ATVPDKIKX0DER"}
    ]
    assert a["merchant_suggested_asin"][0]["value"] == "B00551Q3CS"
    assert a["country_of_origin"][0]["value"] == "DE"
    assert a["item_weight"][0]["value"] == Decimal("1.25")
    assert a["item_weight"][0]["unit"] == "kilograms"
    assert a["item_dimensions"][0]["height"] == {"value": 25, "unit": "centimeters"}
    assert "purchasable_offer" not in a  # no price source
    (read_back,) = fake.get("listings")
    assert read_back.title == product.title


def test_price_goes_as_purchasable_offer_exactly():
    fake = make_fake()
    products = make_products(3)
    report = connector(fake, listing_price=_price).write_listings(products)
    assert report.ok
    for product in products:
        assert fake.offer_price(product.sku) == _price(product)
        attributes = fake.listings[product.sku]["attributes"]
        assert attributes["condition_type"][0]["value"] == "new_new"
        schedule = attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0]
        assert isinstance(schedule["value_with_tax"], Decimal)  # a JSON number, not text


def test_the_enrichment_hook_adds_channel_attributes():
    fake = make_fake()

    def enrich(product: Product, draft: ListingDraft) -> ListingDraft:
        draft.product_type = "KITCHEN"
        draft.attributes["bullet_point"] = [{"value": "Whistles when it boils"}]
        draft.attributes["condition_type"] = [{"value": "new_open_box"}]
        return draft

    def in_place(product: Product, draft: ListingDraft) -> None:
        draft.attributes["item_name"][0]["value"] += " (EU plug)"

    report = connector(fake, listing_enricher=enrich, listing_price=_price).write_listings(
        make_products(2)
    )
    assert report.ok
    listing = fake.listings["KETTLE-001"]
    assert listing["productType"] == "KITCHEN"
    assert listing["attributes"]["bullet_point"] == [{"value": "Whistles when it boils"}]
    assert listing["attributes"]["condition_type"] == [{"value": "new_open_box"}]
    connector(fake, listing_enricher=in_place).write_listings(make_products(1))
    assert fake.listings["KETTLE-000"]["attributes"]["item_name"][0]["value"].endswith("plug)")


def test_amazons_issues_name_the_sku_and_attribute():
    fake = make_fake()
    fake.refuse_listing("KETTLE-002", "90000900", "The attributes are invalid.", "brand")

    def drop_condition(product: Product, draft: ListingDraft) -> None:
        if product.sku == "KETTLE-000":
            del draft.attributes["condition_type"]

    amazon = connector(fake, listing_enricher=drop_condition, listing_price=_price)
    report = amazon.write_listings(make_products(4))
    assert [w.key for w in report.written] == ["KETTLE-001", "KETTLE-003"]
    first, second = report.skipped
    assert isinstance(first, ListingRejected)
    assert (first.sku, first.attribute_names) == ("KETTLE-000", ("condition_type",))
    assert first.record_id == "KETTLE-000"
    assert first.operation == "putListingsItem"
    assert "KETTLE-000" in str(first)
    assert "condition_type" in str(first)
    assert (second.sku, second.attribute_names) == ("KETTLE-002", ("brand",))
    assert second.issues[0].code == "90000900"
    assert "KETTLE-000" not in fake.listings


def test_patch_mode_replaces_only_the_attributes_sent():
    fake = make_fake()
    (position,) = make_mfn_positions(1)
    position = position.model_copy(update={"sku": "KETTLE-000"})
    amazon = connector(fake, listing_method="PATCH", listing_price=_price)
    assert amazon.write_inventory([position]).ok
    assert amazon.write_listings(make_products(1)).ok
    attributes = fake.listings["KETTLE-000"]["attributes"]
    assert attributes["fulfillment_availability"][0]["quantity"] > 0  # kept
    assert attributes["item_name"][0]["value"] == "Stovetop kettle 0, 2 l"
    assert fake.offer_price("KETTLE-000") == Money(amount="19.99", currency="USD")


def test_products_amazon_cannot_take_are_refused_before_any_request():
    fake = make_fake()
    good, odd_unit, with_variants, twice = make_products(4)
    odd_unit = odd_unit.model_copy(update={"weight": Quantity(value=3, uom="STN")})
    with_variants = with_variants.model_copy(
        update={"variants": (ProductVariant(sku="KETTLE-002-RED"),)}
    )
    twice = twice.model_copy(update={"sku": good.sku})

    def bad_hook(product: Product, draft: ListingDraft) -> None:
        if product.product_id == "KETTLE-003":
            raise ValueError("no category mapping for this product")

    report = connector(fake, listing_enricher=bad_hook).write_listings(
        [good, odd_unit, with_variants, twice, make_products(4)[3]]
    )
    assert [w.key for w in report.written] == ["KETTLE-000"]
    reasons = [str(e) for e in report.skipped]
    assert "weight: unit 'STN'" in reasons[0]
    assert "variants" in reasons[1]
    assert "twice" in reasons[2]
    assert "no category mapping" in reasons[3]
    assert [e.record_id for e in report.skipped] == [
        "KETTLE-001",
        "KETTLE-002",
        "KETTLE-003",
        "KETTLE-003",
    ]


def test_a_hook_may_not_change_the_sku():
    def rename(product: Product, draft: ListingDraft) -> ListingDraft:
        return ListingDraft("OTHER", draft.product_type, draft.attributes)

    report = connector(make_fake(), listing_enricher=rename).write_listings(make_products(1))
    assert "changed the SKU" in str(report.skipped[0])


def test_seller_id_is_required():
    with pytest.raises(ConfigurationError, match="seller_id"):
        connector(make_fake(), seller_id=None).write_listings(make_products(1))


def test_writes_survive_faults():
    fake = make_fake(
        faults=[
            FaultRule(FaultKind.RATE_LIMIT, every=4, retry_after=1.0),
            FaultRule(FaultKind.SERVER_ERROR, every=6),
            FaultRule(FaultKind.TIMEOUT, every=7),
            FaultRule(FaultKind.CONNECTION_RESET, every=9),
            FaultRule(FaultKind.TRUNCATED_BODY, every=11),
        ]
    )
    products = make_products(25)
    report = connector(fake, listing_price=_price).write_listings(products)
    assert report.ok, [str(e) for e in report.skipped]
    assert sorted(p.product_id for p in fake.get("listings")) == [p.product_id for p in products]
    assert all(fake.offer_price(p.sku) == _price(p) for p in products)


def test_async_write_matches_sync():
    sync_fake, async_fake = make_fake(), make_fake()
    products = make_products(5)
    sync = connector(sync_fake, listing_price=_price).write_listings(products)
    other = asyncio.run(connector(async_fake, listing_price=_price).awrite_listings(products))
    assert [w.key for w in other.written] == [w.key for w in sync.written]
    assert async_fake.listings == sync_fake.listings


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.text(max_size=20),
)
def test_dumps_exact_keeps_every_decimal(amount, text):
    body = {"amount": amount, "text": text, "nested": [{"v": amount}]}
    back = json.loads(dumps_exact(body), parse_float=Decimal, parse_int=Decimal)
    assert back["amount"] == amount
    assert back["nested"][0]["v"] == amount
    assert back["text"] == text


def test_dumps_exact_refuses_nan():
    with pytest.raises(ValueError, match="JSON number"):
        dumps_exact({"a": Decimal("NaN")})


def test_many_products_go_as_one_listings_feed():
    fake = make_fake()
    fake.refuse_listing("KETTLE-003", "90220", "'brand' is required.", "brand")
    products = make_products(8)
    report = connector(fake, listing_feed_threshold=5, listing_price=_price).write_listings(
        products
    )
    assert len(report.written) == 7
    (refused,) = report.skipped
    assert (refused.sku, refused.attribute_names, refused.operation) == (
        "KETTLE-003",
        ("brand",),
        "JSON_LISTINGS_FEED",
    )
    assert len(fake.feeds) == 1
    assert not [e for e in fake.exchanges if e.path.startswith("/listings/")]
    assert fake.offer_price("KETTLE-007") == _price(products[7])  # exact through the feed
    assert fake.listings["KETTLE-000"]["attributes"]["item_name"][0]["value"] == products[0].title
