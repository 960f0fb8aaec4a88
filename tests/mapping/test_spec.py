"""Declarations are checked as a whole when they are compiled, with nearest-name hints."""

from __future__ import annotations

import pytest

from retail_canon import RetailCanonError
from retail_canon.mapping import (
    InvalidSourcePath,
    MappingSpecError,
    MissingCanonicalField,
    UnknownCanonicalField,
    UnknownTransform,
    compile_mapping,
)

MONEY = {"target": "Money", "fields": {"amount": "a", "currency": "c"}}


def _order(**fields):
    base = {
        "order_id": "id",
        "channel": {"const": "souk"},
        "placed_at": "at",
        "currency": "cur",
        "lines": {
            "each": "items",
            "object": {
                "line_id": "n",
                "sku": "s",
                "quantity": {"object": {"value": "q"}},
                "unit_price": {"object": {"amount": "p", "currency": "$.cur"}},
            },
        },
    }
    base.update(fields)
    return {"target": "sales-order", "fields": base}


def _issues(declaration, **kwargs):
    with pytest.raises(MappingSpecError) as caught:
        compile_mapping(declaration, **kwargs)
    return caught.value


def test_a_valid_declaration_compiles():
    mapper = compile_mapping(_order())
    assert mapper.target.__name__ == "SalesOrder"
    assert mapper.name == "SalesOrder"
    assert compile_mapping({**MONEY, "name": "totals"}).name == "totals"


def test_unknown_canonical_field_names_the_nearest_one():
    error = _issues(_order(placed_on="at"))
    assert isinstance(error, UnknownCanonicalField)
    assert isinstance(error, RetailCanonError)
    assert isinstance(error, ValueError)
    (issue,) = error.issues
    assert issue.where == "fields.placed_on"
    assert issue.suggestion == "placed_at"
    assert "SalesOrder has no field 'placed_on'" in str(error)
    assert "did you mean 'placed_at'?" in str(error)
    assert error.code == "unknown_canonical_field"


def test_unknown_nested_field_names_the_part_and_its_nearest_field():
    declaration = _order()
    declaration["fields"]["lines"]["object"]["skus"] = "s"
    (issue,) = _issues(declaration).issues
    assert issue.where == "fields.lines.object.skus"
    assert "OrderLine has no field 'skus'" in issue.message
    assert issue.suggestion == "sku"


def test_unknown_transform_names_the_nearest_one():
    declaration = {
        **MONEY,
        "fields": {"amount": {"path": "a", "transform": "decimel"}, "currency": "c"},
    }
    error = _issues(declaration)
    assert isinstance(error, UnknownTransform)
    assert error.issues[0].suggestion == "decimal"
    assert error.issues[0].where == "fields.amount.transform"


def test_user_transforms_count_as_names_and_as_suggestions():
    fields = {"amount": {"path": "a", "transform": ["strip", "cents"]}, "currency": "c"}
    assert compile_mapping({**MONEY, "fields": fields}, transforms={"cents": str})
    fields["amount"]["transform"] = ["strip", "cent"]
    error = _issues({**MONEY, "fields": fields}, transforms={"cents": str})
    assert error.issues[0].where == "fields.amount.transform[1]"
    assert error.issues[0].suggestion == "cents"


def test_required_fields_without_a_source_are_reported():
    declaration = _order()
    del declaration["fields"]["placed_at"]
    del declaration["fields"]["lines"]["object"]["sku"]
    error = _issues(declaration)
    assert isinstance(error, MissingCanonicalField)
    assert sorted(i.where for i in error.issues) == ["fields.lines.object.sku", "fields.placed_at"]


def test_every_problem_is_reported_at_once_under_the_common_class():
    declaration = _order(placed_on="at", status={"path": "st", "transform": "stats"})
    declaration["fields"]["currency"] = "cur[x]"
    del declaration["fields"]["placed_at"]
    error = _issues(declaration)
    assert type(error) is MappingSpecError
    codes = sorted(issue.code for issue in error.issues)
    assert codes == [
        "invalid_source_path",
        "missing_canonical_field",
        "unknown_canonical_field",
        "unknown_transform",
    ]
    assert "4 problem(s)" in str(error)


def test_bad_path_is_an_invalid_source_path():
    error = _issues({**MONEY, "fields": {"amount": "a..b", "currency": "c"}})
    assert isinstance(error, InvalidSourcePath)
    assert error.issues[0].where == "fields.amount.path"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"object": {"value": "q"}}, "lines is a list: use each or list"),
        ({"each": "x", "value": "y", "object": {}}, "either object"),
        ({"path": "x", "const": 1}, "needs exactly one of"),
        ({"paht": "x"}, "needs exactly one of"),
        (12, "expected a path, a callable or a dict"),
    ],
)
def test_shape_mistakes_in_a_list_field(value, message):
    error = _issues(_order(lines=value))
    assert any(message in issue.message for issue in error.issues), error


