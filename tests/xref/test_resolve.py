"""Linking and resolving on both stores: none / one / conflict, normalisation, chains."""

from __future__ import annotations

import pytest

from retail_canon.models import ExternalRef
from retail_canon.xref import (
    DIRECT,
    ChainStep,
    FallbackChain,
    Resolution,
    ResolutionStatus,
    XrefConflict,
    XrefResolver,
)

ME = {"actor": "tests", "reason": "fixture data"}


def asin(value: str = "B00EXAMPLE", marketplace: str = "ATVPDKIKX0DER") -> ExternalRef:
    return ExternalRef(system="amazon", scheme="asin", value=value, scope=marketplace)


def item(value: str, company: str = "acme") -> ExternalRef:
    return ExternalRef(system="erp", scheme="item_code", value=value, scope=company)


def barcode(value: str, system: str = "pos") -> ExternalRef:
    return ExternalRef(system=system, scheme="gtin", value=value)


def sku(value: str, seller: str = "seller-1") -> ExternalRef:
    return ExternalRef(system="amazon", scheme="sku", value=value, scope=seller)


@pytest.fixture
def xref(store):
    return XrefResolver(store)


def test_asin_item_code_barcode_round(xref):
    for ref in (asin(), item("TEE-001"), barcode("036000291452")):
        xref.link("product", "P1", ref, **ME)
    to_erp = xref.resolve(asin(), to_system="erp")
    assert to_erp.status is ResolutionStatus.ONE
    assert to_erp.found
    assert to_erp.canonical_id == "P1"
    assert to_erp.entity == "product"
    assert to_erp.target == item("TEE-001")
    assert to_erp.rule == DIRECT
    assert to_erp.matched == asin()
    to_amazon = xref.resolve(barcode("036000291452"), to_system="amazon")
    assert to_amazon.target == asin()
    to_pos = xref.resolve(item("TEE-001"), to_system="pos")
    assert to_pos.target == barcode("00036000291452")


def test_unknown_ref_is_none_not_an_error(xref):
    answer = xref.resolve(asin("B00UNKNOWN"), to_system="erp")
    assert answer == Resolution(ResolutionStatus.NONE)
    assert not answer.found


def test_known_ref_without_target_is_none_with_the_id(xref):
    xref.link("product", "P1", asin(), **ME)
    answer = xref.resolve(asin(), to_system="erp")
    assert answer.status is ResolutionStatus.NONE
    assert answer.canonical_id == "P1"
    assert answer.target is None
    assert answer.rule == DIRECT


def test_without_target_system_the_canonical_id_is_the_answer(xref):
    xref.link("product", "P1", asin(), **ME)
    answer = xref.resolve(asin())
    assert (answer.status, answer.canonical_id, answer.target) == (
        ResolutionStatus.ONE,
        "P1",
        None,
    )


def test_two_refs_in_target_system_is_a_conflict_not_a_pick(xref):
    xref.link("product", "P1", asin(), **ME)
    xref.link("product", "P1", item("TEE-001"), **ME)
    xref.link("product", "P1", item("TEE-001-OLD"), **ME)
    answer = xref.resolve(asin(), to_system="erp")
    assert answer.status is ResolutionStatus.CONFLICT
    assert answer.target is None
    assert answer.canonical_id == "P1"
    assert [c.ref.value for c in answer.candidates] == ["TEE-001", "TEE-001-OLD"]
    narrowed = xref.resolve(asin(), to_system="erp", to_scheme="item_code")
    assert narrowed.status is ResolutionStatus.CONFLICT


def test_to_scheme_narrows_the_target(xref):
    xref.link("product", "P1", barcode("036000291452"), **ME)
    xref.link("product", "P1", asin(), **ME)
    xref.link("product", "P1", sku("TEE-BLK-M"), **ME)
    assert xref.resolve(barcode("036000291452"), to_system="amazon").status == "conflict"
    answer = xref.resolve(barcode("036000291452"), to_system="amazon", to_scheme="sku")
    assert answer.target == sku("TEE-BLK-M")


def test_the_looked_up_ref_is_not_its_own_target(xref):
    xref.link("product", "P1", asin(), **ME)
    xref.link("product", "P1", sku("TEE-BLK-M"), **ME)
    answer = xref.resolve(asin(), to_system="amazon")
    assert answer.target == sku("TEE-BLK-M")


