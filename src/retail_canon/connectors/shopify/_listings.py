"""Listings: ``productSet`` for products, their variants and prices, with an enrichment hook.

`mapping.product_set_input` builds the ``ProductSetInput`` of a `Product`; the user's
enrichment hook (a `ListingEnricher`) then sees the product and that input and returns
the input to send: prices, tags, SEO fields, metafields, ``productType`` — whatever is
Shopify-specific and not in the canonical product. ``productSet`` is an upsert keyed by
the handle, so a repeated write (after a lost answer) is harmless.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import RequestSpec, SkippableRecordError, WriteOperation, WriteResult
from retail_canon.connectors._writes import refusal
from retail_canon.connectors.shopify import _graphql, mapping
from retail_canon.models import Product

if TYPE_CHECKING:
    import httpx

__all__ = ["ListingEnricher", "ProductSet", "prepare"]

ListingEnricher = Callable[[Product, dict[str, Any]], Mapping[str, Any]]
"""``(product, product_set_input) -> product_set_input``: the channel-specific part."""

PRODUCT_SET_COST = 10


def prepare(
    products: Iterable[Product], enrich: ListingEnricher | None
) -> tuple[list[tuple[Product, dict[str, Any]]], list[SkippableRecordError]]:
    """The input of each product, enriched; a skip for each the mapping or hook refuses."""
    good: list[tuple[Product, dict[str, Any]]] = []
    bad: list[SkippableRecordError] = []
    for index, product in enumerate(products):
        try:
            payload = mapping.product_set_input(product)
            if enrich is not None:
                payload = dict(enrich(product, payload))
        except (ValueError, KeyError, TypeError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            bad.append(refusal("ProductSet", product.product_id, index, product, problem))
        else:
            good.append((product, payload))
    return good, bad


class ProductSet(WriteOperation[tuple[Product, dict[str, Any]]]):
    """One ``productSet`` per product (synchronous; upsert by handle)."""

    operation = "ProductSet"

    def request(self, item: tuple[Product, dict[str, Any]]) -> RequestSpec:
        _, payload = item
        variables = {"input": payload, "identifier": {"handle": payload["handle"]}}
        return _graphql.gql(self.operation, _graphql.PRODUCT_SET, variables, PRODUCT_SET_COST)

    def key(self, item: tuple[Product, dict[str, Any]]) -> str:
        return item[0].product_id

    def idempotency_key(self, item: tuple[Product, dict[str, Any]]) -> str | None:
        return None  # an upsert: repeating it is harmless

    def result(self, item: tuple[Product, dict[str, Any]], response: httpx.Response) -> WriteResult:
        vendor_id = None
        try:
            product = json.loads(response.content)["data"]["productSet"]["product"]
            vendor_id = str(product["id"]) if product else None
        except (ValueError, KeyError, TypeError):
            pass
        rid = response.headers.get("x-request-id")
        return WriteResult(self.key(item), response.status_code, vendor_id, rid)
