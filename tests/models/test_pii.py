"""Personal data: masked in repr and str, kept in dumps, marked ``x-pii`` in the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from retail_canon.models import (
    Address,
    Customer,
    FulfillmentOrder,
    Party,
    SalesOrder,
)

PII_FIELDS: dict[type[BaseModel], set[str]] = {
    Address: {"name", "lines", "phone", "email"},
    Party: {"name", "email", "phone", "tax_id"},
    Customer: {"name", "email", "phone", "tax_id"},
}

NAME = "Jane Q. Secretperson"
STREET = "742 Evergreen Terrace"
STREET_2 = "Apartment 13B"
PHONE = "+1-555-0100-7788"
EMAIL = "jane.secret@example.com"
TAX_ID = "GB999999973"
SECRETS = [NAME, STREET, STREET_2, PHONE, EMAIL, TAX_ID]


def address() -> Address:
    return Address(
        name=NAME,
        company="Acme Widgets",
        lines=(STREET, STREET_2),
        city="Springfield",
        region="OR",
        postal_code="97477",
        country="US",
        phone=PHONE,
        email=EMAIL,
    )


def customer() -> Customer:
    return Customer(name=NAME, email=EMAIL, phone=PHONE, tax_id=TAX_ID, customer_id="cust-42")


def order() -> SalesOrder:
    return SalesOrder(
        order_id="o-1",
        channel="shopify",
        placed_at=datetime(2026, 1, 1, tzinfo=UTC),
        currency="USD",
        customer=customer(),
        ship_to=address(),
        bill_to=address(),
        lines=[
            {
                "line_id": "l",
                "sku": "s",
                "quantity": {"value": 1},
                "unit_price": {"amount": "1", "currency": "USD"},
            }
        ],
    )


def assert_masked(obj: BaseModel) -> None:
    for shown in (repr(obj), str(obj), f"{obj}", f"{obj!r}"):
        leaked = [secret for secret in SECRETS if secret in shown]
        assert leaked == [], f"{leaked} leaked into {shown}"
        assert "***" in shown


@pytest.mark.parametrize(
    "build",
    [
        address,
        customer,
        lambda: Party(role="SELLER", name=NAME, email=EMAIL, phone=PHONE, tax_id=TAX_ID),
        order,
    ],
    ids=["Address", "Customer", "Party", "SalesOrder"],
)
def test_repr_and_str_never_show_personal_data(build: Any) -> None:
    assert_masked(build())


def test_nested_addresses_are_masked_in_other_objects() -> None:
    fo = FulfillmentOrder(
        fulfillment_order_id="f",
        sales_order_id="o",
        origin_location_id="DC",
        destination=address(),
        lines=[{"line_id": "f", "sales_order_line_id": "l", "sku": "s", "quantity": {"value": 1}}],
    )
    assert_masked(fo)
    assert_masked(fo.transition_to("IN_PROGRESS"))


def test_masking_is_targeted_other_fields_stay_visible() -> None:
    shown = repr(address())
    for visible in ("Acme Widgets", "Springfield", "97477", "'US'"):
        assert visible in shown
    assert "cust-42" in repr(customer())
    assert "shopify" in repr(order())


def test_absent_personal_data_is_shown_as_absent() -> None:
    shown = repr(Address(country="US"))
    assert "name=None" in shown
    assert "email=None" in shown


def test_model_dump_keeps_personal_data() -> None:
    dump = order().model_dump()
    assert dump["customer"]["name"] == NAME
    assert dump["customer"]["tax_id"] == TAX_ID
    assert dump["ship_to"]["lines"] == (STREET, STREET_2)
    assert dump["bill_to"]["email"] == EMAIL
    text = order().model_dump_json()
    for secret in SECRETS:
        assert secret in text
    assert SalesOrder.model_validate_json(text).ship_to.phone == PHONE  # type: ignore[union-attr]


secrets = st.from_regex(r"SECRET-[a-z0-9]{8}", fullmatch=True)


@given(secrets, secrets, secrets, secrets)
def test_generated_secrets_never_reach_repr(name: str, street: str, phone: str, email: str) -> None:
    a = Address(name=name, lines=(street,), phone=phone, email=email, country="GB")
    c = Customer(name=name, email=email, phone=phone, tax_id=street)
    for obj in (a, c):
        shown = repr(obj) + str(obj)
        assert "SECRET-" not in shown
    assert a.model_dump()["lines"] == (street,)


@pytest.mark.parametrize("model", list(PII_FIELDS), ids=lambda m: m.__name__)
def test_json_schema_marks_personal_data(model: type[BaseModel]) -> None:
    properties = model.model_json_schema()["properties"]
    marked = {name for name, prop in properties.items() if prop.get("x-pii") is True}
    assert marked == PII_FIELDS[model]


def test_nested_schema_keeps_the_marks() -> None:
    defs = SalesOrder.model_json_schema()["$defs"]
    assert defs["Address"]["properties"]["email"]["x-pii"] is True
    assert defs["Customer"]["properties"]["tax_id"]["x-pii"] is True
    assert "x-pii" not in defs["Address"]["properties"]["country"]


def test_validation_errors_do_not_show_personal_data() -> None:
    # A whole-record error (currency mismatch) reports the whole input; the customer comes
    # last, so the tail of the truncated repr shows it.
    data = order().model_dump(exclude={"customer"}) | {"currency": "EUR"}
    data["customer"] = {"phone": PHONE}
    with pytest.raises(ValidationError) as info:
        SalesOrder.model_validate(data)
    text = str(info.value)
    assert [s for s in SECRETS if s in text] == []


def test_an_error_on_a_personal_field_does_not_echo_its_value() -> None:
    with pytest.raises(ValidationError) as info:
        Address.model_validate({"name": 5550100199, "country": "US"})
    (error,) = info.value.errors()
    assert error["loc"] == ("name",)
    assert "5550100199" not in str(info.value)
