"""Product: round trips, identifiers and pack levels, lifecycle."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from pydantic import ValidationError

from retail_canon import InvalidTransition
from retail_canon.models import Dimensions, PackLevel, Product, ProductStatus, ProductVariant
from strategies import (
    assert_lossless_round_trip,
    dimensions,
    has_integral_negative_zero,
    json_with_numbers,
    pack_levels,
    product_variants,
    products,
)

MINIMAL = {"product_id": "p-1", "sku": "SKU-1", "title": "Widget"}


@given(products())
def test_round_trip_is_lossless(product: Product) -> None:
    assert_lossless_round_trip(product)


@given(products())
def test_decimals_as_json_numbers_are_read_exactly(product: Product) -> None:
    assume(not has_integral_negative_zero(product))
    back = Product.model_validate_json(json_with_numbers(product))
    assert back == product
    assert back.model_dump_json() == product.model_dump_json()


@given(dimensions())
def test_dimensions_round_trip(d: Dimensions) -> None:
    assert_lossless_round_trip(d)


@given(pack_levels())
def test_pack_level_round_trip(level: PackLevel) -> None:
    assert_lossless_round_trip(level)


@given(product_variants())
def test_variant_round_trip(variant: ProductVariant) -> None:
    assert_lossless_round_trip(variant)


def test_defaults() -> None:
    product = Product(**MINIMAL)
    assert product.status is ProductStatus.ACTIVE
    assert product.schema_version == "1.0"
    assert product.base_uom == "EA"
    assert product.source_status is None
    assert product.pack_levels == ()


def test_variant_options_keep_their_order() -> None:
    variant = ProductVariant(sku="S", options=[["Size", "M"], ["Color", "Red"]])
    assert variant.options == (("Size", "M"), ("Color", "Red"))
    assert ProductVariant.model_validate_json(variant.model_dump_json()).options == (
        ("Size", "M"),
        ("Color", "Red"),
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("product_id", ""),
        ("sku", ""),
        ("hs_code", "12345"),
        ("hs_code", "12345678901"),
        ("hs_code", "12ab56"),
        ("country_of_origin", "usa"),
        ("country_of_origin", "U"),
        ("base_uom", "each"),
    ],
)
def test_malformed_field_is_refused_at_its_path(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        Product(**{**MINIMAL, field: value})
    (error,) = info.value.errors()
    assert error["loc"] == (field,)


@pytest.mark.parametrize("quantity", ["0", "-12"])
def test_pack_level_must_hold_something(quantity: str) -> None:
    with pytest.raises(ValidationError) as info:
        Product(**MINIMAL, pack_levels=[{"uom": "XCS", "quantity_of_base": quantity}])
    (error,) = info.value.errors()
    assert error["loc"] == ("pack_levels", 0, "quantity_of_base")
    assert "greater than 0" in error["msg"]


def test_pack_level_gtin_is_fourteen_digits() -> None:
    PackLevel(uom="XCS", quantity_of_base="12", gtin="10012345678902")
    with pytest.raises(ValidationError) as info:
        PackLevel(uom="XCS", quantity_of_base="12", gtin="0012345678905")
    assert info.value.errors()[0]["loc"] == ("gtin",)


def test_dimensions_are_not_negative() -> None:
    with pytest.raises(ValidationError) as info:
        Dimensions(length="10", width="-1", height="2", uom="CMT")
    (error,) = info.value.errors()
    assert error["loc"] == ("width",)


@pytest.mark.parametrize("weight", [{"value": "0", "uom": "KGM"}, {"value": "-1", "uom": "KGM"}])
def test_weight_must_be_positive(weight: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as info:
        Product(**MINIMAL, variants=[{"sku": "V", "weight": weight}])
    (error,) = info.value.errors()
    assert error["loc"] == ("variants", 0, "weight")
    assert "greater than zero" in error["msg"]


def test_exact_pack_quantity_is_kept() -> None:
    level = PackLevel(uom="XCS", quantity_of_base="12.000")
    assert str(level.quantity_of_base) == "12.000"
    assert level.quantity_of_base == Decimal(12)


def test_lifecycle() -> None:
    draft = Product(**MINIMAL, status=ProductStatus.DRAFT)
    active = draft.transition_to(ProductStatus.ACTIVE, source_status="published")
    assert active.status is ProductStatus.ACTIVE
    assert active.source_status == "published"
    inactive = active.transition_to(ProductStatus.INACTIVE)
    assert inactive.transition_to(ProductStatus.ACTIVE).status is ProductStatus.ACTIVE
    gone = inactive.transition_to(ProductStatus.DISCONTINUED)
    for target in (ProductStatus.ACTIVE, ProductStatus.DRAFT, ProductStatus.OTHER):
        with pytest.raises(InvalidTransition):
            gone.transition_to(target)
    with pytest.raises(InvalidTransition):
        active.transition_to(ProductStatus.DRAFT)
