"""Listings Items 2021-08-01 for `AmazonFake`: listings state, ``patch``/``put``/``get``.

``listings`` maps a seller SKU to its listing: ``{"productType", "attributes",
"marketplaceId"}``. Submissions are validated the way Amazon's answers show (a 200 with
``status`` ``ACCEPTED`` or ``INVALID`` and ``issues``) and applied at once (Amazon applies
them minutes later). The issue codes are the fake's own, not Amazon's.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import httpx

from retail_canon.connectors.amazon._listings import dumps_exact
from retail_canon.models import ExternalRef, InventoryBuckets, InventoryPosition, Money, Product
from retail_canon.testing._fake import FakeRequest, route

if TYPE_CHECKING:
    from retail_canon.testing.amazon._fake import AmazonFake

__all__ = ["ListingsRoutes", "check_patches"]

_ITEM = "/listings/2021-08-01/items/(?P<seller_id>[^/]+)/(?P<sku>.+)"


def _issue(code: str, message: str, attribute: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "code": code,
        "message": message,
        "severity": "ERROR",
        "categories": ["INVALID_ATTRIBUTE"],
    }
    if attribute:
        issue["attributeNames"] = [attribute]
    return issue


def _check_availability(value: Any) -> list[dict[str, Any]]:
    name = "fulfillment_availability"
    if not isinstance(value, list) or not value:
        return [_issue("FAKE_MISSING", f"'{name}' needs at least one entry", name)]
    issues = []
    for entry in value:
        if not isinstance(entry, Mapping) or not entry.get("fulfillment_channel_code"):
            issues.append(_issue("FAKE_INVALID", "Invalid parameters provided", name))
            continue
        quantity = entry.get("quantity")
        if entry["fulfillment_channel_code"] != "DEFAULT":
            message = "Only the DEFAULT (seller-fulfilled) channel quantity can be set"
            issues.append(_issue("FAKE_CHANNEL", message, name))
        elif not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            message = f"quantity must be a non-negative integer, not {quantity!r}"
            issues.append(_issue("FAKE_QUANTITY", message, name))
    return issues


def check_patches(patches: Any) -> list[dict[str, Any]]:
    """The ERROR issues of a list of listings patches (empty: valid)."""
    if not isinstance(patches, list) or not patches:
        return [_issue("FAKE_MISSING", "patches are required")]
    issues = []
    for patch in patches:
        path = str(patch.get("path") or "") if isinstance(patch, Mapping) else ""
        op = patch.get("op") if isinstance(patch, Mapping) else None
        parts = path.split("/")
        if op not in ("add", "replace", "merge", "delete"):
            issues.append(_issue("FAKE_OP", f"unknown patch op {op!r}"))
        elif len(parts) != 3 or parts[1] != "attributes" or not parts[2]:
            issues.append(_issue("FAKE_PATH", f"only top-level attributes can be patched: {path}"))
        elif parts[2] == "fulfillment_availability" and op != "delete":
            issues.extend(_check_availability(patch.get("value")))
    return issues


class ListingsRoutes:
    """The listings of `AmazonFake` (a mixin)."""

    listings: dict[str, dict[str, Any]]
    listing_refusals: dict[str, dict[str, Any]]
    seller_id: str

    submissions: int = 0

    def _next_submission(self) -> str:
        self.submissions += 1
        return str(uuid.UUID(int=self.submissions))

    def refuse_listing(self, sku: str, code: str, message: str, attribute: str) -> None:
        """Make every submission for ``sku`` ``INVALID`` with this issue (a suppressed SKU)."""
        self.listing_refusals[sku] = _issue(code, message, attribute)

    def apply_patches(self, sku: str, marketplace: str, body: Mapping[str, Any]) -> None:
        """Apply a valid patch submission to ``listings``."""
        listing = self.listings.setdefault(
            sku,
            {"productType": body.get("productType") or "PRODUCT", "attributes": {}},
        )
        listing["marketplaceId"] = marketplace
        attributes = listing["attributes"]
        for patch in body["patches"]:
            name = patch["path"].split("/")[2]
            if patch["op"] == "delete":
                attributes.pop(name, None)
            elif patch["op"] == "add" and name in attributes:
                attributes[name] = attributes[name] + copy.deepcopy(patch["value"])
            else:
                attributes[name] = copy.deepcopy(patch["value"])

    def listing_issues(self, sku: str, body: Any, *, put: bool) -> list[dict[str, Any]]:
        """The ERROR issues of one submission."""
        if not isinstance(body, Mapping) or not body.get("productType"):
            return [_issue("FAKE_MISSING", "productType is required")]
        issues: list[dict[str, Any]] = []
        if sku in self.listing_refusals:
            issues.append(self.listing_refusals[sku])
        if put:
            attributes = body.get("attributes")
            if not isinstance(attributes, Mapping) or not attributes:
                issues.append(_issue("FAKE_MISSING", "attributes are required"))
            else:
                if "fulfillment_availability" in attributes:
                    issues.extend(_check_availability(attributes["fulfillment_availability"]))
                if body.get("requirements") != "LISTING_OFFER_ONLY" and not attributes.get(
                    "item_name"
                ):
                    message = "'item_name' is required but not supplied."
                    issues.append(_issue("FAKE_REQUIRED", message, "item_name"))
                if attributes.get("purchasable_offer") and not attributes.get("condition_type"):
                    message = "'condition_type' is required but not supplied."
                    issues.append(_issue("FAKE_REQUIRED", message, "condition_type"))
            return issues
        return issues + check_patches(body.get("patches"))

    def _submission(self, request: FakeRequest, *, put: bool) -> httpx.Response:
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        if request.path_params["seller_id"] != self.seller_id:
            return fake.error_response(
                403, "Unauthorized", "Access to requested resource is denied."
            )
        marketplace = request.params.get("marketplaceIds")
        if not marketplace:
            return fake.error_response(400, "InvalidInput", "marketplaceIds is required.")
        sku = request.path_params["sku"]
        try:
            body = json.loads(request.raw.content or b"null", parse_float=Decimal)
        except ValueError:
            return fake.error_response(400, "InvalidInput", "The request body is not JSON.")
        issues = self.listing_issues(sku, body, put=put)
        preview = request.params.get("mode") == "VALIDATION_PREVIEW"
        if not issues and not preview:
            with fake._lock:
                if put:
                    self.listings[sku] = {
                        "productType": body["productType"],
                        "attributes": copy.deepcopy(dict(body["attributes"])),
                        "marketplaceId": marketplace,
                        "requirements": body.get("requirements"),
                    }
                else:
                    self.apply_patches(sku, marketplace, body)
        status = ("VALID" if preview else "ACCEPTED") if not issues else "INVALID"
        answer = {
            "sku": sku,
            "status": status,
            "submissionId": self._next_submission(),
            "issues": issues,
        }
        return httpx.Response(200, json=answer)

    @route("PATCH", _ITEM)
    def patch_listings_item(self, request: FakeRequest) -> httpx.Response:
        """``patchListingsItem``: apply top-level attribute patches."""
        return self._submission(request, put=False)

    @route("PUT", _ITEM)
    def put_listings_item(self, request: FakeRequest) -> httpx.Response:
        """``putListingsItem``: replace the whole listing."""
        return self._submission(request, put=True)

    @route("GET", _ITEM)
    def get_listings_item(self, request: FakeRequest) -> httpx.Response:
        """``getListingsItem``: ``sku``, ``attributes``, ``issues``, ``fulfillmentAvailability``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        sku = request.path_params["sku"]
        listing = self.listings.get(sku)
        if listing is None or request.path_params["seller_id"] != self.seller_id:
            return fake.error_response(404, "NOT_FOUND", f"SKU {sku} not found.")
        availability = [
            {"fulfillmentChannelCode": a["fulfillment_channel_code"], "quantity": a["quantity"]}
            for a in listing["attributes"].get("fulfillment_availability", [])
        ]
        body = {
            "sku": sku,
            "summaries": [
                {
                    "marketplaceId": listing.get("marketplaceId"),
                    "productType": listing["productType"],
                }
            ],
            "attributes": listing["attributes"],
            "issues": [],
            "fulfillmentAvailability": availability,
        }
        headers = {"content-type": "application/json"}
        return httpx.Response(200, content=dumps_exact(body), headers=headers)

    def products(self) -> list[Product]:
        """The listings as canonical products (``product_id`` = SKU), for read-backs."""
        out = []
        for sku, listing in sorted(self.listings.items()):
            attributes = listing["attributes"]
            if "item_name" not in attributes:
                continue  # a quantity-only listing
            first = {k: v[0] for k, v in attributes.items() if isinstance(v, list) and v}
            refs = [
                ExternalRef(system="gs1", scheme=i["type"], value=i["value"])
                for i in attributes.get("externally_assigned_product_identifier", [])
            ]
            if "merchant_suggested_asin" in first:
                asin = first["merchant_suggested_asin"]
                refs.append(
                    ExternalRef(
                        system="amazon",
                        scheme="ASIN",
                        value=asin["value"],
                        scope=asin.get("marketplace_id"),
                    )
                )
            out.append(
                Product(
                    product_id=sku,
                    sku=sku,
                    title=first["item_name"]["value"],
                    brand=first.get("brand", {}).get("value"),
                    description=first.get("product_description", {}).get("value"),
                    identifiers=tuple(refs),
                    country_of_origin=first.get("country_of_origin", {}).get("value"),
                )
            )
        return out

    def offer_price(self, sku: str) -> Money | None:
        """The ``our_price`` of a listing's ``purchasable_offer``, exactly as sent."""
        offers = self.listings.get(sku, {}).get("attributes", {}).get("purchasable_offer")
        if not offers:
            return None
        offer = offers[0]
        amount = offer["our_price"][0]["schedule"][0]["value_with_tax"]
        return Money(amount=amount, currency=offer["currency"])

    def mfn_positions(self) -> list[InventoryPosition]:
        """The seller-fulfilled quantities as positions at ``amazon-mfn-<marketplaceId>``."""
        fake = cast("AmazonFake", self)
        now = datetime.fromtimestamp(fake.clock.time(), UTC)
        out = []
        for sku, listing in sorted(self.listings.items()):
            for entry in listing["attributes"].get("fulfillment_availability", []):
                if entry.get("fulfillment_channel_code") == "DEFAULT":
                    out.append(
                        InventoryPosition(
                            sku=sku,
                            location_id=f"amazon-mfn-{listing.get('marketplaceId')}",
                            buckets=InventoryBuckets(on_hand=Decimal(entry["quantity"])),
                            as_of=now,
                        )
                    )
        return out
