"""Inputs and vocabulary of settlement matching: documents, reason codes, rules, resolver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

import attrs

from retail_canon._exceptions import CurrencyMismatch
from retail_canon.models import AmountType, ExternalRef, Money
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement._errors import SettlementInputError

__all__ = [
    "AMOUNT_TYPES",
    "DOCUMENT_KINDS",
    "FEE_TYPES",
    "DocumentKind",
    "ErpDocument",
    "MatchRule",
    "ReasonCode",
    "RefResolver",
]

AMOUNT_TYPES: tuple[AmountType, ...] = tuple(AmountType)
"""Amount types by code: column ``amount_type`` of a `SettlementTable` holds these indexes."""

FEE_TYPES = frozenset({AmountType.COMMISSION, AmountType.FULFILLMENT_FEE, AmountType.FEE})


class ReasonCode(StrEnum):
    """Why money (or an ERP document) is not simply matched.

    Variances explain money inside the payout (``FEE_DRIFT`` ... ``TRANSFER``);
    exceptions need someone to act (``DUPLICATE`` ... ``UNMATCHED``); ``TIMING``,
    ``PARTIAL_SETTLEMENT`` and ``REFUND_NOT_SETTLED`` describe ERP documents left open;
    ``FX_DIFFERENCE`` is realised exchange gain or loss in the functional currency.
    """

    FEE_DRIFT = "FEE_DRIFT"
    """A fee differs from the fee schedule beyond its tolerance."""
    TAX_WITHHELD = "TAX_WITHHELD"
    """Marketplace-facilitator (or TCS/TDS) tax kept by the marketplace."""
    CHARGEBACK = "CHARGEBACK"
    """A card chargeback, A-to-z claim or dispute taken back from the payout."""
    RESERVE_HOLD = "RESERVE_HOLD"
    """Money held back as an account-level reserve."""
    RESERVE_RELEASE = "RESERVE_RELEASE"
    """The previous settlement's reserve paid out."""
    ACCOUNT_FEE = "ACCOUNT_FEE"
    """A fee not tied to an order: subscription, storage, advertising."""
    REIMBURSEMENT = "REIMBURSEMENT"
    """An account-level adjustment: lost or damaged inventory reimbursed, or clawed back."""
    TRANSFER = "TRANSFER"
    """Money moved to or from the seller's bank inside the settlement."""
    ROUNDING = "ROUNDING"
    """A difference within the rounding bound (half a minor unit per line)."""
    WRITE_OFF = "WRITE_OFF"
    """A difference within the policy's tolerance, beyond the rounding bound."""
    DUPLICATE = "DUPLICATE"
    """The same line or settlement twice."""
    PAYOUT_INTEGRITY = "PAYOUT_INTEGRITY"
    """The settlement does not add up to its deposit, or its reserve does not carry over."""
    REFUND_MISSING_IN_ERP = "REFUND_MISSING_IN_ERP"
    """A marketplace refund without a credit memo."""
    REFUND_AMOUNT_MISMATCH = "REFUND_AMOUNT_MISMATCH"
    """A refund and its credit memo differ beyond tolerance (partial refund, restocking)."""
    UNCLASSIFIED = "UNCLASSIFIED"
    """A line whose amount type is ``OTHER``."""
    UNMATCHED = "UNMATCHED"
    """Money or a document nothing explains."""
    TIMING = "TIMING"
    """A document not settled yet, within the settlement lag: expected in the next payout."""
    PARTIAL_SETTLEMENT = "PARTIAL_SETTLEMENT"
    """An invoice settled in parts: across settlements, or with a remainder still open."""
    REFUND_NOT_SETTLED = "REFUND_NOT_SETTLED"
    """A credit memo without a refund line after the settlement lag."""
    FX_DIFFERENCE = "FX_DIFFERENCE"
    """Realised exchange gain or loss between the document's rate and the payout's rate."""


class MatchRule(StrEnum):
    """Which rule matched money to ERP documents (or to the fee schedule)."""

    KEY = "KEY"
    """One group of lines, one settlement, one document, joined on their key."""
    KEY_SPLIT_DOCUMENTS = "KEY_SPLIT_DOCUMENTS"
    """One group, several documents (one order invoiced per shipment): 1:n."""
    KEY_SPLIT_SETTLEMENTS = "KEY_SPLIT_SETTLEMENTS"
    """One document paid across several settlements: n:1."""
    KEY_MANY_TO_MANY = "KEY_MANY_TO_MANY"
    """Several settlements and several documents for one key: n:m."""
    REFUND_BY_ORDER = "REFUND_BY_ORDER"
    """A refund joined to a credit memo through the order id, not its refund id."""
    TOKEN = "TOKEN"
    """Keys equal once reduced to their letters and digits (``#1001`` and ``1001``)."""
    FUZZY = "FUZZY"
    """Up to three documents whose amounts add up to the line's, within a date window."""
    FEE_SCHEDULE = "FEE_SCHEDULE"
    """A fee checked against the policy's fee schedule."""
    FEE_AS_POSTED = "FEE_AS_POSTED"
    """A fee without a schedule rule, accepted as posted."""


