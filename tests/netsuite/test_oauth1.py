"""OAuth 1.0a HMAC-SHA256 signing against published test vectors.

The signature base string, normalized parameters and request are RFC 5849's own example
(§3.4.1.1, §3.4.1.3.1 and §3.4.1.3.2). The HMAC-SHA256 signature of that base string is
the one published in oauthlib's test suite (``tests/oauth1/rfc5849/test_signatures.py``,
``expected_signature_hmac_sha256``, computed there with ``openssl dgst -hmac KEY -sha256``)
for client secret ``ECrDNoq1VYzzzzzzzzzyAK7TwZNtPnkqatqZZZZ`` and resource owner (token)
secret ``just-a-string    asdasd`` — a vector independent of our implementation.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from retail_canon.connectors.netsuite._oauth1 import (
    TokenBasedAuth,
    authorization_header,
    base_string_uri,
    normalize_parameters,
    parse_authorization,
    percent_encode,
    request_parameters,
    sign_hmac_sha256,
    signature_base_string,
)

RFC_BASE_STRING = (
    "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
    "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_"
    "key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m"
    "ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk"
    "9d7dh3k39sjv7"
)
RFC_NORMALIZED = (
    "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9dj"
    "dj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1"
    "&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
)
RFC_OAUTH = {
    "oauth_consumer_key": "9djdj82h48djs9d2",
    "oauth_token": "kkk9d7dh3k39sjv7",
    "oauth_signature_method": "HMAC-SHA1",
    "oauth_timestamp": "137131201",
    "oauth_nonce": "7d8f3e4a",
}
OAUTHLIB_CLIENT_SECRET = "ECrDNoq1VYzzzzzzzzzyAK7TwZNtPnkqatqZZZZ"
OAUTHLIB_TOKEN_SECRET = "just-a-string    asdasd"
OAUTHLIB_HMAC_SHA256 = "wdfdHUKXHbOnOGZP8WFAWMSAmWzN3EVBWWgXGlC/Eo4="


def test_rfc5849_request_gives_the_rfc_base_string():
    # RFC 5849 §3.4.1.3.1: query b5=%3D%253D&a3=a&c%40=&a2=r%20b, form body c2&a3=2+q
    url = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
    params = [*request_parameters(url, "c2&a3=2+q"), *RFC_OAUTH.items()]
    assert normalize_parameters(params) == RFC_NORMALIZED
    assert signature_base_string("post", url, params) == RFC_BASE_STRING


def test_hmac_sha256_matches_the_published_vector():
    signature = sign_hmac_sha256(RFC_BASE_STRING, OAUTHLIB_CLIENT_SECRET, OAUTHLIB_TOKEN_SECRET)
    assert signature == OAUTHLIB_HMAC_SHA256


def test_a_wrong_secret_gives_another_signature():
    assert sign_hmac_sha256(RFC_BASE_STRING, OAUTHLIB_CLIENT_SECRET, "x") != OAUTHLIB_HMAC_SHA256


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://EXAMPLE.COM:80/r%20v/X?id=123", "http://example.com/r%20v/X"),  # RFC §3.4.1.2
        ("https://www.example.net:8080/?q=1", "https://www.example.net:8080/"),  # RFC §3.4.1.2
        ("https://a.example.com:443", "https://a.example.com/"),
    ],
)
def test_base_string_uri(url, expected):
    assert base_string_uri(url) == expected


def test_realm_is_in_the_header_but_not_signed():
    auth = TokenBasedAuth(
        "1234567_SB1", SecretStr("ck"), SecretStr("cs"), SecretStr("tk"), SecretStr("ts")
    )
    url = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql?limit=5"
    header = auth.sign("POST", url, timestamp=1700000000, nonce="abc")
    fields = parse_authorization(header)
    assert header.startswith('OAuth realm="1234567_SB1", ')
    assert fields["oauth_signature_method"] == "HMAC-SHA256"
    assert fields["oauth_version"] == "1.0"
    signed = [(k, v) for k, v in fields.items() if k not in ("realm", "oauth_signature")]
    base = signature_base_string("POST", url, [*signed, ("limit", "5")])
    assert fields["oauth_signature"] == sign_hmac_sha256(base, "cs", "ts")
    other_realm = TokenBasedAuth(
        "OTHER", SecretStr("ck"), SecretStr("cs"), SecretStr("tk"), SecretStr("ts")
    )
    again = parse_authorization(other_realm.sign("POST", url, timestamp=1700000000, nonce="abc"))
    assert again["oauth_signature"] == fields["oauth_signature"]


def test_the_query_string_is_signed():
    auth = TokenBasedAuth("R", SecretStr("ck"), SecretStr("cs"), SecretStr("tk"), SecretStr("ts"))
    one = auth.sign("GET", "https://h.example/p?offset=0", timestamp=1, nonce="n")
    two = auth.sign("GET", "https://h.example/p?offset=5", timestamp=1, nonce="n")
    assert (
        parse_authorization(one)["oauth_signature"] != parse_authorization(two)["oauth_signature"]
    )


def test_secrets_stay_out_of_the_repr():
    auth = TokenBasedAuth(
        "R", SecretStr("ck-1"), SecretStr("cs-secret"), SecretStr("tk-1"), SecretStr("ts-secret")
    )
    assert "secret" not in repr(auth)
    assert {s.get_secret_value() for s in auth.secrets()} == {
        "ck-1",
        "cs-secret",
        "tk-1",
        "ts-secret",
    }


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=5))
def test_header_round_trips(params):
    header = authorization_header("REALM", params)
    assert parse_authorization(header) == {"realm": "REALM", **params}


@given(st.text())
def test_percent_encoding_is_rfc3986_unreserved_only(text):
    encoded = percent_encode(text)
    assert all(c.isascii() and (c.isalnum() or c in "-._~%") for c in encoded)
