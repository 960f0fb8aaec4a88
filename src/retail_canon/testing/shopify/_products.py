"""Products in `ShopifyFake`: ``productSet`` (upsert by handle) with Shopify's checks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from retail_canon.models import Product, ProductStatus, ProductVariant

__all__ = ["Products"]

_STATUS = {"ACTIVE": ProductStatus.ACTIVE, "DRAFT": ProductStatus.DRAFT}


def _error(field: list[str], message: str, code: str) -> dict[str, Any]:
    return {"product": None, "userErrors": [{"field": field, "message": message, "code": code}]}


class Products:
    """Mixed into `ShopifyFake`: ``productSet`` stores the input as the product.

    Refused with ``userErrors`` naming the field: a blank title, an unknown status, a
    variant whose option values do not match ``productOptions``, a price that is not a
    non-negative decimal, a SKU another product holds.
    """

    products: dict[str, dict[str, Any]]  # handle → {"id", "input"}
    _serial: int

    def _op_ProductSet(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        payload = variables["input"]
        handle = (variables.get("identifier") or {}).get("handle") or payload.get("handle")
        checked = self._check_product(payload, handle)
        if checked is not None:
            return {"productSet": checked}, 10
        existing = self.products.get(handle)
        if existing is None:
            self._serial += 1
            existing = {"id": f"gid://shopify/Product/{self._serial}"}
        self.products[handle] = {"id": existing["id"], "input": payload}
        return {
            "productSet": {"product": {"id": existing["id"], "handle": handle}, "userErrors": []}
        }, 10

    def _check_product(self, payload: dict[str, Any], handle: str | None) -> dict[str, Any] | None:
        if not handle:
            return _error(["identifier", "handle"], "Handle can't be blank", "BLANK")
        if not str(payload.get("title") or "").strip():
            return _error(["input", "title"], "Title can't be blank", "BLANK")
        if payload.get("status", "ACTIVE") not in ("ACTIVE", "DRAFT", "ARCHIVED"):
            return _error(["input", "status"], "Status is not valid", "INVALID")
        options = {o["name"]: {v["name"] for v in o["values"]} for o in payload["productOptions"]}
        taken = {
            v["inventoryItem"]["sku"]: h
            for h, p in self.products.items()
            for v in p["input"]["variants"]
        }
        for index, variant in enumerate(payload.get("variants") or []):
            where = ["input", "variants", str(index)]
            for value in variant["optionValues"]:
                if value["name"] not in options.get(value["optionName"], set()):
                    return _error(
                        [*where, "optionValues"], "Option value does not exist", "INVALID_VARIANT"
                    )
            if "price" in variant:
                try:
                    price = Decimal(str(variant["price"]))
                except InvalidOperation:
                    price = Decimal(-1)
                if not price.is_finite() or price < 0:
                    return _error([*where, "price"], "Price must be 0 or more", "INVALID")
            sku = variant["inventoryItem"]["sku"]
            if taken.get(sku, handle) != handle:
                return _error(
                    [*where, "inventoryItem", "sku"], f"SKU {sku} is already taken", "TAKEN"
                )
        return None

    def listings(self) -> list[Product]:
        """The products held, as canonical `Product` objects (id from the metafield)."""
        out = []
        for handle, stored in self.products.items():
            payload = stored["input"]
            product_id = next(
                (
                    m["value"]
                    for m in payload.get("metafields") or []
                    if (m["namespace"], m["key"]) == ("retail_canon", "product_id")
                ),
                handle,
            )
            variants = [
                ProductVariant(
                    sku=v["inventoryItem"]["sku"],
                    options=tuple(
                        (o["optionName"], o["name"])
                        for o in v["optionValues"]
                        if o["optionName"] != "Title"
                    ),
                )
                for v in payload["variants"]
            ]
            out.append(
                Product(
                    product_id=product_id,
                    sku=variants[0].sku,
                    title=payload["title"],
                    brand=payload.get("vendor"),
                    status=_STATUS.get(payload.get("status", "ACTIVE"), ProductStatus.DISCONTINUED),
                    source_status=payload.get("status", "ACTIVE"),
                    variants=tuple(variants) if len(variants) > 1 or variants[0].options else (),
                )
            )
        return out
