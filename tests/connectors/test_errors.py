"""The error tree: classes by reaction, what each error carries, what its text shows."""

from __future__ import annotations

import pytest

import retail_canon.connectors as rc
from retail_canon import RetailCanonError
from retail_canon.connectors import _errors

TREE = {
    "ConnectorError": RetailCanonError,
    "ConfigurationError": rc.ConnectorError,
    "UnknownConnector": rc.ConnectorError,
    "UnsupportedCapability": rc.ConnectorError,
    "FatalConnectorError": rc.ConnectorError,
    "AuthError": rc.FatalConnectorError,
    "NotFound": rc.FatalConnectorError,
    "Conflict": rc.FatalConnectorError,
    "BadRequest": rc.FatalConnectorError,
    "PageTokenExpired": rc.FatalConnectorError,
    "RetriableConnectorError": rc.ConnectorError,
    "RateLimited": rc.RetriableConnectorError,
    "ServerError": rc.RetriableConnectorError,
    "TransportFailure": rc.RetriableConnectorError,
    "MalformedResponse": rc.RetriableConnectorError,
    "SkippableRecordError": rc.ConnectorError,
}


@pytest.mark.parametrize(("name", "parent"), TREE.items())
def test_each_error_sits_where_the_tree_says(name, parent):
    cls = getattr(rc, name)
    assert cls.__bases__[0] is parent
    assert name in _errors.__doc__


def test_the_tree_lists_every_error_and_codes_are_unique():
    assert set(TREE) == set(_errors.__all__)
    codes = [getattr(rc, name).code for name in TREE]
    assert len(set(codes)) == len(codes)


def test_builtin_bases_for_programming_errors():
    assert issubclass(rc.ConfigurationError, ValueError)
    assert issubclass(rc.UnknownConnector, LookupError)
    assert issubclass(rc.UnsupportedCapability, TypeError)


def test_errors_carry_the_vendors_answer_and_str_leads_with_the_request_id():
    error = rc.ServerError(
        "getOrders: HTTP 503",
        operation="getOrders",
        status=503,
        vendor_code="ServiceUnavailable",
        request_id="req-42",
        headers={"retry-after": "3"},
        body='{"errors": []}',
        retry_after=3.0,
    )
    assert str(error) == "Request req-42: getOrders: HTTP 503"
    assert (error.status, error.vendor_code, error.operation) == (
        503,
        "ServiceUnavailable",
        "getOrders",
    )
    assert error.headers == {"retry-after": "3"}
    assert error.body == '{"errors": []}'
    assert error.retry_after == 3.0
    assert "req-42" in repr(error)
    assert "errors" not in repr(error)  # the body stays out of repr


def test_maybe_applied_defaults_by_reaction():
    assert rc.RateLimited("429").maybe_applied is False
    assert rc.ServerError("500").maybe_applied is True
    assert rc.TransportFailure("reset", maybe_applied=False).maybe_applied is False


def test_unsupported_capability_lists_what_is_supported():
    error = rc.UnsupportedCapability("acme", "InventorySink", ["OrderSource", "ListingSink"])
    assert error.supported == ("ListingSink", "OrderSource")
    assert str(error) == (
        "connector 'acme' does not support InventorySink; it supports: ListingSink, OrderSource"
    )


def test_unknown_connector_lists_what_is_installed():
    assert "none are installed" in str(rc.UnknownConnector("x", []))
    assert str(rc.UnknownConnector("amazn", ["shopify", "amazon"])) == (
        "no connector named 'amazn' (available: amazon, shopify)"
    )


def test_skippable_record_keeps_its_source_out_of_its_text():
    error = rc.SkippableRecordError(
        "listOrders: record o-1 skipped",
        record_id="o-1",
        source={"page": 2, "index": 5},
        record={"email": "ann@example.com"},
    )
    assert error.record_id == "o-1"
    assert error.source == {"page": 2, "index": 5}
    assert "ann@example.com" not in str(error) + repr(error)
