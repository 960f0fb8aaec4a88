"""Redaction: secret values, credentials by name, personal data in log text."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from retail_canon.connectors import RedactingFilter, Redactor
from retail_canon.connectors._redact import is_personal_name, is_secret_name

SECRET = "rc-test-secret-redact-1"


def test_registered_values_are_masked_anywhere():
    r = Redactor([SecretStr(SECRET), None, ""])
    assert r.secrets == (SECRET,)
    assert r.secrets_only(f"xx{SECRET}yy") == "xx***yy"


def test_short_values_are_not_registered():
    r = Redactor(["abc"])
    assert r.secrets == ()
    assert r.text("abc") == "abc"


def test_longest_secret_is_masked_whole():
    r = Redactor(["rc-test-secret-a", "rc-test-secret-a-longer"])
    assert r.secrets_only("rc-test-secret-a-longer") == "***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"access_token": "Atza|abc", "expires_in": 3600}',
            '{"access_token": "***", "expires_in": 3600}',
        ),
        ('{"refresh_token":"Atzr|x"', '{"refresh_token":"***"'),
        ('{"access_token": "Atza|trunc', '{"access_token": "***'),
        (
            "grant_type=refresh_token&refresh_token=Atzr|y&client_id=c",
            "grant_type=refresh_token&refresh_token=***&client_id=c",
        ),
        ("Authorization: Bearer Atza|zz", "Authorization: Bearer ***"),
        ("basic Zm9vOmJhcg==", "basic ***"),
    ],
)
def test_credentials_are_masked_by_name_and_shape(text, expected):
    assert Redactor().secrets_only(text) == expected


def test_personal_data_is_masked_in_log_text_only():
    r = Redactor()
    body = (
        '{"BuyerEmail": "ann@example.com", "AddressLine1": "1 Main St", '
        '"Name": "Ann", "sku": "A-1"}'
    )
    assert r.secrets_only(body) == body
    assert (
        r.text(body) == '{"BuyerEmail": "***", "AddressLine1": "***", "Name": "***", "sku": "A-1"}'
    )
    assert r.text("contact bob@example.org now") == "contact *** now"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("Authorization", True),
        ("x-amz-access-token", True),
        ("X-Shopify-Access-Token", True),
        ("WM_SEC.ACCESS_TOKEN", True),
        ("client_secret", True),
        ("x-current-token-count", False),
        ("x-next-replenish-time", False),
        ("content-type", False),
    ],
)
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    ("name", "personal"),
    [
        ("email", True),
        ("buyer_name", True),
        ("ShippingAddress", True),
        ("phone", True),
        ("lines", True),
        ("operationName", False),
        ("sku", False),
        ("__typename", False),
    ],
)
def test_personal_names(name, personal):
    assert is_personal_name(name) is personal


def test_headers_mask_credentials_and_keep_the_rest():
    r = Redactor([SECRET])
    masked = r.headers({"Authorization": "Bearer x", "x-request-id": "r1", "x-echo": SECRET})
    assert masked == {"Authorization": "***", "x-request-id": "r1", "x-echo": "***"}


def test_url_query_is_masked():
    r = Redactor([SECRET])
    url = f"https://v.test/a?NextToken=abc&limit=5&email=a@b.co&x={SECRET}"
    assert r.url(url) == "https://v.test/a?NextToken=***&limit=5&email=***&x=***"
    assert r.url("https://v.test/a") == "https://v.test/a"


def test_redacting_filter_rewrites_messages():
    record = logging.LogRecord(
        "x", logging.INFO, "p", 1, "mail %s token=%s", ("ann@example.com", "abc"), None
    )
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "mail *** token=***"
