"""Built-in transforms: what each turns a value into, and the problem it reports otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from retail_canon.mapping import TRANSFORMS, compile_mapping
from retail_canon.mapping._transforms import BUILTINS
from retail_canon.models import ExternalRef, OrderStatus


def _value(transform, value, field="order_number"):
    """Map ``value`` through ``transform`` into a field of a tiny SalesOrder-free target."""
    target = {
        "order_number": ("ExternalRef", "value"),
        "status": ("SalesOrder", "status"),
    }[field]
    if target[0] == "ExternalRef":
        declaration = {
            "target": "ExternalRef",
            "fields": {
                "system": {"const": "s"},
                "scheme": {"const": "k"},
                "value": {"path": "v", "transform": transform},
            },
        }
        result = compile_mapping(declaration).apply({"v": value})
        return result.canonical.value if result.ok else result.problems[0]
    raise AssertionError(target)


def _raw(transform, value, transforms=None):
    """The value a transform chain produces, read back from provenance."""
    declaration = {
        "target": "ExternalRef",
        "fields": {
            "system": {"const": "s"},
            "scheme": {"const": "k"},
            "value": {"path": "v", "transform": [transform, str]},
        },
    }
    result = compile_mapping(declaration, transforms=transforms).apply({"v": value})
    if not result.ok:
        return result.problems[0]
    return result.provenance["value"].value


@pytest.mark.parametrize(
    ("transform", "value", "expected"),
    [
        ("str", 12, "12"),
        ("str", Decimal("1.50"), "1.50"),
        ("strip", "  a ", "a"),
        ("upper", "ab", "AB"),
        ("lower", "AB", "ab"),
        ({"format": "souk-{}"}, 7, "souk-7"),
        ("gtin", "4006381 333931", "4006381333931"),
        ("gtin14", "036000291452", "00036000291452"),
        ("gtin14", 4006381333931, "04006381333931"),
        ({"unit": None}, "pcs", "EA"),
        ({"unit": {"source": "x12"}}, "CA", "XCS"),
        ({"unit": "amazon"}, "POUNDS", "LBR"),
    ],
)
def test_text_transforms(transform, value, expected):
    assert _value(transform, value) == expected


@pytest.mark.parametrize(
    ("transform", "value", "expected"),
    [
        ("decimal", "12.50", "12.50"),
        ("decimal", 3, "3"),
        ("decimal", Decimal("1E+2"), "1E+2"),
        ({"locale_decimal": "de_DE"}, "1.234,56", "1234.56"),
        ({"locale_decimal": "fr_FR"}, "1 234,56", "1234.56"),
        ({"locale_decimal": "de_DE"}, 5, "5"),
        ("percent", "25", "0.25"),
        ("percent", 7, "0.07"),
        ({"minor_units": 2}, 1999, "19.99"),
        ({"minor_units": "JPY"}, "500", "500"),
        ({"minor_units": "BHD"}, 1234, "1.234"),
        ("int", "42", "42"),
        ("int", Decimal("42.0"), "42"),
        ("bool", "Yes", "True"),
        ("bool", 0, "False"),
        ("bool", False, "False"),
        ({"split": ";"}, "a; b;;c", "['a', 'b', 'c']"),
        ("split", "a,b", "['a', 'b']"),
        ({"lookup": {"A": "alpha", "1": "one"}}, 1, "one"),
        ("timestamp", "2026-01-05T10:00:00+01:00", "2026-01-05 09:00:00+00:00"),
        (
            {"timestamp": {"tz": "America/Chicago", "dayfirst": False}},
            "1/5/2026 3:00 PM",
            "2026-01-05 21:00:00+00:00",
        ),
        ("epoch_millis", 1703462400000, "2023-12-25 00:00:00+00:00"),
        ("epoch_seconds", "1700000000.25", "2023-11-14 22:13:20.250000+00:00"),
    ],
)
def test_value_transforms(transform, value, expected):
    assert _raw(transform, value) == expected


def test_join_paths():
    declaration = {
        "target": "ExternalRef",
        "fields": {
            "system": {"const": "s"},
            "scheme": {"const": "k"},
            "value": {"paths": ["a", "b"], "transform": {"join": "/"}},
        },
    }
    mapper = compile_mapping(declaration)
    assert mapper.map({"a": "x", "b": 2}).value == "x/2"
    assert mapper.map({"b": "only"}).value == "only"


@pytest.mark.parametrize(
    ("transform", "value", "code", "message"),
    [
        ("str", 1.5, "invalid_type", "expected text or a whole or decimal number, got float"),
        ("strip", 1.5, "invalid_type", "expected text, got float"),
        ({"format": "x{}"}, 1.5, "invalid_type", "expected text or a whole or decimal number"),
        ("gtin", True, "invalid_type", "got bool"),
        ("strip", 3, "invalid_type", "expected text, got int"),
        ("decimal", 1.5, "invalid_number", "got float"),
        ("decimal", "1,5", "invalid_number", "not a plain decimal number"),
        ({"locale_decimal": "de_DE"}, "1,234.56", "invalid_number", "locale 'de_DE'"),
        ("int", "1.5", "invalid_number", "not a whole number"),
        ("bool", "maybe", "invalid_bool", "not a yes/no value"),
        ("gtin", "4006381333932", "invalid_checksum", "check digit"),
        ({"unit": None}, "parsecs", "unknown_unit", "unknown unit"),
        ({"lookup": {"MFN": "x"}}, "MNF", "unknown_value", "did you mean 'MFN'?"),
        ("timestamp", "2026-01-05 10:00", "naive_timestamp", "no UTC offset"),
        ("epoch_millis", "soon", "invalid_timestamp", "epoch milliseconds"),
    ],
)
def test_failures_carry_the_normalizer_code(transform, value, code, message):
    problem = _raw(transform, value)
    assert problem.code == code
    assert message in problem.message
    assert problem.value == value
    assert problem.stage == "transform"


def test_status_by_table_name_and_inline_table():
    declaration = {
        "target": "SalesOrder",
        "fields": {
            "order_id": "id",
            "channel": {"const": "c"},
            "placed_at": {"const": "2026-01-01T00:00:00Z"},
            "currency": {"const": "USD"},
            "status": {"path": "a", "transform": {"status": "amazon.orders_v0.OrderStatus"}},
            "payment_status": {"path": "p", "transform": {"status": {"ok": "PAID"}}},
            "lines": {
                "list": [
                    {
                        "object": {
                            "line_id": {"const": "1"},
                            "sku": {"const": "s"},
                            "quantity": {"object": {"value": {"const": "1"}}},
                            "unit_price": {
                                "object": {"amount": {"const": "1"}, "currency": {"const": "USD"}}
                            },
                        }
                    }
                ]
            },
        },
    }
    order = compile_mapping(declaration).map({"id": "1", "a": "Canceled", "p": "ok"})
    assert order.status is OrderStatus.CANCELLED
    assert order.payment_status.value == "PAID"


class _Answer(SimpleNamespace):
    pass


class FakeXref:
    """A dict-backed resolver: the shape `XrefLookup` asks for."""

    def __init__(self, links):
        self.links = links
        self.calls = []

    def resolve(self, ref, *, to_system=None, to_scheme=None):
        self.calls.append((ref, to_system, to_scheme))
        found = self.links.get(ref.value)
        if found == "conflict":
            return _Answer(status="conflict", canonical_id=None, target=None)
        if found is None:
            return _Answer(status="none", canonical_id=None, target=None)
        target = ExternalRef(system=to_system, scheme="item", value=found) if to_system else None
        return _Answer(status="one", canonical_id=f"P-{found}", target=target)


def _xref_mapper(resolver, **options):
    args = {"system": "souk", "scheme": "sku", **options}
    return compile_mapping(
        {
            "target": "ExternalRef",
            "fields": {
                "system": {"const": "erp"},
                "scheme": {"const": "item"},
                "value": {"path": "sku", "transform": {"xref": args}},
            },
        },
        xref=resolver,
    )


def test_xref_resolves_to_the_target_system_or_the_canonical_id():
    resolver = FakeXref({"S1": "ERP-1", "S2": "conflict"})
    mapper = _xref_mapper(resolver, to_system="erp", scope="shop-1")
    assert mapper.map({"sku": "S1"}).value == "ERP-1"
    ref, to_system, to_scheme = resolver.calls[0]
    assert (ref.system, ref.scheme, ref.value, ref.scope, to_system, to_scheme) == (
        "souk",
        "sku",
        "S1",
        "shop-1",
        "erp",
        None,
    )
    assert _xref_mapper(resolver).map({"sku": "S1"}).value == "P-ERP-1"
    missing = mapper.apply({"sku": "S9"}).problems[0]
    assert (missing.code, missing.source_path, missing.value) == ("xref_not_found", "sku", "S9")
    assert "no cross-reference in erp" in missing.message
    assert mapper.apply({"sku": "S2"}).problems[0].code == "xref_conflict"


def test_xref_with_the_real_resolver():
    xref = pytest.importorskip("retail_canon.xref")
    with xref.SQLiteStore(":memory:") as store:
        resolver = xref.XrefResolver(store)
        souk = ExternalRef(system="souk", scheme="sku", value="TEE-1", scope="shop-1")
        erp = ExternalRef(system="erp", scheme="item_code", value="T-001", scope="acme")
        resolver.link("product", "P1", souk, actor="test", reason="test")
        resolver.link("product", "P1", erp, actor="test", reason="test")
        mapper = _xref_mapper(resolver, scope="shop-1", to_system="erp")
        assert mapper.map({"sku": "TEE-1"}).value == "T-001"
        assert mapper.apply({"sku": "TEE-2"}).problems[0].code == "xref_not_found"


def test_user_transforms_and_every_builtin_is_listed():
    assert _raw("shout", "hi", transforms={"shout": lambda v: v + "!"}) == "hi!"
    assert list(TRANSFORMS) == sorted(BUILTINS)
    assert all(isinstance(text, str) and text for text in TRANSFORMS.values())
    with pytest.raises(TypeError):
        TRANSFORMS["new"] = "x"  # read-only


def test_timestamps_come_out_aware_utc():
    declaration = {
        "target": "Hold",
        "fields": {
            "reason": {"const": "r"},
            "since": {"path": "t", "transform": {"timestamp": {"tz": "Europe/Oslo"}}},
        },
    }
    hold = compile_mapping(declaration).map({"t": "2026-07-01 12:00"})
    assert hold.since == datetime(2026, 7, 1, 10, tzinfo=UTC)
