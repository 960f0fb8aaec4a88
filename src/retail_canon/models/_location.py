"""Locations that hold or move stock: warehouses, stores, dropshippers, marketplace FCs."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from retail_canon.models._address import Address
from retail_canon.models._base import CanonicalModel, _Exact
from retail_canon.models._gs1 import is_valid_gs1
from retail_canon.models._refs import ExternalRef

__all__ = ["GLN", "Location", "LocationCapability", "LocationKind"]


def _check_gln(value: str) -> str:
    if not is_valid_gs1(value):
        msg = f"GLN {value!r} has a wrong check digit"
        raise ValueError(msg)
    return value


GLN = Annotated[str, Field(pattern=r"^[0-9]{13}$"), AfterValidator(_check_gln)]
"""A GS1 Global Location Number: 13 digits with a valid mod-10 check digit."""


class LocationKind(StrEnum):
    """What kind of node a location is."""

    WAREHOUSE = "WAREHOUSE"
    STORE = "STORE"
    DROPSHIP = "DROPSHIP"
    MARKETPLACE_FULFILLED = "MARKETPLACE_FULFILLED"
    OTHER = "OTHER"


class LocationCapability(StrEnum):
    """What a location can do."""

    SHIP = "SHIP"
    PICKUP = "PICKUP"
    SHIP_FROM_STORE = "SHIP_FROM_STORE"
    RECEIVE = "RECEIVE"
    RETURNS = "RETURNS"
    OTHER = "OTHER"


class Location(CanonicalModel):
    """A node of the retailer's network."""

    location_id: str = Field(min_length=1)
    name: str
    kind: LocationKind
    gln: GLN | None = None
    address: Address | None = None
    latitude: Annotated[Decimal, _Exact(ge=-90, le=90)] | None = None
    longitude: Annotated[Decimal, _Exact(ge=-180, le=180)] | None = None
    timezone: str | None = None
    """IANA time zone of the location, e.g. ``America/Chicago`` (for business dates)."""
    capabilities: tuple[LocationCapability, ...] = ()
    external_refs: tuple[ExternalRef, ...] = ()
