"""Redaction of secrets and personal data in what connectors log and raise.

Two layers. Secrets are masked by *value*: every `SecretStr` of a connector's configuration
and every token it obtains is registered with its `Redactor`, so the value is masked
wherever it turns up. Both secrets and personal data are also masked by *name*: headers,
query parameters and JSON keys that hold credentials (``authorization``, ``*token*``,
``*secret*``, ...) or personal data (``email``, ``phone``, ``*name``, ``address*``), plus
anything shaped like an e-mail address or a ``Bearer``/``Basic`` credential.

Free text cannot be cleaned of every name or address, so connectors never log bodies:
only the method, a redacted URL, the status, the vendor's error code and its redacted
message.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import SecretStr

__all__ = ["MASK", "RedactingFilter", "Redactor", "is_personal_name", "is_secret_name"]

MASK = "***"
"""What a masked value is replaced with."""

_MIN_SECRET_LENGTH = 4
_SECRET_WORDS = (
    "authorization",
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "apikey",
    "api-key",
    "api_key",
    "cookie",
    "credential",
)
# Rate-limit headers that merely mention tokens (Walmart's token bucket).
_NOT_SECRET_WORDS = ("count", "replenish")
_PERSONAL_EXACT = frozenset(
    {"lines", "street", "street1", "street2", "line1", "line2", "line3", "taxid", "vatnumber"}
)
_PERSONAL_WORDS = ("email", "phone", "address")
_NOT_PERSONAL_NAMES = frozenset(
    {"operationname", "typename", "filename", "hostname", "servicename", "fieldname"}
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CREDENTIAL = re.compile(r"\b(Bearer|Basic|OAuth)\s+[A-Za-z0-9._~+/=|:,\"-]+", re.IGNORECASE)
_JSON_STRING = re.compile(r'"([A-Za-z0-9_.\-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"?')
_FORM_PAIR = re.compile(r"(^|[?&\s;,])([A-Za-z0-9_.\-]+)=([^&\s;,]*)")


def _normal(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "").replace(".", "")


def is_secret_name(name: str) -> bool:
    """Whether a header, parameter or JSON key of this name holds a credential.

    >>> is_secret_name("X-Amz-Access-Token"), is_secret_name("x-current-token-count")
    (True, False)
    """
    lowered = name.lower()
    if any(word in lowered for word in _NOT_SECRET_WORDS):
        return False
    return any(word in lowered for word in _SECRET_WORDS)


def is_personal_name(name: str) -> bool:
    """Whether a JSON key or parameter of this name holds personal data.

    >>> is_personal_name("BuyerEmail"), is_personal_name("AddressLine1"), is_personal_name("sku")
    (True, True, False)
    """
    key = _normal(name)
    if key in _PERSONAL_EXACT or any(word in key for word in _PERSONAL_WORDS):
        return True
    return key.endswith("name") and key not in _NOT_PERSONAL_NAMES


class Redactor:
    """Masks registered secret values, credentials by name, and (for logs) personal data.

    Thread-safe: tokens obtained by one thread are registered while others log.

    >>> r = Redactor(["s3cr3t-value"])
    >>> r.text('{"token": "abc", "email": "ann@example.com", "note": "s3cr3t-value"}')
    '{"token": "***", "email": "***", "note": "***"}'
    """

    def __init__(self, secrets: Iterable[str | SecretStr | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.add(*secrets)

    def add(self, *values: str | SecretStr | None) -> None:
        """Register secret values; empty and very short values are ignored."""
        plain = [v.get_secret_value() if isinstance(v, SecretStr) else v for v in values]
        fresh = {v for v in plain if v and len(v) >= _MIN_SECRET_LENGTH}
        if not fresh:
            return
        with self._lock:
            merged = set(self._secrets) | fresh
            # Longest first, so a secret that contains another is masked whole.
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    @property
    def secrets(self) -> tuple[str, ...]:
        """The registered secret values (for leak checks in tests)."""
        return self._secrets

    def secrets_only(self, text: str) -> str:
        """``text`` with secret values and credentials masked; personal data kept."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _CREDENTIAL.sub(lambda m: f"{m.group(1)} {MASK}", text)
        text = _JSON_STRING.sub(lambda m: _mask_json(m, is_secret_name), text)
        return _FORM_PAIR.sub(lambda m: _mask_pair(m, is_secret_name), text)

    def text(self, text: str) -> str:
        """``text`` with secrets, credentials and personal data masked: fit for a log."""
        text = self.secrets_only(text)
        text = _JSON_STRING.sub(lambda m: _mask_json(m, is_personal_name), text)
        text = _FORM_PAIR.sub(lambda m: _mask_pair(m, is_personal_name), text)
        return _EMAIL.sub(MASK, text)

    def headers(self, headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
        """Headers with credentials masked by name and secret values masked anywhere."""
        items = headers.items() if isinstance(headers, Mapping) else headers
        return {
            name: MASK if is_secret_name(name) else self.secrets_only(value)
            for name, value in items
        }

    def url(self, url: str) -> str:
        """A URL with credential and personal query parameters masked.

        >>> Redactor().url("https://x.test/o?NextToken=abc&email=a@b.co&limit=5")
        'https://x.test/o?NextToken=***&email=***&limit=5'
        """
        parts = urlsplit(self.secrets_only(url) if self._secrets else url)
        if not parts.query:
            return urlunsplit(parts)
        query = [
            (k, MASK if is_secret_name(k) or is_personal_name(k) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
        return urlunsplit(parts._replace(query=urlencode(query, safe=MASK)))


def _mask_json(match: re.Match[str], sensitive: Any) -> str:
    key, sep = match.group(1), match.group(2)
    if not sensitive(key):
        return match.group(0)
    closing = '"' if match.group(0).endswith('"') and len(match.group(0)) > 1 else ""
    return f'"{key}"{sep}"{MASK}{closing}'


def _mask_pair(match: re.Match[str], sensitive: Any) -> str:
    lead, key = match.group(1), match.group(2)
    if not sensitive(key):
        return match.group(0)
    return f"{lead}{key}={MASK}"


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets and personal data in a record's message.

    retail_canon's own log records are built from redacted parts already; attach this
    filter to your handlers as a second line of defence for other loggers.

    Args:
        redactor: the redactor to use (one knowing your secret values); by default one
            that masks by name and pattern only.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        record.msg = self.redactor.text(message)
        record.args = None
        return True
