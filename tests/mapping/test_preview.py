"""Notebook views: the side-by-side preview and the coverage report."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_canon.mapping import Coverage, Preview, compile_mapping
from retail_canon.mapping._preview import collapse, source_leaves

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fjordline_market"


def test_preview_text_table(example_mapper, example_samples):
    preview = example_mapper.preview(example_samples[2:4])
    assert isinstance(preview, Preview)
    text = str(preview)
    assert repr(preview) == text
    assert text.startswith("preview of 'fjordline-orders': 2 sample(s)")
    assert "sample 0: ok" in text
    assert "sample 1: REJECTED, 4 problem(s)" in text
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("#  canonical field"))
    assert header.split() == [
        "#",
        "canonical",
        "field",
        "value",
        "←",
        "source",
        "source",
        "value",
        "problem",
    ]
    placed = next(line for line in lines if " placed_at " in line)
    # 02:30 on the night clocks go back in Oslo: the first occurrence, +02:00.
    assert "'2026-10-25T00:30:00+00:00'" in placed
    assert "created | timestamp" in placed
    assert "'2026-10-25 02:30:00'" in placed
    bad = next(
        line for line in lines if "lines[0].unit_price.amount" in line and "1.249,50" in line
    )
    assert "invalid_number" in bad
    missing = next(line for line in lines if line.startswith("1  lines[1].sku"))
    assert "missing_value" in missing


def test_preview_masks_personal_data_unless_asked(example_mapper, example_samples):
    hidden = str(example_mapper.preview(example_samples[0]))
    assert "Kari Nordmann" not in hidden
    assert "kari@example.invalid" not in hidden
    assert "***" in hidden
    shown = str(example_mapper.preview(example_samples[0], show_pii=True))
    assert "'Kari Nordmann'" in shown


def test_preview_html_is_escaped_and_marks_problems(example_mapper, example_samples):
    html = example_mapper.preview(example_samples[3])._repr_html_()
    assert html.startswith("<table><caption>preview of &#x27;fjordline-orders&#x27;")
    assert html.count("<tr") == len(example_mapper.preview(example_samples[3]).rows) + 2
    assert "style='background:#fde2e1'" in html
    assert "&#x27;1.249,50&#x27;" in html
    assert (
        "<script"
        not in compile_mapping({"target": "Money", "fields": {"amount": "a", "currency": "c"}})
        .preview({"a": "<script>", "c": "USD"})
        ._repr_html_()
    )


def test_preview_limits_single_records_and_paths(example_mapper, example_samples):
    assert len(example_mapper.preview(example_samples, limit=2).results) == 2
    assert len(example_mapper.preview(example_samples[0]).results) == 1
    folder = EXAMPLE / "samples"
    assert [r.record for r in example_mapper.preview(folder).results] == example_samples
    assert example_mapper.coverage(str(folder)).samples == 5
    with pytest.raises(TypeError, match="not int"):
        example_mapper.preview(3)


def test_coverage_names_unread_source_and_unfilled_canonical_fields(
    example_mapper, example_samples
):
    coverage = example_mapper.coverage(example_samples)
    assert isinstance(coverage, Coverage)
    assert coverage.samples == 5
    assert coverage.unread_source_fields == ["payment.method", "shop.name"]
    unfilled = coverage.unfilled_canonical_fields
    assert "bill_to" in unfilled
    assert "bill_to.city" not in unfilled
    assert "lines[*].discounts" in unfilled
    assert "customer.tax_id" in unfilled
    assert "customer.email" not in unfilled
    assert "schema_version" not in unfilled
    assert coverage.filled_fields["lines[*].sku"] == 5
    assert coverage.filled_fields["customer.phone"] == 2
    assert coverage.source_fields["items[*].ean"] == 4
    text = str(coverage)
    assert "source fields never read (2):\n  payment.method\n  shop.name" in text
    html = coverage._repr_html_()
    assert "<code>payment.method</code>" in html


def test_coverage_counts_whole_values_and_callables_as_read():
    mapper = compile_mapping(
        {"target": "Address", "fields": {"country": lambda rec: rec["c"], "lines": "street"}}
    )
    coverage = mapper.coverage([{"c": "NO", "street": ["a", "b"], "extra": {"x": 1}}])
    assert coverage.unread_source_fields == []


def test_source_leaves_and_collapse():
    assert source_leaves({"a": [], "b": {}, "c": [1, {"d": None, "e": 0}]}) == {
        "a",
        "b",
        "c[*]",
        "c[*].e",
    }
    leaves = ["a.x", "a.y", "b[*].x", "c"]
    assert collapse(["a.x", "a.y", "c"], leaves) == ["a", "c"]
    assert collapse(["b[*].x"], leaves) == ["b"]
