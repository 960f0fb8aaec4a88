"""The result: rows for dataframes, the notebook view, journal lines, summaries, surface."""

from __future__ import annotations

import doctest
import importlib
import json
import re
import subprocess
import sys
import types
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import retail_canon.settlement as settlement
from retail_canon.models import Money
from retail_canon.settlement import ConservationError, MatchRule, ReasonCode
from settlement.builders import STYLES, Batch

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settlement.md"
HEAVY = ["pint", "babel", "httpx", "dateutil", "duckdb", "numpy", "polars"]


def busy(batch: Batch) -> Batch:
    s = batch.settlement()
    for n in range(3):
        order = batch.style.order_id(n)
        batch.invoice(
            order, s.sale(order, f"{n + 1}0.00", tax="0.73", fee="-9.99" if n == 2 else None)
        )
    s.raw("PRINCIPAL", "5.00", order="<script>alert(1)</script>")
    s.account_fee("39.99")
    s.hold("20.00")
    batch.invoice(batch.style.order_id(7), "12.00", issued=date(2025, 12, 1))
    return batch


def test_rows_have_the_same_keys_and_exact_amounts(vendor: Batch) -> None:
    result = busy(vendor).match()
    rows = result.to_rows()
    assert len(rows) == len(result.matches) + len(result.variances) + len(result.exceptions) + len(
        result.open_items
    )
    assert {tuple(sorted(r)) for r in rows} == {tuple(sorted(rows[0]))}
    assert all(isinstance(r["amount"], Decimal) for r in rows)
    assert {r["record"] for r in rows} == {"match", "variance", "exception", "open_item"}
    deposits = {}
    for r in rows:
        if r["record"] != "open_item":
            deposits[r["settlement_id"]] = deposits.get(r["settlement_id"], 0) + r["amount"]
    assert deposits == {"S1": vendor.records()[0].total.amount}


def test_rows_include_fx_differences() -> None:
    from retail_canon.normalize.money import ExchangeRate

    batch = Batch(STYLES["amazon"])
    batch.settlement(currency="EUR").raw("PRINCIPAL", "10.00", order="A")
    batch.invoice("A", "10.00", currency="EUR", rate=ExchangeRate("EUR", "USD", Decimal("1.10")))
    result = batch.match(
        batch.policy(functional_currency="USD"),
        rates={"S1": ExchangeRate("EUR", "USD", Decimal("1.20"))},
    )
    (fx,) = [r for r in result.to_rows() if r["record"] == "fx"]
    assert (fx["code"], fx["amount"], fx["currency"]) == ("FX_DIFFERENCE", Decimal("1.00"), "USD")


def test_html_view_has_the_chart_and_escapes_keys(vendor: Batch) -> None:
    html = busy(vendor).match()._repr_html_()
    assert html.count("<svg") == 1
    for reason in ("FEE_DRIFT", "ACCOUNT_FEE", "RESERVE_HOLD", "UNMATCHED"):
        assert reason in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "1 open ERP documents" in html


def test_journal_balances_and_books_posted_fees(vendor: Batch) -> None:
    result = busy(vendor).match()
    journal = result.journal_lines
    assert sum((j.amount for j in journal), Money.zero("USD")) == Money.zero("USD")
    clearing = [j for j in journal if "clearing" in j.account]
    assert len(clearing) == 1
    fee_lines = [
        ln
        for r in vendor.records()
        for ln in r.lines
        if ln.amount_type in ("COMMISSION", "FEE", "FULFILLMENT_FEE")
    ]
    posted = sum((ln.amount.amount for ln in fee_lines), Decimal(0))
    booked = sum(
        (
            j.amount.amount
            for j in journal
            if any(w in j.account for w in ("commission", "fees", "disputes"))
        ),
        Decimal(0),
    )
    assert booked == -posted


