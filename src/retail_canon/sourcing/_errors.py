"""The errors order sourcing raises.

```
RetailCanonError
└── SourcingError
    ├── UnsourceableOrder (ValueError)
    └── InvalidNetwork (ValueError)
        └── UnknownNode (also LookupError)
```

A policy that does not validate raises `pydantic.ValidationError`, like every other
document retail_canon reads. An order that cannot be filled is not an error: its lines are
reported as unfilled in the plan.
"""

from __future__ import annotations

from retail_canon._exceptions import RetailCanonError

__all__ = ["InvalidNetwork", "SourcingError", "UnknownNode", "UnsourceableOrder"]


class SourcingError(RetailCanonError):
    """Root of the errors of `retail_canon.sourcing`."""

    code = "sourcing_error"


class UnsourceableOrder(SourcingError, ValueError):
    """The order cannot be sourced as given: a fractional quantity, duplicate line ids, ..."""

    code = "unsourceable_order"


class InvalidNetwork(SourcingError, ValueError):
    """The node network is inconsistent, e.g. two nodes share one id."""

    code = "invalid_network"


class UnknownNode(InvalidNetwork, LookupError):
    """A node id (a pickup store, a rule's node list) is not part of the network."""

    code = "unknown_node"
