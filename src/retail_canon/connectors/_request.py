"""`RequestSpec`: what a connector wants sent, before auth, retries and rate limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RequestSpec"]

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One request to a vendor, described as data.

    The connector's base turns it into an `httpx.Request` per attempt: the URL joined to
    ``base_url`` (absolute URLs are kept), default headers, credentials, the idempotency key
    header and the timeout added.

    Attributes:
        method: the HTTP method.
        url: a path relative to the connector's ``base_url``, or an absolute URL.
        operation: the vendor's name for the operation (``getOrders``): the key of its rate
            limit, and what logs and errors name.
        params: query parameters, or a ready-made query string (Walmart's ``nextCursor``).
        headers: extra headers for this request.
        json: a JSON body.
        data: a form body (``application/x-www-form-urlencoded``).
        content: a raw body.
        idempotency_key: sent in the connector's idempotency header; makes a write safe to
            repeat after a timeout.
        idempotent: whether repeating is safe whatever happened; `None` infers it from the
            method (GET, HEAD, OPTIONS, PUT, DELETE) and the idempotency key. Set it for reads
            sent as POST, such as GraphQL queries.
        auth: whether to add credentials (false for the token endpoint itself).
        cost: tokens to take from the rate limit (GraphQL query cost; 1 for plain APIs).
    """

    method: str
    url: str
    operation: str
    params: Mapping[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    data: Mapping[str, str] | None = None
    content: bytes | None = None
    idempotency_key: str | None = None
    idempotent: bool | None = None
    auth: bool = True
    cost: float = 1.0

    def safe_to_repeat(self, *, idempotency_header: str | None) -> bool:
        """Whether this request may be sent again after the vendor may have acted on it.

        >>> RequestSpec("GET", "/orders", "getOrders").safe_to_repeat(idempotency_header=None)
        True
        >>> spec = RequestSpec("POST", "/orders", "createOrder", idempotency_key="k1")
        >>> spec.safe_to_repeat(idempotency_header="Idempotency-Key")
        True
        >>> spec.safe_to_repeat(idempotency_header=None)
        False
        """
        if self.idempotent is not None:
            return self.idempotent
        if self.idempotency_key and idempotency_header:
            return True
        return self.method.upper() in _IDEMPOTENT_METHODS