def test_values_are_normalised_before_storing_and_lookup(xref):
    link = xref.link("product", "P1", barcode("0 36000 29145 2"), **ME)
    assert link.ref.value == "00036000291452"
    for spelling in ("036000291452", "0036000291452", "00036000291452", "036000-291452"):
        assert xref.resolve(barcode(spelling)).canonical_id == "P1", spelling
    xref.link("product", "P1", ExternalRef(system=" Amazon ", scheme="ASIN", value="b00example",
                                             scope="ATVPDKIKX0DER"), **ME)  # fmt: skip
    assert xref.resolve(asin("B00EXAMPLE")).canonical_id == "P1"
    assert xref.normalise(barcode("036000291452")) == barcode("00036000291452")


def test_scope_separates_the_same_value(xref):
    xref.link("product", "P-US", asin(marketplace="ATVPDKIKX0DER"), **ME)
    xref.link("product", "P-DE", asin(marketplace="A1PA6795UKMFR9"), **ME)
    assert xref.resolve(asin(marketplace="ATVPDKIKX0DER")).canonical_id == "P-US"
    assert xref.resolve(asin(marketplace="A1PA6795UKMFR9")).canonical_id == "P-DE"
    assert xref.resolve(asin(marketplace="A1F83G8C2ARO7P")).status is ResolutionStatus.NONE


def test_system_is_part_of_the_key(xref):
    xref.link("product", "P1", barcode("036000291452", system="pos"), **ME)
    assert xref.resolve(barcode("036000291452", system="wms")).status is ResolutionStatus.NONE


def test_link_is_idempotent_and_conflict_names_both_ids(xref):
    first = xref.link("product", "P1", asin(), **ME)
    again = xref.link("product", "P1", asin(), **ME)
    assert again == first
    assert len(xref.audit()) == 1
    with pytest.raises(XrefConflict) as caught:
        xref.link("product", "P2", asin(), **ME)
    assert caught.value.code == "xref_conflict"
    assert caught.value.existing == ("product", "P1")
    assert caught.value.requested == ("product", "P2")
    assert "'P1'" in str(caught.value)
    assert "'P2'" in str(caught.value)
    assert caught.value.ref == asin()
    assert xref.resolve(asin()).canonical_id == "P1"
    assert len(xref.audit()) == 1


def test_one_ref_one_id_across_entities(xref):
    xref.link(
        "product", "1001", ExternalRef(system="shop", scheme="product_id", value="1001"), **ME
    )
    with pytest.raises(XrefConflict):
        xref.link(
            "order", "1001", ExternalRef(system="shop", scheme="product_id", value="1001"), **ME
        )


def test_unlink_and_relink(xref):
    xref.link("product", "P1", barcode("036000291452"), **ME)
    with pytest.raises(XrefConflict):
        xref.unlink("product", "P2", barcode("036000291452"), **ME)
    closed = xref.unlink("product", "P1", barcode("036000291452"), **ME)
    assert closed is not None
    assert closed.valid_to is not None
    assert xref.unlink("product", "P1", barcode("036000291452"), **ME) is None
    assert xref.resolve(barcode("036000291452")).status is ResolutionStatus.NONE
    xref.link("product", "P2", barcode("036000291452"), **ME)
    moved = xref.relink("product", "P3", barcode("036000291452"), **ME)
    assert moved.canonical_id == "P3"
    assert xref.resolve(barcode("036000291452")).canonical_id == "P3"
    assert xref.relink("product", "P3", barcode("036000291452"), **ME) == moved
    assert [e.action for e in xref.audit()] == ["link", "unlink", "link", "link"]
    assert xref.audit()[-1].before == ("product", "P2")
    assert xref.audit()[-1].after == ("product", "P3")


def test_unlink_of_unknown_ref_writes_nothing(xref, backend):
    assert xref.unlink("product", "P1", asin(), **ME) is None
    assert backend.execute("SELECT count(*) FROM xref_refs") == [(0,)]


def test_refs_of(xref):
    for ref in (barcode("036000291452"), asin(), item("TEE-001")):
        xref.link("product", "P1", ref, **ME)
    xref.link("product", "P2", item("MUG-002"), **ME)
    refs = [link.ref for link in xref.refs_of("product", "P1")]
    assert refs == [asin(), item("TEE-001"), barcode("00036000291452")]
    assert xref.refs_of("product", "P404") == ()
    xref.unlink("product", "P1", asin(), **ME)
    assert asin() not in [link.ref for link in xref.refs_of("product", "P1")]


