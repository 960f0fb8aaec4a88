"""Applying a mapping: values, absence, nesting, lists, every problem of a record, batches."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retail_canon import UnknownStatusValue
from retail_canon.mapping import RecordRejected, compile_mapping
from retail_canon.models import ExternalRef, OrderStatus

DECLARATION = {
    "target": "SalesOrder",
    "name": "souk",
    "fields": {
        "order_id": {"path": "id", "transform": {"format": "souk-{}"}},
        "channel": {"const": "souk"},
        "placed_at": {"path": "at", "transform": "timestamp"},
        "currency": "cur",
        "status": {
            "path": "state",
            "transform": {"status": {"N": "OPEN", "S": "FULFILLED"}},
            "default": "PENDING",
        },
        "source_status": "state",
        "customer": {"from": "buyer", "object": {"name": "name", "email": "mail"}},
        "ship_to": {"object": {"lines": {"paths": ["addr1", "addr2"]}, "country": "country"}},
        "lines": {
            "each": "items",
            "object": {
                "line_id": {"path": "n", "transform": "str"},
                "sku": "sku",
                "item_refs": {
                    "each": "codes",
                    "value": {
                        "object": {
                            "system": {"const": "souk"},
                            "scheme": {"const": "code"},
                            "value": "@",
                        }
                    },
                },
                "quantity": {"object": {"value": "qty", "uom": {"const": "EA"}}},
                "unit_price": {"object": {"amount": "price", "currency": "$.cur"}},
            },
        },
    },
}
GOOD = {
    "id": "7",
    "at": "2026-11-20T10:00:00+01:00",
    "cur": "EUR",
    "state": "N",
    "buyer": {"name": "Ana", "mail": "ana@example.invalid"},
    "addr1": "Calle 1",
    "addr2": "",
    "country": "ES",
    "items": [
        {"n": 1, "sku": "A", "codes": ["c1", None, "c2"], "qty": "2", "price": "9.50"},
        {"n": 2, "sku": "B", "qty": 1, "price": Decimal("3")},
    ],
}


@pytest.fixture(scope="module")
def mapper():
    return compile_mapping(DECLARATION)


def test_good_record_maps_to_the_canonical_object(mapper):
    result = mapper.apply(GOOD)
    assert result.ok
    assert result.problems == ()
    order = result.canonical
    assert order.order_id == "souk-7"
    assert order.channel == "souk"
    assert order.placed_at == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert order.status is OrderStatus.OPEN
    assert order.source_status == "N"
    assert order.customer.email == "ana@example.invalid"
    assert order.ship_to.lines == ("Calle 1",)
    assert [line.sku for line in order.lines] == ["A", "B"]
    assert order.lines[0].line_id == "1"
    assert order.lines[0].item_refs == (
        ExternalRef(system="souk", scheme="code", value="c1"),
        ExternalRef(system="souk", scheme="code", value="c2"),
    )
    assert order.lines[1].item_refs == ()
    assert order.lines[1].quantity.value == Decimal(1)
    assert order.lines[0].unit_price.currency == "EUR"
    assert mapper.map(GOOD) == order
    assert repr(result) == "<MappingResult souk: ok>"


@pytest.mark.parametrize("absent", [None, "", "missing"])
def test_absent_values_use_the_default_or_leave_the_field_out(mapper, absent):
    record = {k: v for k, v in GOOD.items() if k not in ("state", "buyer")}
    if absent != "missing":
        record |= {"state": absent, "buyer": absent}
    order = mapper.map(record)
    assert order.status is OrderStatus.PENDING
    assert order.source_status is None
    assert order.customer is None


def test_an_object_is_absent_when_nothing_relative_to_it_is_present(mapper):
    record = {**GOOD, "items": [{**GOOD["items"][0], "price": None}]}
    result = mapper.apply(record)
    (problem,) = result.problems
    # unit_price would only have had $.cur: it is absent, and required.
    assert problem.field == "lines[0].unit_price"
    assert problem.source_path == "items[0].price"
    assert problem.code == "missing_value"
    assert problem.stage == "read"
    assert problem.value is None


def test_every_problem_of_a_record_is_collected(mapper):
    record = {
        **GOOD,
        "at": "yesterday",
        "cur": "EURO",
        "items": [
            {"n": 1, "qty": "2", "price": "9,50"},
            "not an item",
            {"n": 3, "sku": "C", "qty": "-1", "price": "1"},
        ],
    }
    result = mapper.apply(record)
    assert not result.ok
    assert result.canonical is None
    got = {(p.field, p.source_path, p.code, p.stage) for p in result.problems}
    assert got == {
        ("placed_at", "at", "invalid_timestamp", "transform"),
        ("lines[0].sku", "items[0].sku", "missing_value", "read"),
        ("lines[1]", "items[1]", "unexpected_shape", "read"),
        ("lines[0].unit_price.amount", "items[0].price", "exact_decimal", "validate"),
        ("lines[2].quantity", "items[2].qty", "value_error", "validate"),
        ("currency", "cur", "unknown_currency", "validate"),
        ("lines[0].unit_price.currency", "cur", "unknown_currency", "validate"),
        ("lines[2].unit_price.currency", "cur", "unknown_currency", "validate"),
    }
    values = {p.field: p.value for p in result.problems}
    assert values["placed_at"] == "yesterday"
    assert values["lines[0].unit_price.amount"] == "9,50"
    assert values["lines[1]"] == "not an item"
    assert values["lines[2].quantity"] == "-1"
    assert values["currency"] == "EURO"
    with pytest.raises(RecordRejected) as caught:
        mapper.map(record)
    assert caught.value.problems == result.problems
    assert caught.value.code == "record_rejected"
    assert "8 problem(s)" in str(caught.value)


def test_problem_text_names_path_field_and_value(mapper):
    result = mapper.apply({**GOOD, "at": "yesterday"})
    (problem,) = result.problems
    text = str(problem)
    assert text.startswith("at → placed_at: timestamp: timestamp 'yesterday'")
    assert text.endswith("(value 'yesterday')")
    assert problem.loc == ("placed_at",)
    assert problem.to_dict()["value"] == "yesterday"


def test_personal_data_is_masked_in_problem_text(mapper):
    result = mapper.apply({**GOOD, "buyer": {"name": ["not", "text"]}})
    (problem,) = result.problems
    assert problem.field == "customer.name"
    assert problem.pii
    assert problem.value == ["not", "text"]
    assert "not" not in str(problem)
    assert "***" in str(problem)
    assert problem.to_dict()["value"] == "***"


def test_wrong_shape_inside_a_path_is_a_problem_not_an_absence(mapper):
    result = mapper.apply({**GOOD, "buyer": ["Ana"]})
    (problem,) = result.problems
    assert (problem.field, problem.source_path, problem.code) == (
        "customer",
        "buyer",
        "unexpected_shape",
    )
    assert problem.value == ["Ana"]
    assert "expected an object at 'buyer', found list" in problem.message
    deeper = mapper.apply({**GOOD, "buyer": {"name": {"first": "Ana"}}, "state": ["N"]})
    assert {(p.field, p.source_path, p.code) for p in deeper.problems} == {
        ("customer.name", "buyer.name", "string_type"),
        ("status", "state", "transform_error"),
        ("source_status", "state", "string_type"),
    }


def test_a_record_that_is_not_an_object_is_one_problem(mapper):
    (problem,) = mapper.apply(["not", "a", "record"]).problems
    assert (problem.field, problem.source_path, problem.code) == ("", "$", "unexpected_shape")
    assert str(problem).startswith("$ → (object): expected an object at '$', found list")


def test_each_over_something_that_is_not_a_list(mapper):
    result = mapper.apply({**GOOD, "items": {"n": 1}})
    (problem,) = result.problems
    assert (problem.field, problem.source_path, problem.code) == (
        "lines",
        "items",
        "unexpected_shape",
    )


def test_empty_list_items_are_reported_not_dropped(mapper):
    result = mapper.apply({**GOOD, "items": [GOOD["items"][0], {}, None]})
    missing = [(p.field, p.source_path, p.code, p.value) for p in result.problems]
    assert missing == [
        ("lines[1]", "items[1].n", "missing_value", None),
        ("lines[2]", "items[2].n", "missing_value", None),
    ]


def test_unknown_status_maps_to_other_with_a_warning(mapper):
    with pytest.warns(UnknownStatusValue, match="'Q'"):
        order = mapper.map({**GOOD, "state": "Q"})
    assert order.status is OrderStatus.OTHER
    assert order.source_status == "Q"


def test_batch_keeps_every_record(mapper):
    bad = {**GOOD, "cur": "XXX1"}
    batch = mapper.run([GOOD, bad, GOOD, "garbage"])
    assert batch.total == 4
    assert len(batch.objects) == 2
    assert [r.index for r in batch.rejects] == [1, 3]
    assert batch.rejects[0].record is bad
    assert batch.rejects[0].problems == mapper.apply(bad).problems
    assert list(batch) == batch.objects
    assert str(batch) == "4 record(s): 2 mapped, 2 rejected"
    assert batch.rejects[0].to_dict()["index"] == 1


def test_iter_results_is_lazy(mapper):
    seen = []

    def records():
        for record in (GOOD, GOOD):
            seen.append(record)
            yield record

    results = mapper.iter_results(records())
    assert seen == []
    assert next(results).ok
    assert len(seen) == 1


def test_callables_read_the_current_value():
    declaration = {
        "target": "Money",
        "fields": {
            "amount": lambda rec: Decimal(rec["cents"]) / 100,
            "currency": {"path": "cur", "transform": [str.strip, str.upper]},
        },
    }
    mapper = compile_mapping(declaration)
    assert mapper.map({"cents": 1250, "cur": " eur "}).amount == Decimal("12.5")
    result = mapper.apply({"cents": "x", "cur": "eur"})
    (problem,) = result.problems
    assert problem.source_path == "$"
    assert problem.code == "transform_error"
    assert problem.message.startswith("<lambda>: InvalidOperation: ")


def test_root_from_path_reads_an_envelope():
    mapper = compile_mapping(
        {
            "target": "Money",
            "from": "data.total",
            "fields": {"amount": "value", "currency": "$.meta.cur"},
        }
    )
    assert mapper.map({"data": {"total": {"value": "1"}}, "meta": {"cur": "USD"}}).amount == 1
    result = mapper.apply({"meta": {"cur": "USD"}})
    assert [(p.field, p.source_path) for p in result.problems] == [("amount", "data.total.value")]


def test_paths_fill_lists_and_join():
    mapper = compile_mapping(
        {
            "target": "ExternalRef",
            "fields": {
                "system": {"const": "s"},
                "scheme": {"const": "k"},
                "value": {"paths": ["a", "b", "c"], "transform": {"join": "-"}},
            },
        }
    )
    assert mapper.map({"a": "x", "c": 3}).value == "x-3"
    result = mapper.apply({})
    assert [(p.field, p.code) for p in result.problems] == [("value", "missing_value")]
    assert result.problems[0].source_path == "a"


def test_fixed_list_drops_absent_items_and_keeps_failed_problems():
    mapper = compile_mapping(
        {
            "target": "Address",
            "fields": {
                "country": "cc",
                "lines": {"list": ["l1", {"path": "l2", "transform": "upper"}, {"const": "END"}]},
            },
        }
    )
    assert mapper.map({"cc": "ES", "l2": "b"}).lines == ("B", "END")
    result = mapper.apply({"cc": "ES", "l1": "a", "l2": 5})
    (problem,) = result.problems
    assert (problem.field, problem.source_path, problem.code) == ("lines[1]", "l2", "invalid_type")


def test_default_items_in_lists():
    mapper = compile_mapping(
        {
            "target": "Address",
            "fields": {
                "country": "cc",
                "lines": {"each": "ls", "value": {"path": "@", "default": "?"}},
            },
        }
    )
    assert mapper.map({"cc": "ES", "ls": ["a", None, "b"]}).lines == ("a", "?", "b")
    assert mapper.map({"cc": "ES"}).lines == ()


def test_too_short_noise_is_left_out():
    mapper = compile_mapping(
        {
            "target": "SalesOrder",
            "fields": {
                "order_id": "id",
                "channel": {"const": "c"},
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
            },
        }
    )
    record = {
        "id": "1",
        "at": "2026-01-01T00:00:00Z",
        "cur": "USD",
        "items": [{"n": "1", "s": "x", "q": "0", "p": "1"}],
    }
    result = mapper.apply(record)
    assert [p.field for p in result.problems] == ["lines[0].quantity"]
    result = mapper.apply({**record, "items": []})
    assert [(p.field, p.code, p.source_path) for p in result.problems] == [
        ("lines", "too_short", "items")
    ]


def test_cross_field_rule_errors_point_at_the_nearest_source():
    declaration = {
        "target": "SalesOrder",
        "fields": {
            "order_id": "id",
            "channel": {"const": "c"},
            "placed_at": "at",
            "currency": "cur",
            "lines": {
                "each": "items",
                "object": {
                    "line_id": "n",
                    "sku": "s",
                    "quantity": {"object": {"value": "q"}},
                    "unit_price": {"object": {"amount": "p", "currency": "$.cur"}},
                    "quantity_fulfilled": "done",
                },
            },
        },
    }
    record = {
        "id": "1",
        "at": "2026-01-01T00:00:00Z",
        "cur": "USD",
        "items": [{"n": "1", "s": "x", "q": "1", "p": "1", "done": "2"}],
    }
    (problem,) = compile_mapping(declaration).apply(record).problems
    # fulfilled + cancelled > ordered: reported at quantity_cancelled, which no path fills.
    assert (problem.field, problem.code) == ("lines[0].quantity_cancelled", "quantity_exceeded")
    assert (problem.source_path, problem.value) == ("items[0]", None)
    mapper = compile_mapping(
        {"target": "Money", "fields": {"amount": "a", "currency": {"const": "USD"}}}
    )
    (problem,) = mapper.apply({"a": 1.5}).problems
    assert (problem.source_path, problem.value, problem.stage) == ("a", 1.5, "validate")


def test_an_invalid_constant_is_reported_with_the_canonical_value():
    mapper = compile_mapping(
        {"target": "Money", "fields": {"amount": "a", "currency": {"const": "EURO"}}}
    )
    (problem,) = mapper.apply({"a": "1"}).problems
    assert (problem.field, problem.source_path, problem.value) == ("currency", "$", "EURO")
