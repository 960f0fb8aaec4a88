"""The demo's HTML report, with bar charts drawn as inline SVG.

KPIs, ATS per channel, sourcing splits, settlement variance by reason and the exception
queue, in one self-contained file: no script, no stylesheet or font from the network.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["ReportData", "bar_chart", "render_report"]

_BLUE, _RED, _GREY = "#2e86c1", "#c0392b", "#999"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, Decimal | int | float]],
    *,
    unit: str = "",
    width: int = 640,
    negative_color: str = _BLUE,
    positive_color: str = _BLUE,
) -> str:
    """A horizontal bar chart as an inline ``<svg>``; negative values extend to the left.

    >>> svg = bar_chart("Units", [("amazon", 3), ("walmart", -1)])
    >>> svg.startswith("<svg") and svg.count("<rect") == 2
    True
    """
    row, label_w, value_w = 20, 170, 120
    height = 24 + row * max(1, len(bars))
    plot = width - label_w - value_w
    values = [Decimal(str(v)) for _, v in bars]
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    span = (high - low) or Decimal(1)
    zero = label_w + float((-low) / span) * plot
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(title)}" style="font:11px sans-serif">',
        f'<text x="0" y="12" font-weight="bold">{_e(title)}</text>',
        f'<line x1="{zero:.1f}" y1="16" x2="{zero:.1f}" y2="{height}" stroke="{_GREY}"/>',
    ]
    for i, ((label, _), value) in enumerate(zip(bars, values, strict=True)):
        y = 20 + i * row
        size = max(1.0, float(abs(value) / span) * plot) if value else 0.0
        x = zero - size if value < 0 else zero
        color = negative_color if value < 0 else positive_color
        text = f"{value:,} {unit}".strip()
        out.append(f'<text x="0" y="{y + 11}">{_e(label)}</text>')
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{size:.1f}" height="14" fill="{color}">'
            f"<title>{_e(label)}: {_e(text)}</title></rect>"
        )
        out.append(f'<text x="{width - value_w + 8}" y="{y + 11}">{_e(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: set[int]) -> str:
    cell = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:{}"
    head = "".join(
        f'<th style="{cell.format("right" if i in numeric else "left")}">{_e(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="{cell.format("right" if i in numeric else "left")}">{_e(v)}</td>'
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        '<table style="border-collapse:collapse;font:12px sans-serif;margin:4px 0">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


@dataclass
class ReportData:
    """What the report shows (strings and numbers only: the demo formats money)."""

    title: str
    subtitle: str
    kpis: Sequence[tuple[str, str]]
    ats: Mapping[str, int]
    """Units published per channel."""
    ats_top: Sequence[tuple[str, Mapping[str, int]]]
    """The SKUs with the most units: (SKU, units per channel)."""
    splits: Mapping[str, int]
    """Orders by where they shipped from (``warehouse``, ``store``, ``warehouse + store``)."""
    split_examples: Sequence[tuple[str, str, str]]
    """(order, nodes, packages and cost) of the split orders."""
    settlements: Sequence[Sequence[object]]
    """(channel, settlement, source, deposit, matched, variances, exceptions, check)."""
    variance_by_reason: Mapping[str, Decimal]
    exceptions: Sequence[Sequence[object]]
    """(id, reason, status, attempts, order, message)."""
    checks: Sequence[str] = field(default_factory=list)
    trace_title: str = ""
    trace: Sequence[Sequence[object]] = field(default_factory=list)
    """One order's audit trail: (time, step, status, detail)."""


def render_report(data: ReportData) -> str:
    """The whole report as one HTML document."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(data.title)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "</head>",
        '<body style="font:14px sans-serif;max-width:960px;margin:24px auto;color:#222">',
        f"<h1>{_e(data.title)}</h1><p>{_e(data.subtitle)}</p>",
        "<h2>KPIs</h2>",
        _table(["KPI", "value"], list(data.kpis), set()),
        "<h2>Available to sell, published per channel</h2>",
        bar_chart("Units published per channel", sorted(data.ats.items()), unit="units"),
        _table(
            ["SKU", *sorted(data.ats)],
            [[sku, *(units.get(c, 0) for c in sorted(data.ats))] for sku, units in data.ats_top],
            set(range(1, len(data.ats) + 1)),
        ),
        "<h2>Sourcing splits</h2>",
        bar_chart("Orders by where they shipped from", sorted(data.splits.items()), unit="orders"),
        _table(["order", "nodes", "packages, cost"], list(data.split_examples), set()),
        *(
            [
                f"<h3>{_e(data.trace_title)}</h3>",
                _table(["time", "step", "status", "detail"], list(data.trace), set()),
            ]
            if data.trace
            else []
        ),
        "<h2>Settlements</h2>",
        _table(
            [
                "channel",
                "settlement",
                "source",
                "deposit",
                "matched",
                "variances",
                "exceptions",
                "every cent",
            ],
            list(data.settlements),
            {3, 4, 5, 6},
        ),
        bar_chart(
            "Settlement variance by reason (USD)",
            sorted(data.variance_by_reason.items(), key=lambda kv: (kv[1], kv[0])),
            unit="USD",
            negative_color=_BLUE,
            positive_color=_RED,
        ),
        "<h2>Exception queue</h2>",
        _table(
            ["#", "reason", "status", "attempts", "order", "message"], list(data.exceptions), {0, 3}
        ),
    ]
    if data.checks:
        parts.append("<h2>Checks</h2><ul>")
        parts.extend(f"<li>{_e(check)}</li>" for check in data.checks)
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