def test_resolve_many_keeps_order_and_duplicates(xref):
    for i in range(30):
        xref.link("product", f"P{i}", item(f"IT-{i}"), **ME)
        xref.link("product", f"P{i}", sku(f"SKU-{i}"), **ME)
    wanted = [sku(f"SKU-{i}") for i in (5, 3, 29, 3)] + [sku("NOPE"), sku("SKU-0")]
    answers = xref.resolve_many(wanted, to_system="erp")
    assert [a.target.value if a.target else None for a in answers] == [
        "IT-5", "IT-3", "IT-29", "IT-3", None, "IT-0",
    ]  # fmt: skip
    assert answers[4].status is ResolutionStatus.NONE
    assert xref.resolve_many([]) == []


def test_resolve_many_in_chunks_larger_than_a_query(xref, store):
    refs = [item(f"IT-{i}") for i in range(1_300)]
    for i, ref in enumerate(refs[:1_200]):
        xref.link("product", f"P{i}", ref, **ME)
    answers = xref.resolve_many(reversed(refs))
    assert [a.canonical_id for a in answers] == [None] * 100 + [
        f"P{i}" for i in range(1_199, -1, -1)
    ]


AMAZON_LINE = FallbackChain(
    "amazon_line",
    (
        ChainStep("seller_sku", "sku", "amazon"),
        ChainStep("gtin", "gtin"),
        ChainStep("asin", "asin", "amazon"),
    ),
)


def test_fallback_chain_records_which_step_matched(xref):
    xref.link("product", "P1", sku("TEE-BLK-M"), **ME)
    xref.link("product", "P1", item("TEE-001"), **ME)
    xref.link("product", "P2", barcode("036000291452"), **ME)
    xref.link("product", "P2", item("MUG-002"), **ME)
    xref.link("product", "P3", asin("B0ASINONLY"), **ME)
    xref.link("product", "P3", item("CAP-003"), **ME)
    gtin_on_amazon = barcode("036000291452", system="amazon")
    lines = [
        [sku("TEE-BLK-M"), gtin_on_amazon, asin("B0ASINONLY")],  # first step wins
        [sku("UNKNOWN"), gtin_on_amazon],  # GTIN matched in any system (the POS)
        [sku("UNKNOWN"), asin("B0ASINONLY")],  # no GTIN on the line: skipped
        [sku("UNKNOWN"), asin("B0NOTKNOWN")],
        [],
    ]
    answers = xref.resolve_chain_many(AMAZON_LINE, lines, to_system="erp")
    assert [(a.rule, a.target.value if a.target else None, a.tried) for a in answers] == [
        ("seller_sku", "TEE-001", ()),
        ("gtin", "MUG-002", ("seller_sku",)),
        ("asin", "CAP-003", ("seller_sku",)),
        (None, None, ("seller_sku", "asin")),
        (None, None, ()),
    ]
    assert answers[1].matched == barcode("00036000291452", system="pos")
    single = xref.resolve_chain(AMAZON_LINE, lines[1], to_system="erp")
    assert single == answers[1]


def test_fallback_chain_conflict_stops_the_chain(xref):
    xref.link("product", "P1", barcode("036000291452", system="pos"), **ME)
    xref.link("product", "P2", barcode("036000291452", system="wms"), **ME)
    xref.link("product", "P3", asin(), **ME)
    answer = xref.resolve_chain(AMAZON_LINE, [barcode("036000291452", system="amazon"), asin()])
    assert answer.status is ResolutionStatus.CONFLICT
    assert answer.rule == "gtin"
    assert {c.canonical_id for c in answer.candidates} == {"P1", "P2"}


def test_fallback_chain_same_id_in_several_systems_is_one(xref):
    xref.link("product", "P1", barcode("036000291452", system="pos"), **ME)
    xref.link("product", "P1", barcode("036000291452", system="wms"), **ME)
    answer = xref.resolve_chain(AMAZON_LINE, [barcode("036000291452", system="amazon")])
    assert (answer.status, answer.canonical_id, answer.rule) == ("one", "P1", "gtin")


def test_fallback_chain_needs_unique_step_names():
    with pytest.raises(ValueError, match="unique"):
        FallbackChain("bad", (ChainStep("a", "sku"), ChainStep("a", "gtin")))
    with pytest.raises(ValueError, match="non-empty"):
        FallbackChain("empty", ())
