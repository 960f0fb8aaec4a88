"""The errors `retail_canon.ats` raises.

Every error derives from `AtsError`, itself a `retail_canon.RetailCanonError`, and carries a
stable, machine-readable ``code``:

```
RetailCanonError
└── AtsError
    ├── InvalidRules (ValueError)          rules that contradict themselves or name unknowns
    ├── InvalidAtsInput (ValueError)       positions, reservations or events that cannot be used
    │   └── FractionalQuantity             a quantity that is not a whole number of base units
    ├── UnknownChannel (LookupError)       a channel (or pool) the rules do not define
    ├── UnknownReservation (LookupError)   a reservation id the engine does not hold
    ├── InsufficientStock                  a reservation or move the stock cannot cover
    └── ClockWentBackwards (ValueError)    an engine asked to go back in time
```
"""

from __future__ import annotations

from retail_canon._exceptions import RetailCanonError

__all__ = [
    "AtsError",
    "ClockWentBackwards",
    "FractionalQuantity",
    "InsufficientStock",
    "InvalidAtsInput",
    "InvalidRules",
    "UnknownChannel",
    "UnknownReservation",
]


class AtsError(RetailCanonError):
    """Root of the errors of the available-to-sell engine."""

    code = "ats_error"


class InvalidRules(AtsError, ValueError):
    """ATS rules that contradict themselves or refer to nodes, channels or pools not defined."""

    code = "invalid_ats_rules"


class InvalidAtsInput(AtsError, ValueError):
    """Positions, reservations or events that cannot be used (naive datetimes, duplicates, ...)."""

    code = "invalid_ats_input"


class FractionalQuantity(InvalidAtsInput):
    """A quantity that is not a whole number of the SKU's base unit.

    ATS counts whole base units. Sell weighed goods in a finer base unit (``GRM`` rather
    than ``KGM``) so that every quantity is whole.
    """

    code = "fractional_quantity"


class UnknownChannel(AtsError, LookupError):
    """A channel or pool that the rules do not define."""

    code = "unknown_channel"

    def __str__(self) -> str:
        # LookupError would show the repr of the message (quotes included).
        return str(self.args[0]) if self.args else ""


class UnknownReservation(AtsError, LookupError):
    """A reservation id that the engine does not hold (never created, or released)."""

    code = "unknown_reservation"

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InsufficientStock(AtsError):
    """A reservation, or a move of one, that the available stock cannot cover in full.

    Attributes:
        requested: the quantity asked for.
        available: what the channel (or the destination node) could give.
    """

    code = "insufficient_stock"

    def __init__(self, message: str, *, requested: int, available: int) -> None:
        super().__init__(message)
        self.requested = requested
        self.available = available


class ClockWentBackwards(AtsError, ValueError):
    """An engine asked to move its clock to an earlier time than it already reached."""

    code = "as_of_went_backwards"
