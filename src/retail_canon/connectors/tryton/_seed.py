"""Seed a fresh Tryton 8.2 database (``sale`` and its dependencies) for the contract tests.

Run by the sandbox (``_sandbox.py``) with the sandbox's Python, never imported: company, minimal
chart of accounts, fiscal year with periods and invoice sequences, payment term, product
accounting category. Follows docs ``erp.md`` §1.2 (proteus in-process, no server).

usage: TRYTOND_CONFIG=trytond.conf python _seed.py DATABASE
"""

from __future__ import annotations

import datetime
import os
import sys
from decimal import Decimal
from typing import Any


def main(db: str) -> None:
    """Seed ``db``."""
    from proteus import Model, Wizard  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from proteus import config as pconfig

    cfg: Any = pconfig.set_trytond(database=db, config_file=os.environ.get("TRYTOND_CONFIG"))
    party_model = Model.get("party.party")
    currency_model = Model.get("currency.currency")
    rate_model = Model.get("currency.currency.rate")
    user_model = Model.get("res.user")

    usd = currency_model(name="U.S. Dollar", symbol="$", code="USD", rounding=Decimal("0.01"))
    usd.save()
    rate_model(date=datetime.date(2000, 1, 1), rate=Decimal(1), currency=usd).save()
    wiz = Wizard("company.company.config")
    wiz.execute("company")
    company_party = party_model(name="Sandbox Retail Co")
    company_party.save()
    wiz.form.party = company_party
    wiz.form.currency = usd
    wiz.execute("add")
    cfg._context = user_model.get_preferences(True, {})
    (company,) = Model.get("company.company").find()

    model_data = Model.get("ir.model.data")
    template_model = Model.get("account.account.template")
    account_model = Model.get("account.account")
    chart = Wizard("account.create_chart")
    chart.execute("account")
    chart.form.account_template = template_model(
        model_data.get_id("account.account_template_root_en", cfg.context)
    )
    chart.form.company = company
    chart.execute("create_account")

    def account(kind: str) -> Any:
        return account_model.find(
            [(f"type.{kind}", "=", True), ("company", "=", company.id), ("closed", "!=", True)],
            limit=1,
        )[0]

    revenue, expense = account("revenue"), account("expense")
    chart.form.account_receivable = account("receivable")
    chart.form.account_payable = account("payable")
    chart.form.category_account_revenue = revenue
    chart.form.category_account_expense = expense
    chart.execute("create_properties")

    strict = Model.get("ir.sequence.strict")
    seq_type = Model.get("ir.sequence.type")
    today = datetime.date.today()
    fy = Model.get("account.fiscalyear")(
        name=f"FY{today.year}",
        company=company,
        start_date=datetime.date(today.year - 1, 1, 1),
        end_date=datetime.date(today.year + 1, 12, 31),
    )
    (move_type,) = seq_type.find([("name", "=", "Account Move")], limit=1)
    fy.move_sequence = strict(name="Moves", sequence_type=move_type, company=company)
    fy.move_sequence.save()
    (inv_type,) = seq_type.find([("name", "=", "Invoice")], limit=1)
    inv_seq = strict(name="Invoices", sequence_type=inv_type, company=company)
    inv_seq.save()
    (seq,) = fy.invoice_sequences
    seq.out_invoice_sequence = seq.in_invoice_sequence = inv_seq
    seq.out_credit_note_sequence = seq.in_credit_note_sequence = inv_seq
    fy.save()
    fy.click("create_period")

    term = Model.get("account.invoice.payment_term")(name="Direct")
    term.lines.new(type="remainder")
    term.save()
    Model.get("product.category")(
        name="Goods", accounting=True, account_revenue=revenue, account_expense=expense
    ).save()


if __name__ == "__main__":
    main(sys.argv[1])
