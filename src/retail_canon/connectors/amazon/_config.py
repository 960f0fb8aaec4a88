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
    returns_report: bool = True
    """Whether `read_returns` requests the FBA customer returns report (off: refunds only,
    for merchant-fulfilled sellers)."""
    returns_lookback_days: int = Field(default=30, ge=0, le=365)
    """How far before ``since`` a returns read looks for the other half of a return
    (its report rows or its refund)."""
    settlements_from: Literal["report", "finances_v0", "finances_2024"] = "report"
    """Where `read_settlements` reads: the V2 settlement reports, or the financial event
    groups with their lines from Finances v0 events or 2024-06-19 transactions."""
    page_size: int = Field(default=100, ge=1, le=100)
    finances_page_size: int = Field(default=100, ge=1, le=100)
    """``MaxResultsPerPage`` of Finances v0 reads (groups and events)."""
    max_elapsed: float = Field(default=900.0, gt=0, allow_inf_nan=False)
    """Amazon's usage plans allow one request per minute for some operations: retries
    get 15 minutes (the framework's default is 2)."""
    initial_since: datetime = EPOCH
    """Where a read without ``since`` or checkpoint starts (Amazon needs a lower bound)."""
    report_poll_interval: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    """Seconds between two ``getReport``/``getFeed`` polls of a report or feed in progress."""
    report_max_wait: float = Field(default=3600.0, gt=0, allow_inf_nan=False)
    """How long to wait for a report or feed to finish before `ReportNotReady`."""
    seller_id: str | None = Field(default=None, min_length=1)
    """The selling partner id (merchant token): the Listings Items API and feeds need it."""
    mfn_location_id: str | None = Field(default=None, min_length=1)
    """The location of merchant-fulfilled quantities (default ``amazon-mfn-<marketplaceId>``)."""
    listing_method: Literal["PUT", "PATCH"] = "PUT"
    """``write_listings``: ``PUT`` replaces each whole listing (creating it), ``PATCH``
    replaces only the attributes sent."""
    listing_feed_threshold: int = Field(default=1500, ge=0)
    """``write_listings`` of more products than this go as one ``JSON_LISTINGS_FEED``
    (``UPDATE`` or ``PATCH`` messages), fewer as one request each."""
    listing_product_type: str = Field(default="PRODUCT", min_length=1)
    """The Amazon product type of listings the enrichment hook does not set."""
    language_tag: str = Field(default="en_US", min_length=2)
    """The ``language_tag`` of text attributes (``item_name``, ``brand``, ...)."""
    condition_type: str = Field(default="new_new", min_length=1)
    """The ``condition_type`` of offers written with a price."""
    inventory_feed_threshold: int = Field(default=1500, ge=0)
    """Inventory writes of more SKUs than this go as one ``JSON_LISTINGS_FEED``, fewer as
    one ``patchListingsItem`` each (Amazon's guidance: a feed beyond about 1,500 updates)."""

    @model_validator(mode="before")
    @classmethod
    def _endpoint(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "base_url" not in data:
            host = ENDPOINTS.get(str(data.get("region", "NA")), ENDPOINTS["NA"])
            if data.get("sandbox"):
                host = host.replace("https://", "https://sandbox.")
            return {**data, "base_url": host}
        return data
