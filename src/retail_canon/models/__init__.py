"""Canonical retail objects: the public contract of retail_canon.

Every connector maps into these objects and every engine computes on them. They are
pydantic v2 models: frozen, unknown fields refused, exact decimals (never binary floats),
timezone-aware datetimes, and a ``schema_version`` on each top-level object.

Importing this package loads pydantic and the models only: no pint, babel, httpx,
dateutil or cattrs.
"""

from typing import TYPE_CHECKING, Any

from retail_canon.models._address import Address, Customer, Party, PartyRole
from retail_canon.models._base import (
    CanonicalModel,
    ExactDecimal,
    NonNegativeDecimal,
    PositiveDecimal,
    Timestamp,
)
from retail_canon.models._charges import Discount, ShippingLine
from retail_canon.models._fulfillment_order import (
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentStatus,
    Package,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from retail_canon.models._inventory import (
    InventoryBucket,
    InventoryBuckets,
    InventoryEvent,
    InventoryPosition,
)
from retail_canon.models._location import GLN, Location, LocationCapability, LocationKind
from retail_canon.models._money import CurrencyCode, Money, minor_units
from retail_canon.models._product import (
    Dimensions,
    PackLevel,
    Product,
    ProductStatus,
    ProductVariant,
)
from retail_canon.models._quantity import (
    NonNegativeQuantity,
    PositiveQuantity,
    Quantity,
    UomCode,
)
from retail_canon.models._refs import ExternalRef
from retail_canon.models._registry import KINDS, UnknownKind, kind_of, model_for
from retail_canon.models._return_authorization import (
    Disposition,
    Refund,
    RefundStatus,
    ReturnAuthorization,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
)
from retail_canon.models._sales_order import (
    FulfilledBy,
    Hold,
    OrderLine,
    OrderStatus,
    OrderTotals,
    PaymentStatus,
    SalesOrder,
)
from retail_canon.models._settlement import (
    AmountType,
    Payout,
    SettlementLine,
    SettlementRecord,
    SettlementStatus,
)
from retail_canon.models._states import StatefulModel, StateMachine
from retail_canon.models._store_transfer import StoreTransfer, TransferLine, TransferStatus
from retail_canon.models._tax import TaxKind, TaxLiability, TaxLine

if TYPE_CHECKING:
    from retail_canon.models._schema import (
        SchemaChange,
        check_schema_history,
        compare_schemas,
        export_schemas,
        json_schema,
    )

__all__ = [
    "Address",
    "AmountType",
    "CanonicalModel",
    "check_schema_history",
    "compare_schemas",
    "CurrencyCode",
    "Customer",
    "Dimensions",
    "Discount",
    "Disposition",
    "ExactDecimal",
    "export_schemas",
    "ExternalRef",
    "FulfilledBy",
    "FulfillmentLine",
    "FulfillmentOrder",
    "FulfillmentStatus",
    "GLN",
    "Hold",
    "InventoryBucket",
    "InventoryBuckets",
    "InventoryEvent",
    "InventoryPosition",
    "json_schema",
    "kind_of",
    "KINDS",
    "Location",
    "LocationCapability",
    "LocationKind",
    "minor_units",
    "model_for",
    "Money",
    "NonNegativeDecimal",
    "NonNegativeQuantity",
    "OrderLine",
    "OrderStatus",
    "OrderTotals",
    "Package",
    "PackLevel",
    "Party",
    "PartyRole",
    "PaymentStatus",
    "Payout",
    "PositiveDecimal",
    "PositiveQuantity",
    "Product",
    "ProductStatus",
    "ProductVariant",
    "Quantity",
    "Refund",
    "RefundStatus",
    "ReturnAuthorization",
    "ReturnLine",
    "ReturnReason",
    "ReturnStatus",
    "SalesOrder",
    "SchemaChange",
    "SettlementLine",
    "SettlementRecord",
    "SettlementStatus",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
    "ShippingLine",
    "StatefulModel",
    "StateMachine",
    "StoreTransfer",
    "TaxKind",
    "TaxLiability",
    "TaxLine",
    "Timestamp",
    "TransferLine",
    "TransferStatus",
    "UnknownKind",
    "UomCode",
]

# Schema export and comparison load on first use: they are tools, not part of validating.
_LAZY = frozenset(
    {"SchemaChange", "check_schema_history", "compare_schemas", "export_schemas", "json_schema"}
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from retail_canon.models import _schema

        value = getattr(_schema, name)
        globals()[name] = value
        return value
    msg = f"module 'retail_canon.models' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)
