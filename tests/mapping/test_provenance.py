"""Per-field provenance: where each canonical value came from, computed on demand."""

from __future__ import annotations

from retail_canon.mapping import FieldProvenance, compile_mapping

DECLARATION = {
    "target": "Address",
    "fields": {
        "country": {"path": "cc", "transform": ["strip", "upper"]},
        "city": {"path": "town", "default": "Oslo"},
        "company": {"const": "Fjordline"},
        "lines": {"paths": ["street", "floor"]},
        "name": "who",
    },
}


def test_provenance_of_each_origin(example_mapper, example_samples):
    mapper = compile_mapping(DECLARATION)
    result = mapper.apply({"cc": " no ", "street": "Storgata 1", "floor": None, "who": "Kari"})
    prov = result.provenance
    assert list(prov) == ["country", "city", "company", "lines", "name"]
    assert prov["country"] == FieldProvenance(
        "country", ("cc",), (" no ",), "NO", "path", ("strip", "upper"), False
    )
    assert str(prov["country"]) == "country ← cc | strip | upper"
    assert prov["city"].origin == "default"
    assert prov["city"].sources == ("town",)
    assert str(prov["city"]) == "city ← default 'Oslo' (town absent)"
    assert str(prov["company"]) == "company ← const 'Fjordline'"
    assert prov["lines"].sources == ("street",)
    assert prov["lines"].source_values == ("Storgata 1",)
    assert prov["name"].pii
    assert "name ← who" in result.explain()


def test_issue_example_reads_as_promised(example_mapper, example_samples):
    prov = example_mapper.apply(example_samples[0]).provenance
    assert str(prov["totals.grand_total.amount"]) == (
        "totals.grand_total.amount ← totals.grand | locale_decimal('nb_NO')"
    )
    assert prov["lines[1].unit_price.amount"].sources == ("items[1].unitPrice",)
    assert prov["lines[0].unit_price.currency"].sources == ("currency",)


def test_absent_objects_leave_no_provenance(example_mapper, example_samples):
    # The second line has no EAN: its item_refs object (two constants and the EAN) is absent.
    prov = example_mapper.apply(example_samples[0]).provenance
    assert "lines[0].item_refs[0].system" in prov
    assert not [field for field in prov if field.startswith("lines[1].item_refs")]


def test_provenance_is_computed_on_first_access_only(example_mapper, example_samples):
    result = example_mapper.apply(example_samples[0])
    assert result._provenance is None
    first = result.provenance
    assert result.provenance is first


def test_rejected_records_have_provenance_and_explain_their_problems(
    example_mapper, example_samples
):
    result = example_mapper.apply(example_samples[3])
    assert not result.ok
    assert "lines[0].sku" in result.provenance
    assert "lines[0].unit_price.amount" not in result.provenance  # it failed
    text = result.explain()
    assert "PROBLEM items[0].unitPrice → lines[0].unit_price.amount" in text
