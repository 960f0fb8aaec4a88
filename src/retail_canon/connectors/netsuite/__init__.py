"""NetSuite connector (SuiteTalk REST web services and SuiteQL).

```python
from retail_canon.connectors.netsuite import NetSuiteConnector

erp = NetSuiteConnector(
    account_id="1234567_SB1", customer_id="42",
    consumer_key="...", consumer_secret="...", token_id="...", token_secret="...",
)
report = erp.write_orders(orders)   # PUT salesOrder/eid:<order id>: one sales order per order
receivables = erp.read_receivables(since=yesterday)
```

See ``docs/netsuite.md``.
"""

from retail_canon.connectors.netsuite import mapping
from retail_canon.connectors.netsuite._connector import NetSuiteConfig, NetSuiteConnector
from retail_canon.connectors.netsuite._gate import ConcurrencyGate
from retail_canon.connectors.netsuite._oauth1 import TokenBasedAuth

__all__ = ["ConcurrencyGate", "mapping", "NetSuiteConfig", "NetSuiteConnector", "TokenBasedAuth"]
