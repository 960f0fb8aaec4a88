"""The notebook view of a `MatchResult`: summary table, variance chart (inline SVG), exceptions."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from retail_canon.settlement._types import ReasonCode

if TYPE_CHECKING:
    from retail_canon.settlement._result import MatchResult

__all__ = ["render", "variance_chart"]

_EXCEPTIONS = frozenset(
    {
        ReasonCode.DUPLICATE,
        ReasonCode.PAYOUT_INTEGRITY,
        ReasonCode.REFUND_MISSING_IN_ERP,
        ReasonCode.REFUND_AMOUNT_MISMATCH,
        ReasonCode.UNCLASSIFIED,
        ReasonCode.UNMATCHED,
    }
)
_STYLE = "border-collapse:collapse;font:12px sans-serif;margin:4px 0"
_CELL = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:{align}"
_SHOWN = 20


def _table(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    def cell(tag: str, i: int, text: str) -> str:
        align = "right" if i in numeric else "left"
        return f'<{tag} style="{_CELL.format(align=align)}">{escape(text)}</{tag}>'

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def variance_chart(amounts: dict[ReasonCode, Decimal], currency: str) -> str:
    """Horizontal bars, one per reason: blue for variances, red for exceptions.

    >>> svg = variance_chart({ReasonCode.FEE_DRIFT: Decimal("-3.10")}, "USD")
    >>> svg.startswith("<svg") and "FEE_DRIFT" in svg and "-3.10 USD" in svg
    True
    """
    items = sorted(amounts.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    width, label, row = 640, 190, 20
    span = (width - label - 110) / 2
    top = max((abs(v) for _, v in items), default=Decimal(0)) or Decimal(1)
    middle = label + span
    height = row * len(items) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="variances and exceptions by reason, {escape(currency)}" '
        'style="font:11px sans-serif">',
        f'<text x="0" y="12" font-weight="bold">Variances and exceptions by reason '
        f"({escape(currency)})</text>",
        f'<line x1="{middle:.1f}" y1="16" x2="{middle:.1f}" y2="{height}" stroke="#999"/>',
    ]
    for i, (reason, value) in enumerate(items):
        y = 20 + i * row
        size = max(float(abs(value) / top) * span, 1.0)  # a hairline for tiny amounts
        x = middle if value >= 0 else middle - size
        colour = "#c0392b" if reason in _EXCEPTIONS else "#2e86c1"
        parts.append(f'<text x="0" y="{y + 13}">{escape(reason.value)}</text>')
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 3}" width="{size:.1f}" height="{row - 6}" '
            f'fill="{colour}"><title>{escape(reason.value)}: {value} {escape(currency)}'
            "</title></rect>"
        )
        parts.append(f'<text x="{width - 105}" y="{y + 13}">{value} {escape(currency)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render(result: MatchResult) -> str:
    """The whole HTML view."""
    summaries = result.settlements
    rows = [
        [
            s.settlement_id,
            s.deposit.currency,
            str(s.deposit.amount),
            str(s.matched.amount),
            str(s.variances.amount),
            str(s.exceptions.amount),
            f"{s.matched_value_pct} %",
            "ok" if s.integrity_ok else "; ".join(s.notes),
        ]
        for s in summaries
    ]
    header = [
        "settlement",
        "currency",
        "deposit",
        "matched",
        "variances",
        "exceptions",
        "matched value",
        "integrity",
    ]
    html = [
        '<div class="retail-canon-match-result">',
        f"<strong>{escape(repr(result))}</strong>",
        _table(header, rows, {2, 3, 4, 5, 6}),
    ]
    by_currency: dict[str, dict[ReasonCode, Decimal]] = {}
    for s in summaries:
        reasons = by_currency.setdefault(s.deposit.currency, {})
        for reason, money in s.by_reason.items():
            reasons[reason] = reasons.get(reason, Decimal(0)) + money.amount
    for currency in sorted(by_currency):
        if by_currency[currency]:
            html.append(variance_chart(by_currency[currency], currency))
    exceptions = result.exceptions
    if exceptions:
        shown = min(len(exceptions), _SHOWN)
        html.append(f"<p><strong>{len(exceptions)} exceptions</strong> (first {shown})</p>")
        html.append(
            _table(
                ["settlement", "reason", "key", "amount", "detail"],
                [
                    [
                        e.settlement_id,
                        e.reason.value,
                        e.key or "",
                        f"{e.amount.amount} {e.amount.currency}",
                        e.detail,
                    ]
                    for e in exceptions[:_SHOWN]
                ],
                {3},
            )
        )
    open_items = result.open_items
    if open_items:
        counts: dict[str, int] = {}
        for item in open_items:
            counts[item.reason.value] = counts.get(item.reason.value, 0) + 1
        html.append(f"<p><strong>{len(open_items)} open ERP documents</strong></p>")
        html.append(
            _table(["reason", "documents"], [[r, str(n)] for r, n in sorted(counts.items())], {1})
        )
    html.append("</div>")
    return "".join(html)
