"""Declarations from JSON, YAML and Python files; records from JSON, JSONL and CSV files."""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal

import pytest

from retail_canon.mapping import Mapper, MappingSpecError, load_mapping, load_samples
from retail_canon.mapping._load import read_records

MONEY = {"target": "Money", "fields": {"amount": "a", "currency": {"const": "EUR"}}}


def test_json_declaration_keeps_decimal_constants(tmp_path):
    path = tmp_path / "totals.json"
    path.write_text('{"target": "Money", "fields": {"amount": {"const": 19.99}, "currency": "c"}}')
    mapper = load_mapping(path)
    assert mapper.name == "totals"
    assert mapper.map({"c": "USD"}).amount == Decimal("19.99")


def test_yaml_declaration_reads_floats_as_decimals(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "money.yaml"
    path.write_text(
        "target: Money\n"
        "fields:\n"
        "  amount: {const: 0.1}\n"
        "  currency:\n"
        "    path: cur\n"
        "    transform: [strip, upper]\n"
    )
    money = load_mapping(path).map({"cur": " usd"})
    assert money.amount == Decimal("0.1")
    assert money.currency == "USD"


def test_yaml_errors_are_spec_errors(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "bad.yml"
    path.write_text("target: [Money\n")
    with pytest.raises(MappingSpecError, match="not valid YAML"):
        load_mapping(path)


def test_yaml_without_pyyaml_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ImportError
    path = tmp_path / "m.yaml"
    path.write_text("target: Money\n")
    with pytest.raises(MappingSpecError, match="PyYAML is not installed"):
        load_mapping(path)


def test_python_declaration_with_its_transforms(tmp_path):
    path = tmp_path / "spec.py"
    path.write_text(
        "from decimal import Decimal\n"
        "MAPPING = {'target': 'Money', 'fields': {"
        "'amount': {'path': 'a', 'transform': 'cents'}, 'currency': {'const': 'EUR'}}}\n"
        "TRANSFORMS = {'cents': lambda v: Decimal(v) / 100}\n"
    )
    assert load_mapping(path).map({"a": 250}).amount == Decimal("2.5")


def test_python_file_may_hold_a_compiled_mapper(tmp_path):
    path = tmp_path / "spec.py"
    path.write_text(
        "from retail_canon.mapping import compile_mapping\n"
        f"MAPPING = compile_mapping({MONEY!r}, name='ready')\n"
    )
    mapper = load_mapping(path)
    assert isinstance(mapper, Mapper)
    assert mapper.name == "ready"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", "{not json", "not valid JSON: Expecting property name"),
        ("spec.py", "X = 1\n", "defines no MAPPING"),
        ("spec.toml", "", "unknown declaration type '.toml'"),
        ("wrong.json", '{"target": "Money", "fields": {"amount": "a"}}', "currency is required"),
    ],
)
def test_load_errors(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(MappingSpecError, match=message):
        load_mapping(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_mapping(tmp_path / "nope.json")


def test_read_records_of_each_format(tmp_path):
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text('{"a": 1.10}\n\n{oops\n{"a": 2}\n')
    assert list(read_records(jsonl)) == [
        (1, {"a": Decimal("1.10")}, None),
        (3, None, "invalid JSON: Expecting property name enclosed in double quotes (column 2)"),
        (4, {"a": 2}, None),
    ]
    array = tmp_path / "r.json"
    array.write_text('[\n {"a": 1},\n {"a": 2}\n]')
    assert [(line, rec) for line, rec, _ in read_records(array)] == [
        (
            2,
            {"a": 1},
        ),
        (3, {"a": 2}),
    ]
    single = tmp_path / "one.json"
    single.write_text('{"a": 1}')
    assert list(read_records(single)) == [(1, {"a": 1}, None)]
    csv = tmp_path / "r.csv"
    csv.write_text('\ufeffsku,qty\nA,1\n"B,2",\n', "utf-8")
    assert list(read_records(csv)) == [
        (2, {"sku": "A", "qty": "1"}, None),
        (3, {"sku": "B,2", "qty": ""}, None),
    ]
    with pytest.raises(ValueError, match=re.escape("unknown record file type '.xml'")):
        list(read_records(tmp_path / "r.xml"))


def test_read_records_reports_progress(tmp_path):
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text("".join(json.dumps({"n": i}) + "\n" for i in range(3)))
    seen = []
    list(read_records(jsonl, lambda done, total: seen.append((done, total))))
    size = jsonl.stat().st_size
    assert seen[-1] == (size, size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    array = tmp_path / "r.json"
    array.write_text("[1, 2]")
    seen.clear()
    list(read_records(array, lambda done, total: seen.append((done, total))))
    assert seen == [(1, 2), (2, 2)]


def test_load_samples_from_a_directory_or_a_file(tmp_path):
    (tmp_path / "b.json").write_text('{"n": 2}')
    (tmp_path / "a.json").write_text('{"n": 1}')
    (tmp_path / "notes.txt").write_text("ignored")
    assert load_samples(tmp_path) == [{"n": 1}, {"n": 2}]
    assert load_samples(tmp_path / "b.json") == [{"n": 2}]
    (tmp_path / "c.json").write_text("{broken")
    with pytest.raises(ValueError, match=re.escape("c.json:1: invalid JSON")):
        load_samples(tmp_path)
