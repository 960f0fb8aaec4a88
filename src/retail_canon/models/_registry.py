"""The canonical object kinds, by name: what the CLI and schema export iterate over."""

from __future__ import annotations

from retail_canon._exceptions import RetailCanonError
from retail_canon.models._base import CanonicalModel
from retail_canon.models._fulfillment_order import FulfillmentOrder
from retail_canon.models._inventory import InventoryEvent, InventoryPosition
from retail_canon.models._product import Product
from retail_canon.models._return_authorization import ReturnAuthorization
from retail_canon.models._sales_order import SalesOrder
from retail_canon.models._settlement import SettlementRecord
from retail_canon.models._store_transfer import StoreTransfer

__all__ = ["KINDS", "UnknownKind", "kind_of", "model_for"]

KINDS: dict[str, type[CanonicalModel]] = {
    "product": Product,
    "inventory-position": InventoryPosition,
    "inventory-event": InventoryEvent,
    "sales-order": SalesOrder,
    "fulfillment-order": FulfillmentOrder,
    "return-authorization": ReturnAuthorization,
    "store-transfer": StoreTransfer,
    "settlement-record": SettlementRecord,
}
"""Every top-level canonical object, by its kebab-case kind name."""


class UnknownKind(RetailCanonError, KeyError):
    """A kind name that is not one of `KINDS`."""

    code = "unknown_kind"


def model_for(kind: str) -> type[CanonicalModel]:
    """The model class of a kind name (``sales-order``) or class name (``SalesOrder``)."""
    if kind in KINDS:
        return KINDS[kind]
    for model in KINDS.values():
        if model.__name__ == kind:
            return model
    msg = f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}"
    raise UnknownKind(msg)


def kind_of(model: type[CanonicalModel]) -> str:
    """The kind name of a top-level model class."""
    for kind, cls in KINDS.items():
        if cls is model:
            return kind
    msg = f"{model.__name__} is not a top-level canonical object"
    raise UnknownKind(msg)