def test_accounts_can_be_renamed(amazon: Batch) -> None:
    amazon.settlement().account_fee("1.00")
    result = amazon.match(amazon.policy(accounts={"ACCOUNT_FEE": "7000 Seller fees"}))
    assert [j.account for j in result.journal_lines] == [
        "7000 Seller fees",
        "1280 Marketplace clearing",
    ]


def test_summary_counts_every_cent(vendor: Batch) -> None:
    result = busy(vendor).match()
    (summary,) = result.settlements
    assert summary.deposit == summary.matched + summary.variances + summary.exceptions
    assert summary.lines_total == summary.deposit
    by_reason = sum((m for m in summary.by_reason.values()), Money.zero("USD"))
    assert by_reason == summary.variances + summary.exceptions
    assert Decimal(0) < summary.matched_value_pct < Decimal(100)


def test_conservation_check_raises_on_a_broken_ledger(amazon: Batch) -> None:
    amazon.settlement().raw("PRINCIPAL", "1.00", order="A")
    result = amazon.match()
    result._ctx.ledger.entries.pop()
    result.__init__(result._ctx)  # recompute the totals from the damaged ledger
    with pytest.raises(
        ConservationError, match="settlement S1: 0 minor units booked, 100 deposited"
    ):
        result.check_conservation()


def test_repr_names_the_sizes(amazon: Batch) -> None:
    amazon.settlement().raw("PRINCIPAL", "1.00", order="A")
    assert repr(amazon.match()) == "<MatchResult: 1 settlements, 1 lines, 0 documents>"


def test_match_rules_and_reasons_are_stable_strings() -> None:
    assert MatchRule("KEY_SPLIT_SETTLEMENTS") is MatchRule.KEY_SPLIT_SETTLEMENTS
    assert json.dumps([ReasonCode.FEE_DRIFT]) == '["FEE_DRIFT"]'


# -- the public surface ---------------------------------------------------------------------


def test_all_is_sorted_and_complete() -> None:
    assert settlement.__all__ == sorted(settlement.__all__, key=str.casefold)
    public = {
        name
        for name, value in vars(settlement).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in {"annotations"}
    }
    assert set(settlement.__all__) == public
    for name in settlement.__all__:
        value = getattr(settlement, name)
        if isinstance(value, type):
            assert not value.__name__.startswith("_"), name


def test_import_loads_nothing_heavy() -> None:
    code = "import sys, json, retail_canon.settlement\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded = set(json.loads(out))
    assert [m for m in HEAVY if m in loaded] == []
    assert "retail_canon.settlement._engine_np" not in loaded


def test_private_modules_stay_small() -> None:
    package = Path(settlement.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("_*.py")}
    assert sizes
    assert max(sizes.values()) <= 420, sizes


def test_pure_functions_carry_doctests() -> None:
    for name in ("_arith", "_tables", "_residual", "_integrity", "_context"):
        module = importlib.import_module(f"retail_canon.settlement.{name}")
        finder = doctest.DocTestFinder()
        tests = [t for t in finder.find(module) if t.examples]
        assert tests, name
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for test in tests:
            runner.run(test)
        assert runner.summarize(verbose=False).failed == 0, name


# -- the documentation ----------------------------------------------------------------------


def run_markdown_examples(path: Path) -> tuple[doctest.TestResults, dict[str, object]]:
    blocks = re.findall(r"```pycon\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, path
    namespace: dict[str, object] = {}
    test = doctest.DocTestParser().get_doctest(
        "\n".join(blocks), namespace, path.name, str(path), 0
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, clear_globs=False)
    return runner.summarize(verbose=False), test.globs


def test_documentation_examples_run_and_the_html_is_current() -> None:
    results, globs = run_markdown_examples(DOCS)
    assert results.attempted > 30
    assert results.failed == 0
    text = DOCS.read_text(encoding="utf-8")
    shown = text.split("<!-- match-result-html -->\n", 1)[1].split(
        "\n<!-- /match-result-html -->", 1
    )[0]
    assert shown == globs["result"]._repr_html_()  # type: ignore[attr-defined]
