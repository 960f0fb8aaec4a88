"""Odoo connector: the JSON-2 API (Odoo 19+) or the legacy JSON-RPC ``execute_kw``.

```python
from retail_canon.connectors.odoo import OdooConnector

erp = OdooConnector(base_url="https://acme.odoo.com", database="acme",
                    api_key="...", partner_id=7)               # protocol="json2"
legacy = OdooConnector(base_url="https://erp.example.com", protocol="jsonrpc",
                       database="acme", login="bot", api_key="...", partner_id=7)
report = erp.write_orders(orders)   # one sale.order per client_order_ref, confirmed
```

See ``docs/odoo.md``.
"""

from retail_canon.connectors.odoo import mapping
from retail_canon.connectors.odoo._connector import OdooConfig, OdooConnector
from retail_canon.connectors.odoo._rpc import OdooFault

__all__ = ["mapping", "OdooConfig", "OdooConnector", "OdooFault"]
