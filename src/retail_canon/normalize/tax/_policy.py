"""How tax is rounded (`TaxPolicy`) and what a tax is (`TaxRate`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from retail_canon._exceptions import CanonicalValueError
from retail_canon.models._tax import TaxKind, TaxLiability, TaxLine
from retail_canon.normalize.money import Rounding, _check_rounding, exact_number

__all__ = ["RoundingStrategy", "TaxPolicy", "TaxRate"]

VAT_CATEGORIES = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M"})
"""EU VAT category codes (UNCL5305), as `TaxLine.vat_category` accepts them."""

TaxKey = tuple[TaxKind, str | None, Decimal, str | None, TaxLiability, str | None]
"""What makes two taxes "the same rate" for `RoundingStrategy.PER_RATE`."""


class RoundingStrategy(StrEnum):
    """Where tax is rounded to the currency's minor units.

    The strategies agree on single-line documents; on longer ones their totals can differ
    by a few minor units, which is why the caller names one.
    """

    LINE = "LINE"
    """Round each line's tax once (all its taxes together): US per item (SSUTA §324)."""
    DOCUMENT = "DOCUMENT"
    """Round the document's tax once, across every line and rate: US per invoice."""
    PER_RATE = "PER_RATE"
    """Round once per tax rate per document: EU EN 16931 (BR-CO-17), Japan qualified invoices."""


@dataclass(frozen=True, slots=True)
class TaxPolicy:
    """A rounding strategy and a rounding mode, both named by the caller.

    ``rounding`` defaults to ``ROUND_HALF_UP``, the US rule (SSUTA §324: round up when the
    third decimal is greater than four). EN 16931 does not pin the tie rule and Japan
    leaves it to the issuer, so name it for those.

    Raises:
        CanonicalValueError: ``strategy`` is not a `RoundingStrategy` or ``rounding`` is
            not a `decimal` rounding mode.

    >>> TaxPolicy(RoundingStrategy.PER_RATE)
    TaxPolicy(strategy=<RoundingStrategy.PER_RATE: 'PER_RATE'>, rounding='ROUND_HALF_UP')
    """

    strategy: RoundingStrategy
    rounding: Rounding = ROUND_HALF_UP

    def __post_init__(self) -> None:
        try:
            strategy = RoundingStrategy(self.strategy)
        except ValueError:
            choices = ", ".join(RoundingStrategy)
            msg = f"rounding strategy {self.strategy!r} is not one of {choices}"
            raise CanonicalValueError(msg) from None
        object.__setattr__(self, "strategy", strategy)
        _check_rounding(self.rounding)


@dataclass(frozen=True, slots=True)
class TaxRate:
    """One tax that applies to a line: its rate and who owes it.

    The liability is carried through to every `TaxLine` computed from it, never guessed:
    leave it `TaxLiability.UNKNOWN` when the source does not say.

    Raises:
        CanonicalValueError: the rate is not a finite, non-negative `Decimal` (a binary
            float is refused), or ``vat_category`` is not a UNCL5305 code.

    >>> TaxRate(Decimal("0.20"), kind=TaxKind.VAT, jurisdiction="GB").rate
    Decimal('0.20')
    """

    rate: Decimal
    """Rate as a fraction (``0.0825`` for 8.25 %), not a percentage."""
    kind: TaxKind = TaxKind.OTHER
    title: str | None = None
    jurisdiction: str | None = None
    liability: TaxLiability = TaxLiability.UNKNOWN
    responsible_party: str | None = None
    vat_category: str | None = None

    def __post_init__(self) -> None:
        value: object = self.rate
        rate = exact_number(
            value, "tax rate", hint="use a Decimal fraction such as Decimal('0.20')"
        )
        if not rate.is_finite() or rate < 0:
            msg = f"tax rate {value!r} must be a finite number, zero or more"
            raise CanonicalValueError(msg)
        if self.vat_category is not None and self.vat_category not in VAT_CATEGORIES:
            msg = f"VAT category {self.vat_category!r} is not a UNCL5305 code"
            raise CanonicalValueError(msg)
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "kind", TaxKind(self.kind))
        object.__setattr__(self, "liability", TaxLiability(self.liability))

    @classmethod
    def from_tax_line(cls, tax_line: TaxLine) -> TaxRate:
        """The rate, kind, labels and liability of ``tax_line`` (which must have a rate).

        Raises:
            CanonicalValueError: ``tax_line.rate`` is ``None``.
        """
        if tax_line.rate is None:
            msg = f"tax line {tax_line.title or tax_line.kind.value!r} has no rate"
            raise CanonicalValueError(msg)
        return cls(
            rate=tax_line.rate,
            kind=tax_line.kind,
            title=tax_line.title,
            jurisdiction=tax_line.jurisdiction,
            liability=tax_line.liability,
            responsible_party=tax_line.responsible_party,
            vat_category=tax_line.vat_category,
        )

    @property
    def key(self) -> TaxKey:
        """What groups taxes for `RoundingStrategy.PER_RATE`: everything but the title.

        ``0.2`` and ``0.20`` are the same rate.
        """
        return (
            self.kind,
            self.jurisdiction,
            self.rate.normalize(),
            self.vat_category,
            self.liability,
            self.responsible_party,
        )

    def describe(self) -> str:
        """A short label such as ``rate 0.20 (VAT, GB, S)``."""
        details = [
            text
            for text in (
                None if self.kind is TaxKind.OTHER else self.kind.value,
                self.jurisdiction,
                self.vat_category,
                None if self.liability is TaxLiability.UNKNOWN else self.liability.value,
            )
            if text
        ]
        label = f"rate {self.rate}"
        return f"{label} ({', '.join(details)})" if details else label
