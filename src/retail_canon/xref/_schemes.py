"""Identifier schemes: how a value is normalised and whether it needs a scope.

A ref is ``(system, scheme, value, scope)``. Before a ref is stored or looked up, its
system and scheme are trimmed and lower-cased, its value goes through the scheme's
normaliser (GTIN-14 for GTINs, upper case for ASINs, ...) and its scope is checked
against the scheme's scope rule.

>>> from retail_canon.models import ExternalRef
>>> schemes = SchemeRegistry(DEFAULT_SCHEMES)
>>> schemes.key(ExternalRef(system="POS", scheme="gtin", value="0 36000 29145 2"))
Key(system='pos', scheme='gtin', value='00036000291452', scope=None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from retail_canon._exceptions import InvalidFormat, InvalidIdentifier
from retail_canon.normalize.identifiers import asin, gln, gtin, isbn, sscc
from retail_canon.xref._errors import (
    MalformedValue,
    MissingScope,
    UnexpectedScope,
    UnknownScheme,
    XrefInputError,
)

if TYPE_CHECKING:
    from retail_canon.models import ExternalRef

__all__ = ["DEFAULT_SCHEMES", "Key", "Scheme", "SchemeRegistry", "ScopeRule", "text_value"]

ScopeRule = Literal["required", "optional", "none"] | Callable[[str], bool]
"""Whether a value needs a scope: always, optionally, never, or decided per (normalised) value."""


class Key(NamedTuple):
    """A normalised ref: the lookup key of the store (``scope`` is ``None`` when unscoped)."""

    system: str
    scheme: str
    value: str
    scope: str | None


def text_value(value: str) -> str:
    """A free-text identifier (SKU, item code): trimmed, non-empty, no control characters.

    Case is kept: some systems treat ``sku-1`` and ``SKU-1`` as different items.

    >>> text_value("  TEE-BLK-M ")
    'TEE-BLK-M'
    """
    text = value.strip()
    if not text:
        msg = f"identifier {value!r}: empty"
        raise InvalidFormat(msg)
    if not text.isprintable():
        msg = f"identifier {text!r}: control characters are not allowed"
        raise InvalidFormat(msg)
    return text


def _fnsku(value: str) -> str:
    code = asin.compact(value)
    if len(code) != 10 or not code.isascii() or not code.isalnum():
        msg = f"FNSKU {code!r}: 10 characters of A-Z and 0-9 expected"
        raise InvalidFormat(msg)
    return code


@dataclass(frozen=True)
class Scheme:
    """An identifier scheme known to the resolver.

    Attributes:
        name: the scheme as written in refs, lower case (``gtin``, ``asin``, ``sku``).
        normalise: turns a raw value into the stored form; raises a `ValueError` (an
            `InvalidIdentifier` for the built-in schemes) for a malformed value.
        scope: ``"required"``, ``"optional"``, ``"none"``, or a function of the
            normalised value that says whether a scope is required (otherwise refused).
        description: what the scheme is and what its scope means.
    """

    name: str
    normalise: Callable[[str], str]
    scope: ScopeRule = "none"
    description: str = ""

    @classmethod
    def text(cls, name: str, *, scope: ScopeRule = "required", description: str = "") -> Scheme:
        """A scheme of free-text values (see `text_value`), e.g. an order number.

        >>> Scheme.text("order_number", scope="optional").normalise(" 1001 ")
        '1001'
        """
        return cls(name, text_value, scope, description)


DEFAULT_SCHEMES: tuple[Scheme, ...] = (
    Scheme("asin", asin.validate, "required", "Amazon ASIN; scope: marketplace id"),
    Scheme.text("customer_id", scope="optional", description="a system's customer id"),
    Scheme("fnsku", _fnsku, "required", "Amazon fulfilment-network SKU; scope: seller id"),
    Scheme("gln", gln.validate, "none", "GS1 Global Location Number (13 digits)"),
    Scheme(
        "gtin",
        gtin.to_gtin14,
        gtin.needs_scope,
        "GTIN stored as GTIN-14; restricted-circulation GTINs need the issuing company or store",
    ),
    Scheme("isbn", isbn.to_isbn13, "none", "ISBN stored as ISBN-13"),
    Scheme.text("item_code", description="ERP item code; scope: ERP instance or company"),
    Scheme.text("location_id", scope="optional", description="a system's location id"),
    Scheme.text("order_id", scope="optional", description="a system's order id"),
    Scheme.text("product_id", scope="optional", description="a system's product id"),
    Scheme.text("sku", description="seller or warehouse SKU; scope: seller, store or owner"),
    Scheme("sscc", sscc.validate, "none", "GS1 Serial Shipping Container Code (18 digits)"),
    Scheme.text("variant_id", scope="optional", description="a system's variant id"),
)
"""The schemes a resolver knows unless told otherwise."""


class SchemeRegistry:
    """The schemes a resolver accepts, by name; turns refs into `Key` s.

    Args:
        schemes: the schemes; a later scheme with the same name replaces an earlier one,
            so ``SchemeRegistry([*DEFAULT_SCHEMES, Scheme.text("sku", scope="optional")])``
            overrides one default.
    """

    def __init__(self, schemes: Iterable[Scheme] = DEFAULT_SCHEMES) -> None:
        self._schemes = {s.name.strip().lower(): s for s in schemes}
        self._names: dict[str, str] = {}  # raw system or scheme name -> normalised

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.strip().lower() in self._schemes

    def __iter__(self) -> Iterator[Scheme]:
        return iter(self._schemes.values())

    def __len__(self) -> int:
        return len(self._schemes)

    def key(self, ref: ExternalRef) -> Key:
        """The normalised key of ``ref``, or an `XrefInputError` naming what is wrong."""
        return self.key_of(ref.system, ref.scheme, ref.value, ref.scope)

    def key_of(self, system: str, scheme: str, value: str, scope: str | None) -> Key:
        """Like `key`, from the four parts."""
        names = self._names
        system_name = names.get(system)
        if system_name is None:
            system_name = system.strip().lower()
            if len(names) < 10_000:
                names[system] = system_name
        if not system_name:
            msg = f"ref ({system!r}, {scheme!r}, {value!r}): the system is empty"
            raise XrefInputError(msg)
        scheme_name = names.get(scheme) or scheme.strip().lower()
        spec = self._schemes.get(scheme_name)
        if spec is None:
            known = ", ".join(sorted(self._schemes))
            msg = f"unknown scheme {scheme!r} (known: {known})"
            raise UnknownScheme(msg)
        try:
            normal = spec.normalise(value)
        except InvalidIdentifier as exc:
            raise MalformedValue(f"{scheme_name} {value!r}: {exc}", exc.code) from exc
        except ValueError as exc:
            raise MalformedValue(f"{scheme_name} {value!r}: {exc}", "invalid_value") from exc
        scope_name = scope.strip() if scope is not None else None
        rule = spec.scope
        required = rule(normal) if callable(rule) else rule
        if not scope_name:
            if required is True or required == "required":
                msg = f"{scheme_name} {normal!r}: a scope is required ({spec.description})"
                raise MissingScope(msg)
            return Key(system_name, scheme_name, normal, None)
        if required is False or required == "none":
            msg = f"{scheme_name} {normal!r} is globally unique: no scope allowed, got {scope!r}"
            raise UnexpectedScope(msg)
        return Key(system_name, scheme_name, normal, scope_name)
