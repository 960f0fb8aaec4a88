"""Source paths: the syntax, formatting back to text, and reading values."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon.mapping import InvalidSourcePath, SourceShapeError, read_path
from retail_canon.mapping._paths import STAR, format_steps, generalize, join, parse_path

RECORD = {
    "OrderTotal": {"Amount": "9.50"},
    "Items": [{"Sku": "A", "Codes": ["1", "2"]}, {"Sku": None}, {"Sku": "C", "Codes": []}],
    "Order No.": "77",
    "@id": "x-1",
    "blank": "",
    "text": "abc",
}


@pytest.mark.parametrize(
    ("text", "absolute", "steps"),
    [
        ("a", False, ("a",)),
        ("a.b", False, ("a", "b")),
        ("Items[0].Sku", False, ("Items", 0, "Sku")),
        ("Items[-1]", False, ("Items", -1)),
        ("Items[*].Sku", False, ("Items", STAR, "Sku")),
        ("$", True, ()),
        ("@", False, ()),
        ("$.currency", True, ("currency",)),
        ("@.x", False, ("x",)),
        ('["Order No."]', False, ("Order No.",)),
        ("$['a.b'].c", True, ("a.b", "c")),
        ("@id", False, ("@id",)),
        ("x.@id", False, ("x", "@id")),
        ("$x", False, ("$x",)),
        ("Order Id", False, ("Order Id",)),
    ],
)
def test_parse(text, absolute, steps):
    path = parse_path(text)
    assert (path.absolute, path.steps) == (absolute, steps)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty path"),
        ("a..b", "expected a key at position 2"),
        ("a.", "expected a key"),
        (".a", "expected a key at position 0"),
        ("a[", "unclosed '['"),
        ("a[x]", "[x] is not an index"),
        ("a['x]", "unclosed quoted key"),
        ("$.", "nothing after the root"),
        ("a]", "expected '.' or '['"),
        ("a b.", "expected a key"),
    ],
)
def test_parse_refuses_bad_paths(text, message):
    with pytest.raises(InvalidSourcePath, match=re.escape(message)) as caught:
        parse_path(text)
    assert caught.value.code == "invalid_source_path"


def test_parse_refuses_non_text():
    with pytest.raises(InvalidSourcePath, match="must be a string"):
        parse_path(3)


_KEYS = st.text(min_size=0, max_size=6)
_STEPS = st.lists(st.one_of(_KEYS, st.integers(-3, 12), st.just(STAR)), min_size=1, max_size=5)


@given(_STEPS)
def test_formatted_steps_parse_back_to_the_same_steps(steps):
    text = format_steps(steps)
    assert parse_path(text).steps == tuple(steps)
    assert parse_path(text).suffix == text


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("OrderTotal.Amount", "9.50"),
        ("Items[0].Sku", "A"),
        ("Items[-1].Sku", "C"),
        ("Items[*].Sku", ["A", "C"]),
        ("Items[*].Codes", [["1", "2"], []]),
        ("Items[*].Codes[*]", [["1", "2"], []]),
        ('["Order No."]', "77"),
        ("@id", "x-1"),
        ("Items[7].Sku", None),
        ("Missing.Deeper", None),
        ("Items[1].Sku.More", None),
        ("blank", ""),
        ("blank.more", None),
        ("$.OrderTotal.Amount", "9.50"),
    ],
)
def test_read(path, expected):
    assert read_path(RECORD, path) == expected


def test_read_whole_record():
    assert read_path(RECORD, "$") is RECORD
    assert read_path(RECORD, "@") is RECORD


@pytest.mark.parametrize(
    ("path", "where", "expected", "found"),
    [
        ("text.more", "text", "an object", "str"),
        ("Items.Sku", "Items", "an object", "list"),
        ("OrderTotal[0]", "OrderTotal", "a list", "dict"),
        ("text[*]", "text", "a list", "str"),
        ("Items[0].Sku.x", "Items[0].Sku", "an object", "str"),
        ("Items[*].Sku.x", "Items[0].Sku", "an object", "str"),
    ],
)
def test_read_reports_the_wrong_shape_where_it_is(path, where, expected, found):
    with pytest.raises(SourceShapeError) as caught:
        read_path(RECORD, path)
    assert caught.value.path == where
    assert caught.value.expected == expected
    assert type(caught.value.value).__name__ == found
    assert read_path(RECORD, where) is caught.value.value
    assert caught.value.code == "unexpected_shape"


def test_join_and_generalize():
    assert join("Items[2]", "Sku") == "Items[2].Sku"
    assert join("Items[2]", "[0]") == "Items[2][0]"
    assert join("$", "a") == "a"
    assert generalize("a[10].b[-1][*]") == "a[*].b[*][*]"
