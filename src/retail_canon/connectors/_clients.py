"""The httpx clients of one connector: made on first use, closed if the connector made them."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from retail_canon.connectors._errors import ConfigurationError

__all__ = ["Clients", "shared_ssl_context"]

_ssl_context: Any = None
_ssl_lock = threading.Lock()


def shared_ssl_context() -> Any:
    """One SSL context for every client this process creates (built once: ~50 ms)."""
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = httpx.create_ssl_context()
        return _ssl_context


class Clients:
    """A sync and an async client, injected or made lazily around an optional transport."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
        client: httpx.Client | None,
        async_client: httpx.AsyncClient | None,
        timeout: httpx.Timeout,
    ) -> None:
        self._transport = transport
        self._client = client
        self._async_client = async_client
        self._timeout = timeout
        self._owned: list[httpx.Client | httpx.AsyncClient] = []
        self._lock = threading.Lock()

    def sync(self) -> httpx.Client:
        """The sync client, made on first use."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    transport = self._transport
                    if transport is not None and not isinstance(transport, httpx.BaseTransport):
                        msg = "the injected transport is async-only: use the async methods"
                        raise ConfigurationError(msg)
                    client = httpx.Client(
                        transport=transport, timeout=self._timeout, verify=shared_ssl_context()
                    )
                    self._owned.append(client)
                    self._client = client
        return self._client

    def asynchronous(self) -> httpx.AsyncClient:
        """The async client, made on first use."""
        if self._async_client is None:
            with self._lock:
                if self._async_client is None:
                    transport = self._transport
                    if transport is not None and not isinstance(
                        transport, httpx.AsyncBaseTransport
                    ):
                        msg = "the injected transport is sync-only: use the sync methods"
                        raise ConfigurationError(msg)
                    client = httpx.AsyncClient(
                        transport=transport, timeout=self._timeout, verify=shared_ssl_context()
                    )
                    self._owned.append(client)
                    self._async_client = client
        return self._async_client

    def close(self) -> None:
        """Close the sync client if it was made here."""
        for client in self._take(httpx.Client):
            if isinstance(client, httpx.Client):
                client.close()

    async def aclose(self) -> None:
        """Close every client made here."""
        for client in self._take(httpx.Client | httpx.AsyncClient):
            if isinstance(client, httpx.AsyncClient):
                await client.aclose()
            else:
                client.close()

    def _take(self, kind: Any) -> list[httpx.Client | httpx.AsyncClient]:
        with self._lock:
            gone = [c for c in self._owned if isinstance(c, kind)]
            self._owned = [c for c in self._owned if c not in gone]
            if self._client in gone:
                self._client = None
            if self._async_client in gone:
                self._async_client = None
        return gone