class DocumentKind(StrEnum):
    """What an ERP document is; it fixes the sign the settlement should carry."""

    INVOICE = "INVOICE"
    """Money the customer owes: settled by positive marketplace lines."""
    CREDIT_MEMO = "CREDIT_MEMO"
    """Money refunded to the customer: settled by negative refund lines."""
    PAYMENT = "PAYMENT"
    """A payment request or sales receipt expected from the marketplace: like an invoice."""


DOCUMENT_KINDS: tuple[DocumentKind, ...] = tuple(DocumentKind)
"""Document kinds by code: column ``kind`` of a `DocumentTable` holds these indexes."""


def _money(value: object) -> Money:
    return value if isinstance(value, Money) else Money.model_validate(value)


def _optional_money(value: object) -> Money | None:
    return None if value is None else _money(value)


def _is(kind: type[Any]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind) or (kind is date and isinstance(value, datetime)):
            msg = f"{attribute.name} {value!r}: expected a {kind.__name__}"
            raise SettlementInputError(msg)

    return check


def _is_optional(kind: type[Any]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    check = _is(kind)

    def optional(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(instance, attribute, value)

    return optional


def _kind(value: object) -> DocumentKind:
    try:
        return DocumentKind(str(value))
    except ValueError:
        choices = ", ".join(DocumentKind)
        msg = f"document kind {value!r} is not one of {choices}"
        raise SettlementInputError(msg) from None


@attrs.frozen(kw_only=True)
class ErpDocument:
    """An open ERP receivable to match: an invoice, a credit memo or a payment request.

    Amounts are as the ERP shows them (positive for invoices and credit memos); the kind
    gives the sign the settlement carries (a credit memo is settled by negative lines).

    >>> doc = ErpDocument(
    ...     document_id="INV-1",
    ...     kind="INVOICE",
    ...     order_ref="111-0000001-0000001",
    ...     amount=Money(amount="21.98", currency="USD"),
    ...     issued_on=date(2026, 3, 2),
    ... )
    >>> doc.open.amount
    Decimal('21.98')
    """

    document_id: str = attrs.field(validator=[_is(str), attrs.validators.min_len(1)])
    kind: DocumentKind = attrs.field(converter=_kind)
    amount: Money = attrs.field(converter=_money)
    """Document total in the document's currency (a `Money`, or its dict form)."""
    issued_on: date = attrs.field(validator=_is(date))
    order_ref: str | None = attrs.field(default=None, validator=_is_optional(str))
    """The marketplace order id (or the ERP's order reference the xref resolver maps to)."""
    refund_ref: str | None = attrs.field(default=None, validator=_is_optional(str))
    """For credit memos: the marketplace refund or adjustment id, when the ERP keeps it."""
    due_on: date | None = attrs.field(default=None, validator=_is_optional(date))
    open_amount: Money | None = attrs.field(default=None, converter=_optional_money)
    """What is still open; ``None`` means the whole ``amount``."""
    exchange_rate: ExchangeRate | None = attrs.field(
        default=None, validator=_is_optional(ExchangeRate)
    )
    """The booking rate, document currency → functional currency, for FX differences."""
    refs: tuple[ExternalRef, ...] = attrs.field(default=(), converter=tuple)

    def __attrs_post_init__(self) -> None:
        currency = self.amount.currency
        if self.open_amount is not None and self.open_amount.currency != currency:
            msg = (
                f"document {self.document_id}: open amount in {self.open_amount.currency}, "
                f"amount in {currency}"
            )
            raise CurrencyMismatch(msg)
        if self.exchange_rate is not None and self.exchange_rate.base != currency:
            msg = (
                f"document {self.document_id}: exchange rate converts "
                f"{self.exchange_rate.base}, the document is in {currency}"
            )
            raise CurrencyMismatch(msg)

    @property
    def open(self) -> Money:
        """The amount still open (``open_amount``, or ``amount`` when none was given)."""
        return self.amount if self.open_amount is None else self.open_amount


class RefResolver(Protocol):
    """Anything that maps a marketplace reference to another system's, like the xref resolver.

    ``resolve`` may return ``None``, a string, an `ExternalRef`, or a resolution object
    with a ``status`` (``"one"`` maps, ``"none"`` and ``"conflict"`` do not) and the
    target ``ref``. A conflict never picks a side: the marketplace id is kept.
    """

    def resolve(
        self, ref: ExternalRef, /, *, to_system: str, to_scheme: str | None = None
    ) -> object:
        """The reference ``ref`` maps to in ``to_system`` (see the class docstring)."""
        ...
