"""Policy of settlement matching: tolerances, the fee schedule, windows, accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, TypeVar

import attrs

from retail_canon.models import AmountType
from retail_canon.settlement._errors import SettlementInputError
from retail_canon.settlement._types import FEE_TYPES

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DEFAULT_REFUND_REF_SCHEMES",
    "FeeRule",
    "FrozenMap",
    "MatchPolicy",
    "Tolerance",
]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only, hashable, picklable mapping (policies travel to Spark/Dask/Ray workers)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        msg = f"{what} {value!r}: use a Decimal, an int or a numeric string, not a binary float"
        raise SettlementInputError(msg)
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        msg = f"{what} {value!r} must be a finite number of at least zero"
        raise SettlementInputError(msg)
    return number


def _absolute(value: object) -> Decimal:
    return _decimal(value, "absolute tolerance")


def _percent(value: object) -> Decimal:
    return _decimal(value, "percent tolerance")


def _rate(value: object) -> Decimal:
    return _decimal(value, "fee rate")


def _fixed(value: object) -> Decimal:
    return _decimal(value, "fixed fee")


@attrs.frozen(kw_only=True)
class Tolerance:
    """How far apart two amounts may be and still match: absolute or percentage.

    A difference within either bound is accepted and booked as a ``WRITE_OFF`` variance
    (or ``ROUNDING`` when it is within the rounding bound anyway).

    >>> Tolerance(absolute=Decimal("0.05"), percent=Decimal("0.5"))
    Tolerance(absolute=Decimal('0.05'), percent=Decimal('0.5'))
    """

    absolute: Decimal = attrs.field(default=Decimal(0), converter=_absolute)
    """In currency units, e.g. ``Decimal("0.05")``."""
    percent: Decimal = attrs.field(default=Decimal(0), converter=_percent)
    """In percent of the expected amount, e.g. ``Decimal("0.5")`` for 0.5 %."""


@attrs.frozen(kw_only=True)
class FeeRule:
    """The fee a marketplace should charge: ``rate`` × the principal (+ ``fixed``), negated.

    The rate part is rounded half-up to minor units. ``fixed`` is charged once per order
    (a card fee's 30 cents) and only on sales: a refund gets the rate part back, signed
    by its negative principal. A posted fee further from the expected one than
    ``tolerance`` is ``FEE_DRIFT``.

    >>> rule = FeeRule(amount_type="FEE", rate=Decimal("0.029"), fixed=Decimal("0.30"))
    >>> rule.rate, rule.fixed
    (Decimal('0.029'), Decimal('0.30'))
    """

    amount_type: AmountType = attrs.field(converter=AmountType)
    """``COMMISSION``, ``FULFILLMENT_FEE`` or ``FEE``."""
    rate: Decimal = attrs.field(converter=_rate)
    """Fraction of the principal, e.g. ``Decimal("0.15")`` for a 15 % referral fee."""
    fixed: Decimal = attrs.field(default=Decimal(0), converter=_fixed)
    """A fixed part per sale, in currency units (whole minor units of every currency
    it is used with)."""
    tolerance: Tolerance = Tolerance()

    def __attrs_post_init__(self) -> None:
        if self.amount_type not in FEE_TYPES:
            choices = ", ".join(sorted(FEE_TYPES))
            msg = f"fee rule for {self.amount_type}: only {choices} are fees"
            raise SettlementInputError(msg)


DEFAULT_REFUND_REF_SCHEMES = frozenset(
    {"adjustment-id", "adjustment_id", "AdjustmentId", "refund-id", "refund_id", "RefundId"}
)
"""`ExternalRef` schemes of a line that name its refund (Amazon's ``adjustment-id``, ...)."""

DEFAULT_ACCOUNTS: Mapping[str, str] = FrozenMap(
    {
        "COMMISSION": "6110 Marketplace commission",
        "FULFILLMENT_FEE": "6120 Marketplace fulfilment fees",
        "FEE": "6130 Marketplace other fees",
        "ACCOUNT_FEE": "6140 Marketplace account fees",
        "TAX_WITHHELD": "2210 Marketplace facilitator tax",
        "CHARGEBACK": "6150 Chargebacks",
        "REIMBURSEMENT": "4910 Marketplace reimbursements",
        "RESERVE": "1290 Marketplace reserve",
        "TRANSFER": "1020 Bank transfers",
        "FEE_DRIFT": "6160 Fee disputes",
        "ROUNDING": "6990 Rounding differences",
        "WRITE_OFF": "6991 Small differences written off",
        "CLEARING": "1280 Marketplace clearing",
    }
)
"""Journal account per posting kind; override with ``MatchPolicy(accounts=...)``."""


def _tolerances(value: Mapping[AmountType | str, Tolerance]) -> Mapping[AmountType, Tolerance]:
    return FrozenMap({AmountType(k): v for k, v in value.items()})


def _fee_rules(value: tuple[FeeRule, ...] | list[FeeRule]) -> tuple[FeeRule, ...]:
    rules = tuple(value)
    types = [r.amount_type for r in rules]
    if len(set(types)) != len(types):
        msg = f"one fee rule per amount type, got {', '.join(types)}"
        raise SettlementInputError(msg)
    return rules


def _accounts(value: Mapping[str, str]) -> Mapping[str, str]:
    return FrozenMap({**DEFAULT_ACCOUNTS, **value})


def _positive(lower: int) -> Callable[[Any, attrs.Attribute[int], int], None]:
    def check(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < lower:
            msg = f"{attribute.name} must be an int of at least {lower}, not {value!r}"
            raise SettlementInputError(msg)

    return check


def _fraction(value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Fraction | Decimal | int | str):
        msg = f"rounding_per_line {value!r}: use a Fraction, Decimal, int or string"
        raise SettlementInputError(msg)
    fraction = Fraction(value)
    if fraction < 0:
        msg = f"rounding_per_line {value!r} must be at least zero"
        raise SettlementInputError(msg)
    return fraction


@attrs.frozen(kw_only=True)
class MatchPolicy:
    """How `match` decides: tolerances, fee schedule, windows, integrity handling.

    Every field has a default, so ``MatchPolicy()`` matches exactly, with half a minor
    unit of rounding per line, a 14-day settlement lag and quarantined inconsistent files.

    >>> policy = MatchPolicy(
    ...     tolerances={"PRINCIPAL": Tolerance(absolute=Decimal("0.05"))},
    ...     fee_rules=[FeeRule(amount_type="COMMISSION", rate=Decimal("0.15"))],
    ... )
    >>> policy.tolerance(AmountType.PRINCIPAL).absolute, policy.tolerance(AmountType.REFUND)
    (Decimal('0.05'), Tolerance(absolute=Decimal('0'), percent=Decimal('0')))
    """

    tolerances: Mapping[AmountType, Tolerance] = attrs.field(
        factory=FrozenMap, converter=_tolerances
    )
    """Per amount type: ``PRINCIPAL`` for orders, ``REFUND`` for refunds, fee types."""
    fee_rules: tuple[FeeRule, ...] = attrs.field(default=(), converter=_fee_rules)
    rounding_per_line: Fraction = attrs.field(default=Fraction(1, 2), converter=_fraction)
    """Rounding bound per receivable line, in minor units: ceil(lines × this)."""
    settlement_lag_days: int = attrs.field(default=14, validator=_positive(0))
    """A document issued this close to the last settlement's end may still be settled."""
    fuzzy_window_days: int = attrs.field(default=3, validator=_positive(0))
    fuzzy_max_documents: int = attrs.field(default=3, validator=_positive(0))
    """At most 3: the subset search is bounded on purpose (0 turns the stage off)."""
    fuzzy_max_candidates: int = attrs.field(default=32, validator=_positive(1))
    """Documents considered per line group, nearest in date first."""
    refund_ref_schemes: frozenset[str] = attrs.field(
        default=DEFAULT_REFUND_REF_SCHEMES, converter=frozenset
    )
    integrity: Literal["quarantine", "report", "off"] = attrs.field(
        default="quarantine", validator=attrs.validators.in_(("quarantine", "report", "off"))
    )
    """A settlement that does not add up: ``quarantine`` keeps all of its lines out of
    matching (one exception for the whole deposit), ``report`` matches its lines and
    books the gap as an exception, ``off`` skips the check (for partitioned runs)."""
    functional_currency: str | None = None
    """The company currency FX differences are reported in (needs ``rates``)."""
    order_scheme: str = "order_id"
    """`ExternalRef` scheme of marketplace order ids, for the xref resolver."""
    xref_system: str = "erp"
    """System the resolver maps marketplace order ids to."""
    xref_scheme: str | None = None
    accounts: Mapping[str, str] = attrs.field(factory=lambda: DEFAULT_ACCOUNTS, converter=_accounts)
    """Journal accounts by posting kind; see `DEFAULT_ACCOUNTS`."""

    def __attrs_post_init__(self) -> None:
        if self.fuzzy_max_documents > 3:
            msg = f"fuzzy_max_documents {self.fuzzy_max_documents}: at most 3 (bounded search)"
            raise SettlementInputError(msg)

    def tolerance(self, amount_type: AmountType) -> Tolerance:
        """The tolerance for ``amount_type`` (zero when the policy names none)."""
        return self.tolerances.get(amount_type, _ZERO)


_ZERO = Tolerance()
