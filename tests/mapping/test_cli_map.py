"""``retail-canon map SPEC FILE``: JSON, JSONL and CSV in, canonical JSONL out, rejects aside."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retail_canon.cli import main
from retail_canon.mapping import _cli
from retail_canon.models import SalesOrder

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fjordline_market"
SPEC = EXAMPLE / "mapping.json"


@pytest.fixture
def orders(tmp_path):
    path = tmp_path / "orders.jsonl"
    shutil.copy(EXAMPLE / "orders.jsonl", path)
    return path


def test_jsonl_in_canonical_jsonl_out_rejects_beside_the_output(tmp_path, orders, capsys):
    out = tmp_path / "out" / "canonical.jsonl"
    out.parent.mkdir()
    assert main(["map", str(SPEC), str(orders), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    rejects = out.with_name("canonical.rejects.jsonl")
    assert f"{orders}: 5 record(s), 4 mapped, 1 rejected → {rejects}" in err
    mapped = [SalesOrder.model_validate_json(line) for line in out.read_text().splitlines()]
    assert [o.order_number for o in mapped] == [
        "FJM-2026-000123",
        "FJM-2026-000124",
        "FJM-2026-000125",
        "FJM-2026-000127",
    ]
    (reject,) = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert reject["line"] == 4
    assert reject["record"]["orderRef"] == "FJM-2026-000126"
    assert [p["code"] for p in reject["problems"]] == [
        "invalid_checksum",
        "unknown_value",
        "invalid_number",
        "missing_value",
    ]
    assert reject["problems"][2]["source_path"] == "items[0].unitPrice"


def test_stdout_output_and_default_rejects_beside_the_input(tmp_path, orders, capsys):
    good = tmp_path / "good.jsonl"
    good.write_text("".join(orders.read_text().splitlines(keepends=True)[:2]))
    assert main(["map", str(SPEC), str(good)]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert json.loads(captured.out.splitlines()[0])["order_id"] == "fjordline-FJM-2026-000123"
    rejects = tmp_path / "good.rejects.jsonl"
    assert rejects.read_text() == ""  # written (emptied) every run: never a stale file
    assert "2 record(s), 2 mapped, 0 rejected" in captured.err


def test_json_array_and_invalid_lines(tmp_path, capsys):
    records = [json.loads(line) for line in (EXAMPLE / "orders.jsonl").read_text().splitlines()]
    array = tmp_path / "orders.json"
    array.write_text(json.dumps(records[:2], indent=1))
    rejects = tmp_path / "bad.jsonl"
    assert main(["map", str(SPEC), str(array), "--rejects", str(rejects)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(records[0]) + "\n{nope\n")
    assert main(["map", str(SPEC), str(broken), "--rejects", str(rejects)]) == 1
    (reject,) = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert reject["line"] == 2
    assert reject["error"].startswith("invalid JSON")


def test_csv_rows(tmp_path, capsys):
    spec = tmp_path / "refs.json"
    spec.write_text(
        json.dumps(
            {
                "target": "ExternalRef",
                "fields": {
                    "system": {"const": "pos"},
                    "scheme": {"const": "gtin"},
                    "value": {"path": "Bar code", "transform": "gtin14"},
                    "scope": "Store",
                },
            }
        )
    )
    rows = tmp_path / "items.csv"
    rows.write_text("Bar code,Store\n4006381333931,S1\n4006381333932,\n036000291452,S2\n")
    assert main(["map", str(spec), str(rows)]) == 1
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["value"], r["scope"]) for r in out] == [
        ("04006381333931", "S1"),
        ("00036000291452", "S2"),
    ]
    (reject,) = [
        json.loads(line) for line in (tmp_path / "items.rejects.jsonl").read_text().splitlines()
    ]
    assert reject["line"] == 3
    assert reject["problems"][0]["source_path"] == "Bar code"
    assert reject["problems"][0]["code"] == "invalid_checksum"


def test_progress_bar_on_request(orders, tmp_path, capsys):
    assert main(["map", str(SPEC), str(orders), "-o", str(tmp_path / "o.jsonl"), "--progress"]) == 1
    err = capsys.readouterr().err
    assert "\rorders.jsonl [" in err
    assert "##############################] 100% 5 record(s)\n" in err


def test_no_progress_bar_for_small_files_or_when_refused(orders, tmp_path, capsys):
    assert main(["map", str(SPEC), str(orders), "-o", str(tmp_path / "o.jsonl")]) == 1
    assert "[" not in capsys.readouterr().err
    assert (
        main(["map", str(SPEC), str(orders), "-o", str(tmp_path / "o.jsonl"), "--no-progress"]) == 1
    )
    assert "%" not in capsys.readouterr().err


def test_progress_bar_redraws_at_most_ten_times_a_second():
    stream = io.StringIO()
    bar = _cli.ProgressBar(stream, "f")
    for done in range(1, 1000):
        bar(done, 1000)
    bar(1000, 1000)
    bar.close()
    drawn = stream.getvalue().count("\r")
    assert 2 <= drawn < 20
    assert stream.getvalue().endswith("100% 0 record(s)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.json", "FILE"], "no such declaration file: nope.json"),
        (["SPEC", "nope.jsonl"], "no such file: nope.jsonl"),
        (["SPEC", "ORDERS_TXT"], "expected a .json, .jsonl, .csv file"),
        (["BAD_SPEC", "FILE"], "1 problem(s) in the declaration"),
    ],
)
def test_usage_errors_exit_2(tmp_path, orders, capsys, args, message):
    bad = tmp_path / "bad.json"
    bad.write_text('{"target": "SalesOrdr", "fields": {}}')
    text = tmp_path / "orders.txt"
    text.write_text("x")
    names = {"SPEC": str(SPEC), "FILE": str(orders), "ORDERS_TXT": str(text), "BAD_SPEC": str(bad)}
    assert main(["map", *[names.get(a, a) for a in args]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("retail-canon map: ")
    assert message in err


def test_console_script_runs_map(orders, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "retail_canon.cli",
            "map",
            str(SPEC),
            str(orders),
            "-o",
            str(tmp_path / "o.jsonl"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "4 mapped, 1 rejected" in result.stderr


def test_help_lists_map(capsys):
    with pytest.raises(SystemExit):
        main(["map", "--help"])
    out = capsys.readouterr().out
    assert "SPEC" in out
    assert "--rejects" in out
    assert "--progress, --no-progress" in out