def test_unknown_key_gets_a_suggestion():
    error = _issues(_order(order_number={"path": "n", "transfrom": "strip"}))
    (issue,) = error.issues
    assert issue.where == "fields.order_number.transfrom"
    assert issue.suggestion == "transform"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", {"object": {"x": "y"}}, "currency is not an object"),
        ("currency", {"each": "x", "value": "y"}, "currency is not a list"),
        ("currency", {"list": ["x"]}, "currency is not a list"),
        ("channel", {"const": "x", "transform": "strip"}, "a constant needs no transform"),
        ("order_number", {"path": "x", "from": "y"}, "only an object has a 'from' path"),
        ("order_number", {"path": "x", "value": "y"}, "'value' goes with 'each'"),
        ("ship_to", {"object": {"country": "c"}, "transform": "strip"}, "applies to values"),
        ("discounts", {"list": "x"}, "expected a list of values"),
        ("order_number", {"paths": []}, "expected a list of paths"),
        ("order_number", {"path": "x", "transform": [{"a": 1, "b": 2}]}, "expected a transform"),
    ],
)
def test_structural_mistakes(field, value, message):
    error = _issues(_order(**{field: value}))
    assert any(message in issue.message for issue in error.issues), error


def test_enum_constants_and_defaults_are_checked_with_a_suggestion():
    error = _issues(_order(fulfilled_by={"const": "SELER"}, status={"path": "s", "default": "OPN"}))
    assert [i.suggestion for i in error.issues] == ["SELLER", "OPEN"]
    assert "is not a FulfilledBy" in error.issues[0].message


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        ({"status": {"NEW": "OPNE"}}, "'OPNE' is not a OrderStatus"),
        ({"status": "amazon.orders_v0.OrderStatu"}, "did you mean 'amazon.orders_v0.OrderStatus'"),
        ({"status": []}, "needs a table name or a table"),
        ({"lookup": {"A": "OPNE"}}, "did you mean 'OPEN'"),
        ({"lookup": []}, "needs a table"),
        ({"timestamp": {"tz": "Europe/Osloo"}}, "unknown time zone 'Europe/Osloo'"),
        ({"timestamp": {"tzz": "UTC"}}, "did you mean 'tz'"),
        ({"timestamp": "UTC"}, "takes options"),
        ({"timestamp": {"ambiguous": "maybe"}}, "ambiguous must be"),
        ({"locale_decimal": "xx_YY"}, "not known to babel"),
        ({"locale_decimal": 5}, "needs a locale"),
        ({"format": "no braces"}, "needs a template"),
        ({"split": ""}, "needs a separator"),
        ({"join": 1}, "needs a separator"),
        ({"minor_units": -1}, "number of minor digits"),
        ({"minor_units": "XAU"}, "has no minor units"),
        ({"unit": {"source": "ebay"}}, "unknown unit source"),
        ({"gtin": 1}, "takes no arguments"),
        ({"epoch_millis": 1}, "takes no arguments"),
        ({"strip": True}, "takes no arguments"),
        ({"xref": {"system": "a"}}, "needs {system, scheme}"),
        ({"xref": {"system": "a", "scheme": "b", "to_sytem": "c"}}, "did you mean 'to_system'"),
        ({"xref": {"system": "a", "scheme": "b"}}, "needs a resolver"),
    ],
)
def test_transform_arguments_are_checked_at_load_time(transform, message):
    error = _issues(_order(status={"path": "s", "transform": transform}))
    assert any(message in issue.message for issue in error.issues), error


def test_inline_status_table_needs_an_enum_field():
    error = _issues(_order(order_number={"path": "n", "transform": {"status": {"A": "OPEN"}}}))
    assert "needs a status field" in error.issues[0].message


def test_user_transform_takes_no_arguments():
    error = _issues(
        _order(order_number={"path": "n", "transform": {"mine": 1}}), transforms={"mine": str}
    )
    assert "takes no arguments" in error.issues[0].message


@pytest.mark.parametrize(
    ("declaration", "where", "suggestion"),
    [
        ({"target": "SalesOrdr", "fields": {}}, "target", "SalesOrder"),
        ({"target": "sales-ordr", "fields": {}}, "target", "sales-order"),
        ({**MONEY, "feilds": {}}, "feilds", "fields"),
    ],
)
def test_top_level_names_get_suggestions(declaration, where, suggestion):
    error = _issues(declaration)
    assert (error.issues[0].where, error.issues[0].suggestion) == (where, suggestion)


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ([], "expected a mapping with target and fields"),
        ({"fields": {}}, "missing: which canonical object"),
        ({"target": "Money"}, "missing: {canonical field"),
        ({"target": 3, "fields": {}}, "expected a kind"),
        ({"target": "Money", "fields": []}, "expected {field: value} for Money"),
    ],
)
def test_malformed_declarations(declaration, message):
    error = _issues(declaration)
    assert any(message in issue.message for issue in error.issues), error


def test_targets_may_be_kinds_class_names_parts_or_classes():
    from retail_canon.models import Money, Product

    assert compile_mapping({**MONEY, "target": Money}).target is Money
    assert compile_mapping(MONEY).target is Money
    fields = {"product_id": "id", "sku": "sku", "title": "t"}
    assert compile_mapping({"target": "product", "fields": fields}).target is Product
