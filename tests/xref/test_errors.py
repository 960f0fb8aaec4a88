"""Bad input: typed errors with stable codes, and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from retail_canon import InvalidChecksum, NaiveTimestamp, RetailCanonError
from retail_canon.models import ExternalRef
from retail_canon.xref import (
    EffectiveDateError,
    MalformedValue,
    MissingScope,
    Scheme,
    SchemeRegistry,
    UnexpectedScope,
    UnknownScheme,
    XrefError,
    XrefInputError,
    XrefResolver,
)

ME = {"actor": "tests", "reason": "bad input"}


def ref(system, scheme, value, scope=None):
    return ExternalRef(system=system, scheme=scheme, value=value, scope=scope)


MISSING, MALFORMED = "xref_missing_scope", "xref_malformed_value"
BAD_REFS = [
    (ref("pos", "upc_e", "04252614"), UnknownScheme, "xref_unknown_scheme"),
    (ref("amazon", "asin", "B00EXAMPLE"), MissingScope, MISSING),
    (ref("amazon", "asin", "B00EXAMPLE", "  "), MissingScope, MISSING),
    (ref("erp", "item_code", "IT-1"), MissingScope, MISSING),
    # a restricted-circulation GTIN (prefix 2) is only unique within its store or company
    (ref("pos", "gtin", "2123456789010"), MissingScope, MISSING),
    (ref("pos", "gtin", "036000291452", "store-7"), UnexpectedScope, "xref_unexpected_scope"),
    (ref("pos", "gtin", "036000291453"), MalformedValue, MALFORMED),
    (ref("amazon", "asin", "B00EX", "M"), MalformedValue, MALFORMED),
    (ref("erp", "item_code", "   ", "acme"), MalformedValue, MALFORMED),
    (ref("erp", "item_code", "IT\n1", "acme"), MalformedValue, MALFORMED),
    (ref(" ", "sku", "S", "x"), XrefInputError, "xref_invalid_input"),
]


def _counts(backend):
    return [
        backend.execute(f"SELECT count(*) FROM {table}")[0][0]
        for table in ("xref_refs", "xref_links", "xref_audit")
    ]


@pytest.mark.parametrize(("bad", "error", "code"), BAD_REFS)
def test_bad_refs_are_refused_and_nothing_is_written(backend, store, bad, error, code):
    xref = XrefResolver(store)
    for call in (
        lambda: xref.link("product", "P1", bad, **ME),
        lambda: xref.relink("product", "P1", bad, **ME),
        lambda: xref.unlink("product", "P1", bad, **ME),
        lambda: xref.resolve(bad),
        lambda: xref.resolve_many([ref("erp", "sku", "S", "x"), bad]),
        lambda: xref.history(bad),
    ):
        with pytest.raises(error) as caught:
            call()
        assert type(caught.value) is error
        assert caught.value.code == code
        assert isinstance(caught.value, XrefInputError)
        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, RetailCanonError)
    assert _counts(backend) == [0, 0, 0]


def test_malformed_value_keeps_the_normaliser_error():
    schemes = SchemeRegistry()
    with pytest.raises(MalformedValue) as caught:
        schemes.key(ExternalRef(system="pos", scheme="gtin", value="036000291453"))
    assert caught.value.reason_code == "invalid_checksum"
    assert isinstance(caught.value.__cause__, InvalidChecksum)
    assert "check digit should be 2" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"entity": " "}, XrefInputError),
        ({"canonical_id": ""}, XrefInputError),
        ({"actor": ""}, XrefInputError),
        ({"reason": "  "}, XrefInputError),
        ({"at": datetime(2025, 1, 1)}, NaiveTimestamp),
        ({"at": datetime.now(UTC) + timedelta(days=1)}, EffectiveDateError),
    ],
)
def test_bad_arguments_write_nothing(backend, store, kwargs, error):
    xref = XrefResolver(store)
    args = {"entity": "product", "canonical_id": "P1", "actor": "me", "reason": "why"} | kwargs
    ref = ExternalRef(system="erp", scheme="item_code", value="IT-1", scope="acme")
    with pytest.raises(error):
        xref.link(args.pop("entity"), args.pop("canonical_id"), ref, **args)
    assert _counts(backend) == [0, 0, 0]


def test_unknown_target_scheme_and_empty_target_system(store):
    xref = XrefResolver(store)
    ref = ExternalRef(system="erp", scheme="item_code", value="IT-1", scope="acme")
    with pytest.raises(UnknownScheme):
        xref.resolve(ref, to_system="erp", to_scheme="ean")
    with pytest.raises(XrefInputError):
        xref.resolve(ref, to_system=" ")
    with pytest.raises(XrefInputError, match="both"):
        xref.audit(entity="product")


def test_custom_schemes_replace_and_extend_the_defaults(store):
    lenient = Scheme.text("sku", scope="optional")
    plu = Scheme("plu", lambda v: str(int(v)), "required", "store PLU; scope: store")
    xref = XrefResolver(store, schemes=[*SchemeRegistry(), lenient, plu])
    xref.link("product", "P1", ExternalRef(system="pos", scheme="sku", value="S1"), **ME)
    xref.link(
        "product", "P1", ExternalRef(system="pos", scheme="plu", value="04011", scope="s7"), **ME
    )
    found = xref.resolve(ExternalRef(system="pos", scheme="plu", value="4011", scope="s7"))
    assert found.canonical_id == "P1"
    with pytest.raises(MalformedValue) as caught:
        xref.resolve(ExternalRef(system="pos", scheme="plu", value="banana", scope="s7"))
    assert caught.value.reason_code == "invalid_value"
    with pytest.raises(UnknownScheme):
        XrefResolver(store, schemes=[plu]).resolve(
            ExternalRef(system="pos", scheme="gtin", value="036000291452")
        )


def test_error_codes_are_stable_and_unique():
    import retail_canon.xref as xref_pkg

    classes = [
        getattr(xref_pkg, name)
        for name in xref_pkg.__all__
        if isinstance(getattr(xref_pkg, name), type)
        and issubclass(getattr(xref_pkg, name), XrefError)
    ]
    codes = {cls.code for cls in classes}
    assert len(codes) == len(classes) == 12
    assert all(code.startswith("xref_") for code in codes)
    assert all(issubclass(cls, RetailCanonError) for cls in classes)
