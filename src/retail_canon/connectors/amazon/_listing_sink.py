"""``ListingSink``: canonical products as Amazon listings (Listings Items 2021-08-01).

Each product becomes a `ListingDraft` — its SKU, Amazon product type and attributes in
Amazon's shape (``item_name``, ``brand``, ``product_description``,
``externally_assigned_product_identifier``, ``merchant_suggested_asin``,
``country_of_origin``, ``item_weight``, ``item_dimensions``; ``purchasable_offer`` and
``condition_type`` when a price is known) — which the user's enrichment hook completes with
what only the channel knows (product type, bullet points, category attributes), then one
``putListingsItem`` (the whole listing) or ``patchListingsItem`` (``replace`` of each
attribute) per SKU — or, beyond ``listing_feed_threshold`` products, one
``JSON_LISTINGS_FEED`` of ``UPDATE`` (or ``PATCH``) messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import SkippableRecordError, WriteReport
from retail_canon.connectors.amazon._feeds import submit_listings_flow
from retail_canon.connectors.amazon._listings import ListingWrite, seller_id

if TYPE_CHECKING:
    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._http import HttpConnector
    from retail_canon.models import Money, Product, Quantity

__all__ = [
    "Enricher",
    "ListingDraft",
    "PriceSource",
    "draft_listing",
    "listing_sink_flow",
    "purchasable_offer",
]

_WEIGHT_UNITS = {"KGM": "kilograms", "GRM": "grams", "LBR": "pounds", "ONZ": "ounces"}
_LENGTH_UNITS = {"CMT": "centimeters", "MMT": "millimeters", "MTR": "meters", "INH": "inches"}
_IDENTIFIER_TYPES = {"gtin": "gtin", "ean": "ean", "upc": "upc", "isbn": "isbn"}


@dataclass
class ListingDraft:
    """The listing about to be sent for one product; the enrichment hook may change it.

    Attributes:
        sku: the seller SKU (the product's ``sku``).
        product_type: Amazon's product type (``listing_product_type`` unless changed).
        attributes: Amazon attributes, each a list of values in Amazon's shape.
        requirements: ``LISTING``, ``LISTING_PRODUCT_ONLY`` or ``LISTING_OFFER_ONLY``
            (PUT only; `None`: Amazon's default, ``LISTING``).
    """

    sku: str
    product_type: str
    attributes: dict[str, Any] = field(default_factory=dict)
    requirements: str | None = None


Enricher = Callable[["Product", ListingDraft], "ListingDraft | None"]
"""The user's hook: ``(product, draft) -> draft`` (or `None` after changing it in place)."""
PriceSource = Callable[["Product"], "Money | None"]
"""Where prices come from (the canonical `Product` has none): ``product -> Money | None``."""


def _text(value: str, marketplace: str, language: str) -> list[dict[str, Any]]:
    return [{"value": value, "language_tag": language, "marketplace_id": marketplace}]


def _measure(quantity: Quantity, units: Mapping[str, str], what: str) -> dict[str, Any]:
    unit = units.get(quantity.uom)
    if unit is None:
        msg = f"{what}: unit {quantity.uom!r} has no Amazon unit (known: {', '.join(units)})"
        raise ValueError(msg)
    return {"value": quantity.value, "unit": unit}


def purchasable_offer(price: Money, marketplace: str) -> list[dict[str, Any]]:
    """The ``purchasable_offer`` attribute of one price (exact: sent as a JSON number).

    >>> from retail_canon.models import Money
    >>> purchasable_offer(Money(amount="19.99", currency="USD"), "ATVPDKIKX0DER")[0]["our_price"]
    [{'schedule': [{'value_with_tax': Decimal('19.99')}]}]
    """
    return [
        {
            "currency": price.currency,
            "marketplace_id": marketplace,
            "our_price": [{"schedule": [{"value_with_tax": price.amount}]}],
        }
    ]


def draft_listing(
    product: Product,
    *,
    marketplace: str,
    language: str,
    product_type: str,
    condition_type: str,
    price: Money | None = None,
) -> ListingDraft:
    """The listing of ``product`` from its canonical fields (before the enrichment hook).

    Raises:
        ValueError: a field Amazon cannot take (a unit without an Amazon name); the message
            names the field.
    """
    attributes: dict[str, Any] = {"item_name": _text(product.title, marketplace, language)}
    if product.brand:
        attributes["brand"] = _text(product.brand, marketplace, language)
    if product.description:
        attributes["product_description"] = _text(product.description, marketplace, language)
    identifiers = []
    for ref in product.identifiers:
        scheme = ref.scheme.lower()
        if scheme in _IDENTIFIER_TYPES:
            identifiers.append(
                {
                    "type": _IDENTIFIER_TYPES[scheme],
                    "value": ref.value,
                    "marketplace_id": marketplace,
                }
            )
        elif scheme == "asin" and ref.scope in (None, marketplace):
            attributes["merchant_suggested_asin"] = [
                {"value": ref.value, "marketplace_id": marketplace}
            ]
    if identifiers:
        attributes["externally_assigned_product_identifier"] = identifiers
    if product.country_of_origin:
        attributes["country_of_origin"] = [
            {"value": product.country_of_origin, "marketplace_id": marketplace}
        ]
    if product.weight is not None:
        weight = _measure(product.weight, _WEIGHT_UNITS, "weight")
        attributes["item_weight"] = [{**weight, "marketplace_id": marketplace}]
    if product.dimensions is not None:
        d = product.dimensions
        unit = _LENGTH_UNITS.get(d.uom)
        if unit is None:
            msg = (
                f"dimensions: unit {d.uom!r} has no Amazon unit (known: {', '.join(_LENGTH_UNITS)})"
            )
            raise ValueError(msg)
        attributes["item_dimensions"] = [
            {
                "length": {"value": d.length, "unit": unit},
                "width": {"value": d.width, "unit": unit},
                "height": {"value": d.height, "unit": unit},
                "marketplace_id": marketplace,
            }
        ]
    if price is not None:
        attributes["purchasable_offer"] = purchasable_offer(price, marketplace)
        attributes["condition_type"] = [{"value": condition_type, "marketplace_id": marketplace}]
    return ListingDraft(product.sku, product_type, attributes)


def _refusal(product: Product, index: int, problem: str) -> SkippableRecordError:
    return SkippableRecordError(
        f"write_listings: {product.product_id} (SKU {product.sku}) refused: {problem}",
        record_id=product.product_id,
        source={"operation": "write_listings", "index": index},
        record=product,
        operation="write_listings",
    )


def _plan(
    connector: HttpConnector[Any],
    products: Iterable[Product],
    enrich: Enricher | None,
    price_of: PriceSource | None,
) -> tuple[list[ListingWrite], list[SkippableRecordError]]:
    config = connector.config
    marketplace = config.marketplace_ids[0]
    writes: list[ListingWrite] = []
    refused: list[SkippableRecordError] = []
    seen: set[str] = set()
    for index, product in enumerate(products):
        if product.variants:
            problem = (
                "it has variants: a variation family needs a parent listing and a "
                "variation_theme; write each variant as a product of its own"
            )
            refused.append(_refusal(product, index, problem))
            continue
        if product.sku in seen:
            refused.append(_refusal(product, index, "the SKU appears twice in one write"))
            continue
        try:
            price = price_of(product) if price_of is not None else None
            draft = draft_listing(
                product,
                marketplace=marketplace,
                language=config.language_tag,
                product_type=config.listing_product_type,
                condition_type=config.condition_type,
                price=price,
            )
            if enrich is not None:
                draft = enrich(product, draft) or draft
        except ValueError as exc:
            refused.append(_refusal(product, index, str(exc)))
            continue
        if draft.sku != product.sku:
            refused.append(_refusal(product, index, "the enrichment hook changed the SKU"))
            continue
        seen.add(product.sku)
        writes.append(_write(product, draft, config.listing_method))
    return writes, refused


def _write(product: Product, draft: ListingDraft, method: str) -> ListingWrite:
    if method == "PATCH":
        patches = [
            {"op": "replace", "path": f"/attributes/{name}", "value": value}
            for name, value in draft.attributes.items()
        ]
        body: dict[str, Any] = {"productType": draft.product_type, "patches": patches}
    else:
        body = {"productType": draft.product_type, "attributes": draft.attributes}
        if draft.requirements:
            body["requirements"] = draft.requirements
    return ListingWrite(product.product_id, product.sku, method, body, product)


def listing_sink_flow(
    connector: HttpConnector[Any],
    products: Iterable[Product],
    enrich: Enricher | None,
    price_of: PriceSource | None,
) -> Flow[WriteReport]:
    """The whole listings write: drafts, the hook, then one submission per SKU."""
    seller_id(connector, "writing listings")
    writes, refused = _plan(connector, products, enrich, price_of)
    threshold = connector.config.listing_feed_threshold
    report = yield from submit_listings_flow(connector, writes, refused, feed_threshold=threshold)
    return report
