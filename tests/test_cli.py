"""The `retail-canon` command: demo, validate, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from retail_canon._demo import SAMPLE_ORDER, order_from_sample
from retail_canon.cli import main


@pytest.fixture
def order_json():
    return order_from_sample(SAMPLE_ORDER).model_dump_json()


def test_demo_round_trip(capsys):
    assert main(["demo", "--round-trip"]) == 0
    out = capsys.readouterr().out
    assert "read back from JSON: identical" in out
    assert "refused: SalesOrder: cannot go from 'FULFILLED' to 'PENDING'" in out
    assert "avery@example.invalid" not in out
    assert "MUG-BLUE-12OZ: 3 × 12.99 USD = 38.97" in out


def test_demo_runs_the_retailer_and_writes_the_report(tmp_path, capsys):
    report = tmp_path / "out" / "demo.html"
    args = ["demo", "--orders", "4", "--seed", "5", "--workdir", str(tmp_path), "--no-progress"]
    assert main([*args, "--report", str(report)]) == 0
    captured = capsys.readouterr()
    assert "12 orders in = 11 posted + 1 exception(s)" in captured.out
    assert "every cent of 3 settlements accounted for: yes" in captured.out
    assert f"Report: {report}" in captured.out
    assert report.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert captured.err == ""  # --no-progress


def test_demo_with_tryton_needs_its_url(capsys):
    assert main(["demo", "--erp", "tryton"]) == 2
    assert "--erp-url" in capsys.readouterr().err


def test_console_script_entry_point_runs(tmp_path):
    options = ["--orders", "3", "--workdir", str(tmp_path), "--no-progress"]
    result = subprocess.run(
        [sys.executable, "-m", "retail_canon.cli", "demo", *options],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Checks: 9 orders in" in result.stdout


def test_validate_accepts_a_good_jsonl_file(tmp_path, order_json, capsys):
    path = tmp_path / "orders.jsonl"
    path.write_text(order_json + "\n" + order_json + "\n", "utf-8")
    assert main(["validate", "sales-order", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "2 record(s), 0 bad" in captured.err


def test_validate_reports_every_bad_record_with_line_and_path(tmp_path, order_json, capsys):
    good = json.loads(order_json)
    float_money = json.loads(order_json)
    float_money["lines"][0]["unit_price"]["amount"] = 12.99
    naive = dict(good, placed_at="2026-11-20T17:04:11")
    extra = dict(good, surprise=True)
    negative = json.loads(order_json)
    negative["lines"][0]["quantity"]["value"] = "-1"
    records = [good, naive, extra, negative]
    path = tmp_path / "orders.jsonl"
    path.write_text(
        "\n".join(json.dumps(r) for r in records) + "\n{not json\n" + json.dumps(float_money),
        "utf-8",
    )
    assert main(["validate", "SalesOrder", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    label = "[order_id=amazon-113-0000000-0000001]"
    assert f"{path}:2 {label}: placed_at: Input should have timezone info" in out
    assert f"{path}:3 {label}: surprise: Extra inputs are not permitted" in out
    assert any(line.startswith(f"{path}:4 {label}: lines.0.quantity:") for line in out)
    assert any(line.startswith(f"{path}:5: invalid JSON") for line in out)
    # A JSON number is read exactly, so 12.99 is valid money; the record is fine.
    assert not any(line.startswith(f"{path}:6") for line in out)
    assert len(out) == 4


def test_validate_json_array_reports_element_lines(tmp_path, order_json, capsys):
    bad = json.loads(order_json)
    bad["currency"] = "XYZ"
    text = "[\n" + order_json + ",\n" + json.dumps(bad) + "\n]\n"
    path = tmp_path / "orders.json"
    path.write_text(text, "utf-8")
    assert main(["validate", "sales-order", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:3 [order_id=amazon-113-0000000-0000001]: currency:" in out
    assert "not an active ISO 4217 currency code" in out


def test_validate_single_object_file(tmp_path, order_json):
    path = tmp_path / "order.json"
    path.write_text(order_json, "utf-8")
    assert main(["validate", "sales-order", str(path)]) == 0


def test_validate_usage_errors(tmp_path, capsys):
    assert main(["validate", "no-such-kind", str(tmp_path)]) == 2
    assert "unknown kind 'no-such-kind'" in capsys.readouterr().err
    assert main(["validate", "product", str(tmp_path / "missing.json")]) == 2
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_demo_needs_at_least_one_order_per_channel(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--orders", "0"])
    assert exit_.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err
