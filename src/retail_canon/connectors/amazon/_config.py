"""`AmazonConfig`: LWA credentials, regional and sandbox endpoints, Orders API choice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, model_validator

from retail_canon.connectors import (
    ConnectorConfig,
)

if TYPE_CHECKING:
    pass

__all__ = ["ENDPOINTS", "EPOCH", "LWA_TOKEN_URL", "AmazonConfig"]

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
"""Production hosts per region; the sandbox hosts add a ``sandbox.`` prefix."""

EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


class AmazonConfig(ConnectorConfig):
    """Configuration of `AmazonConnector`.

    ``base_url`` defaults to the ``region``'s host (its sandbox host when ``sandbox``).
    """

    region: Literal["NA", "EU", "FE"] = "NA"
    sandbox: bool = False
    base_url: str = Field(min_length=1)
    token_url: str = LWA_TOKEN_URL
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    refresh_token: SecretStr
    marketplace_ids: tuple[str, ...] = Field(default=("ATVPDKIKX0DER",), min_length=1)
    orders_api: Literal["v0", "2026-01-01"] = "2026-01-01"
    """Which Orders API reads orders; both yield the same `SalesOrder`."""
    page_size: int = Field(default=100, ge=1, le=100)
    max_elapsed: float = Field(default=900.0, gt=0, allow_inf_nan=False)
    """Amazon's usage plans allow one request per minute for some operations: retries
    get 15 minutes (the framework's default is 2)."""
    initial_since: datetime = EPOCH
    """Where a read without ``since`` or checkpoint starts (Amazon needs a lower bound)."""

    @model_validator(mode="before")
    @classmethod
    def _endpoint(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "base_url" not in data:
            host = ENDPOINTS.get(str(data.get("region", "NA")), ENDPOINTS["NA"])
            if data.get("sandbox"):
                host = host.replace("https://", "https://sandbox.")
            return {**data, "base_url": host}
        return data
