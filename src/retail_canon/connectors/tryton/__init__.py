"""Tryton ERP connector (JSON-RPC, Tryton 8.2).

```python
from retail_canon.connectors.tryton import TrytonConnector

erp = TrytonConnector(
    base_url="http://127.0.0.1:8000", database="shop", login="admin", password="..."
)
report = erp.write_orders(orders)   # one sale per order, found by reference on retries
products = erp.read_products()      # the item master as canonical Products
```

See ``docs/tryton.md``.
"""

from retail_canon.connectors.tryton import mapping
from retail_canon.connectors.tryton._connector import TrytonConfig, TrytonConnector

__all__ = ["TrytonConfig", "TrytonConnector", "mapping"]
