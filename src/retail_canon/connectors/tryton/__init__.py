"""Tryton ERP connector (JSON-RPC, Tryton 8.2).

```python
from retail_canon.connectors.tryton import TrytonConnector

erp = TrytonConnector(
    base_url="http://127.0.0.1:8000", database="shop", login="admin", password="..."
)
report = erp.write_orders(orders)   # one sale per order, found by reference on retries
products = erp.read_products()      # the item master as canonical Products
stock = list(erp.read_inventory())  # InventoryPosition per product and warehouse
done = list(erp.read_shipments())   # done customer shipments as FulfillmentOrders
erp.write_returns(rmas)             # credit notes, once per RMA id
```

A local server for trials and tests: ``retail-canon sandbox tryton start`` (`_sandbox`).

See ``docs/tryton.md``.
"""

from retail_canon.connectors.tryton import mapping
from retail_canon.connectors.tryton._connector import TrytonConfig, TrytonConnector

__all__ = ["TrytonConfig", "TrytonConnector", "mapping"]
