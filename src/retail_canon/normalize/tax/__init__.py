"""Tax: inclusive and exclusive prices, rounding strategies, and checks of reported tax.

Tax rules disagree on *where* tax is rounded, so every computation names a `TaxPolicy`:
a `RoundingStrategy` and a `decimal` rounding mode (``ROUND_HALF_UP`` by default).

- ``LINE``: each line's tax is rounded once (US per item, SSUTA §324: the state and
  local taxes of an item together);
- ``DOCUMENT``: the document's tax is rounded once (US per invoice);
- ``PER_RATE``: rounded once per tax rate per document (EU EN 16931 BR-CO-17; Japan's
  qualified invoices, 8 % and 10 % separately).

`compute_tax` returns per-line `TaxLine` objects whose amounts add up to the document tax
under the chosen strategy: a document-level rounding residue is pushed back onto lines by
largest remainder. `tax_inclusive` and `tax_exclusive` convert one price. The liability
(seller or marketplace facilitator) comes from the input and is never guessed.

`check_order_tax` never rewrites what a source reported: it compares and returns typed
`TaxDiscrepancy` results.

>>> from decimal import Decimal
>>> from retail_canon.models import Money
>>> state = TaxRate(Decimal("0.0825"), jurisdiction="US-TX")
>>> lines = [TaxableLine(Money(amount="1.00", currency="USD"), (state,))] * 3
>>> compute_tax(lines, TaxPolicy(RoundingStrategy.LINE)).total.amount
Decimal('0.24')
>>> per_invoice = compute_tax(lines, TaxPolicy(RoundingStrategy.DOCUMENT))
>>> per_invoice.total.amount, [line.tax.amount for line in per_invoice.lines]
(Decimal('0.25'), [Decimal('0.09'), Decimal('0.08'), Decimal('0.08')])
>>> tax_exclusive(Money(amount="1100", currency="JPY"), Decimal("0.10"))
Money(amount=Decimal('1000'), currency='JPY')
"""

from __future__ import annotations

from retail_canon.normalize.tax._check import TaxDiscrepancy, check_order_tax
from retail_canon.normalize.tax._compute import (
    LineTax,
    TaxableLine,
    TaxComputation,
    compute_tax,
    spread_tax_line,
    tax_exclusive,
    tax_inclusive,
)
from retail_canon.normalize.tax._policy import RoundingStrategy, TaxPolicy, TaxRate

__all__ = [
    "check_order_tax",
    "compute_tax",
    "LineTax",
    "RoundingStrategy",
    "spread_tax_line",
    "tax_exclusive",
    "tax_inclusive",
    "TaxableLine",
    "TaxComputation",
    "TaxDiscrepancy",
    "TaxPolicy",
    "TaxRate",
]
