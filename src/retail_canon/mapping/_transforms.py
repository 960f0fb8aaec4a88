"""Transforms: named steps from a source value to a canonical value, built at load time.

Each built-in transform is a factory: it checks its arguments when the declaration is
compiled (an unknown time zone or status table is a load-time error, not a million
rejected records) and returns a plain function of one value. The normalizers do the work;
heavy dependencies load when a transform that needs them is compiled (babel for
``locale_decimal``), never when this module is imported.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from retail_canon.mapping._errors import MappingError, nearest
from retail_canon.models._exact import EXACT
from retail_canon.normalize.numbers import parse_decimal

if TYPE_CHECKING:
    from retail_canon.mapping._fields import FieldShape
    from retail_canon.mapping._xref import XrefLookup

__all__ = ["BUILTINS", "Transform", "TransformContext", "TransformFailed", "build_transform"]

Fn = Callable[[Any], Any]


class TransformFailed(MappingError, ValueError):
    """A transform could not turn a value into a canonical one; ``code`` says why."""

    def __init__(self, message: str, code: str = "transform_error") -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Transform:
    """One compiled step: its name, its function and a label for provenance."""

    name: str
    fn: Fn
    label: str


@dataclass(frozen=True, slots=True)
class TransformContext:
    """What a factory may look at: the field it fills, the resolver, the mapping's name."""

    field: FieldShape | None
    last: bool
    xref: XrefLookup | None
    mapping: str


Factory = Callable[[Any, TransformContext], Fn]


def _no_args(fn: Fn) -> Factory:
    def factory(args: Any, ctx: TransformContext) -> Fn:
        if args is not None:
            msg = "takes no arguments"
            raise ValueError(msg)
        return fn

    return factory


def _text(value: Any) -> str:
    if value.__class__ is str or isinstance(value, str):
        return value
    msg = f"expected text, got {type(value).__name__}"
    raise TransformFailed(msg, "invalid_type")


def _to_str(value: Any) -> str:
    if value.__class__ is str or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    msg = f"expected text or a whole or decimal number, got {type(value).__name__}"
    raise TransformFailed(msg, "invalid_type")


def _decimal(value: Any) -> Decimal:
    if value.__class__ is str:
        return parse_decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        return parse_decimal(value)
    msg = f"expected a decimal number as text, an int or a Decimal, got {type(value).__name__}"
    raise TransformFailed(msg, "invalid_number")


def _int(value: Any) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        msg = f"{value!r} is not a whole number"
        raise TransformFailed(msg, "invalid_number")
    return int(number)


_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = str(value).strip().casefold() if isinstance(value, str | int) else None
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    msg = f"{value!r} is not a yes/no value (true/false, yes/no, y/n, 1/0)"
    raise TransformFailed(msg, "invalid_bool")


def _percent(value: Any) -> Decimal:
    return _decimal(value).scaleb(-2, EXACT)


def _format(args: Any, ctx: TransformContext) -> Fn:
    if not isinstance(args, str) or "{" not in args:
        msg = "needs a template such as 'souk-{}'"
        raise ValueError(msg)
    args.format("x")
    return lambda value: args.format(_to_str(value))


def _split(args: Any, ctx: TransformContext) -> Fn:
    sep = "," if args is None else args
    if not isinstance(sep, str) or not sep:
        msg = "needs a separator such as ','"
        raise ValueError(msg)
    return lambda value: [part.strip() for part in _text(value).split(sep) if part.strip()]


def _join(args: Any, ctx: TransformContext) -> Fn:
    sep = " " if args is None else args
    if not isinstance(sep, str):
        msg = "needs a separator such as ' '"
        raise ValueError(msg)

    def join(value: Any) -> str:
        parts = value if isinstance(value, list | tuple) else [value]
        return sep.join(_to_str(part) for part in parts)

    return join


def _locale_decimal(args: Any, ctx: TransformContext) -> Fn:
    from retail_canon.normalize.numbers import parse_locale_decimal

    if not isinstance(args, str):
        msg = "needs a locale such as 'de_DE'"
        raise ValueError(msg)
    parse_locale_decimal("1", args)  # LookupError for a locale babel does not know

    def read(value: Any) -> Decimal:
        if value.__class__ is str:
            return parse_locale_decimal(value, args)
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value)
        return parse_locale_decimal(_text(value), args)

    return read


def _minor_units(args: Any, ctx: TransformContext) -> Fn:
    from retail_canon.models import minor_units

    if isinstance(args, str):
        digits = minor_units(args)
        if digits is None:
            msg = f"{args} has no minor units"
            raise ValueError(msg)
    elif isinstance(args, int) and not isinstance(args, bool) and args >= 0:
        digits = args
    else:
        msg = "needs the number of minor digits (2) or a currency code ('USD')"
        raise ValueError(msg)
    return lambda value: Decimal(_int(value)).scaleb(-digits, EXACT)


_TIMESTAMP_KEYS = ("tz", "dayfirst", "ambiguous")


def _timestamp(args: Any, ctx: TransformContext) -> Fn:
    from retail_canon.normalize.dates import parse_timestamp

    options = {} if args is None else args
    if not isinstance(options, Mapping):
        msg = "takes options {tz: 'Area/City', dayfirst: true|false, ambiguous: ...}"
        raise ValueError(msg)
    for key in options:
        if key not in _TIMESTAMP_KEYS:
            hint = nearest(str(key), _TIMESTAMP_KEYS)
            msg = f"unknown option {key!r}" + (f" (did you mean {hint!r}?)" if hint else "")
            raise ValueError(msg)
    tz, dayfirst = options.get("tz"), options.get("dayfirst")
    ambiguous = options.get("ambiguous", "earlier")
    if tz is not None:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            msg = f"unknown time zone {tz!r} (expected an IANA name such as 'Europe/Oslo')"
            raise ValueError(msg) from None
    parse_timestamp("2000-01-01T00:00:00Z", ambiguous=ambiguous)  # checks ``ambiguous``
    return functools.partial(parse_timestamp, tz=tz, dayfirst=dayfirst, ambiguous=ambiguous)


def _epoch(kind: str) -> Factory:
    def factory(args: Any, ctx: TransformContext) -> Fn:
        from retail_canon.normalize import dates

        if args is not None:
            msg = "takes no arguments"
            raise ValueError(msg)
        read: Fn = dates.from_epoch_millis if kind == "millis" else dates.from_epoch_seconds
        return read

    return factory


def _unit(args: Any, ctx: TransformContext) -> Fn:
    from retail_canon.normalize.uom import normalize_unit

    source = args.get("source") if isinstance(args, Mapping) else args
    normalize_unit("EA", source=source)  # ValueError for an unknown source
    return lambda value: normalize_unit(_text(value), source=source)


def _gtin(to14: bool) -> Factory:
    def factory(args: Any, ctx: TransformContext) -> Fn:
        from retail_canon.normalize.identifiers import gtin

        if args is not None:
            msg = "takes no arguments"
            raise ValueError(msg)
        check = gtin.to_gtin14 if to14 else gtin.validate
        return lambda value: check(value if value.__class__ is str else _to_str(value))

    return factory


def _enum_member(enum: type[Enum], name: Any) -> Enum:
    try:
        return enum(name)
    except ValueError:
        members = [str(member.value) for member in enum]
        hint = nearest(str(name), members)
        msg = f"{name!r} is not a {enum.__name__} ({', '.join(members)})" + (
            f"; did you mean {hint!r}?" if hint else ""
        )
        raise ValueError(msg) from None


def _status(args: Any, ctx: TransformContext) -> Fn:
    from retail_canon.normalize.status import TABLES, StatusTable

    if isinstance(args, str):
        if args not in TABLES:
            hint = nearest(args, TABLES)
            msg = f"no status table named {args!r}" + (f"; did you mean {hint!r}?" if hint else "")
            raise ValueError(msg)
        table = TABLES[args]
    else:
        enum = ctx.field.enum if ctx.field is not None else None
        if not isinstance(args, Mapping) or not args:
            msg = "needs a table name or a table {vendor value: canonical status}"
            raise ValueError(msg)
        if enum is None:
            msg = "an inline status table needs a status field (an enum with OTHER)"
            raise ValueError(msg)
        values = {str(raw): _enum_member(enum, status) for raw, status in args.items()}
        where = ctx.field.name if ctx.field is not None else "status"
        table = StatusTable(name=f"{ctx.mapping}.{where}", enum=enum, values=values)
    lookup = table.map  # refuses a value that is not text (TypeError)
    return lambda value: lookup(value).status


def _lookup(args: Any, ctx: TransformContext) -> Fn:
    if not isinstance(args, Mapping) or not args:
        msg = "needs a table {source value: canonical value}"
        raise ValueError(msg)
    table = {str(key): value for key, value in args.items()}
    enum = ctx.field.enum if ctx.field is not None and ctx.last else None
    if enum is not None:
        table = {key: _enum_member(enum, value) for key, value in table.items()}

    def lookup(value: Any) -> Any:
        key = _to_str(value)
        try:
            return table[key]
        except KeyError:
            hint = nearest(key, table)
            msg = f"{key!r} is not in the lookup table" + (
                f" (did you mean {hint!r}?)" if hint else ""
            )
            raise TransformFailed(msg, "unknown_value") from None

    return lookup


_XREF_KEYS = ("system", "scheme", "scope", "to_system", "to_scheme")


def _xref(args: Any, ctx: TransformContext) -> Fn:
    from retail_canon.models import ExternalRef

    if not isinstance(args, Mapping) or "system" not in args or "scheme" not in args:
        msg = "needs {system, scheme} of the source ref (and to_system, to_scheme, scope)"
        raise ValueError(msg)
    for key in args:
        if key not in _XREF_KEYS:
            hint = nearest(str(key), _XREF_KEYS)
            msg = f"unknown option {key!r}" + (f" (did you mean {hint!r}?)" if hint else "")
            raise ValueError(msg)
    resolver = ctx.xref
    if resolver is None:
        msg = "needs a resolver: pass xref= when compiling or loading the mapping"
        raise ValueError(msg)
    system, scheme, scope = args["system"], args["scheme"], args.get("scope")
    to_system, to_scheme = args.get("to_system"), args.get("to_scheme")

    def resolve(value: Any) -> str:
        ref = ExternalRef(system=system, scheme=scheme, value=_to_str(value), scope=scope)
        answer = resolver.resolve(ref, to_system=to_system, to_scheme=to_scheme)
        status = str(answer.status)
        if status == "one":
            if to_system is None and answer.canonical_id is not None:
                return answer.canonical_id
            if answer.target is not None:
                return answer.target.value
        where = f" in {to_system}" if to_system else ""
        if status == "conflict":
            msg = f"{system}/{scheme} {ref.value!r}: conflicting cross-references{where}"
            raise TransformFailed(msg, "xref_conflict")
        msg = f"{system}/{scheme} {ref.value!r}: no cross-reference{where}"
        raise TransformFailed(msg, "xref_not_found")

    return resolve


BUILTINS: dict[str, tuple[Factory, str]] = {
    "bool": (_no_args(_bool), "true/false, yes/no, y/n, 1/0 to a bool"),
    "decimal": (_no_args(_decimal), "an exact Decimal from machine text ('12.50'), an int"),
    "epoch_millis": (_epoch("millis"), "milliseconds since 1970 to an aware UTC datetime"),
    "epoch_seconds": (_epoch("seconds"), "seconds since 1970 to an aware UTC datetime"),
    "format": (_format, "text from a template: {format: 'souk-{}'}"),
    "gtin": (_gtin(False), "a validated GTIN-8/12/13/14 without spaces"),
    "gtin14": (_gtin(True), "a validated GTIN as 14 digits"),
    "int": (_no_args(_int), "a whole number"),
    "join": (_join, "a list of texts joined: {join: ', '} (default ' ')"),
    "locale_decimal": (_locale_decimal, "a Decimal from a number written for people"),
    "lookup": (_lookup, "a value from a table: {lookup: {MFN: SELLER, AFN: MARKETPLACE}}"),
    "lower": (_no_args(lambda v: _text(v).lower()), "text in lower case"),
    "minor_units": (_minor_units, "minor units (cents) to a Decimal: {minor_units: 2}"),
    "percent": (_no_args(_percent), "a percentage to a fraction: 25 → 0.25"),
    "split": (_split, "text split into a list: {split: ';'} (default ',')"),
    "status": (_status, "a canonical status from a status table (a name or inline values)"),
    "str": (_no_args(_to_str), "text from text, an int or a Decimal"),
    "strip": (_no_args(lambda v: _text(v).strip()), "text without surrounding spaces"),
    "timestamp": (_timestamp, "an aware UTC datetime: {timestamp: {tz: Europe/Oslo}}"),
    "unit": (_unit, "a UN/ECE unit code: {unit: {source: x12}}"),
    "upper": (_no_args(lambda v: _text(v).upper()), "text in upper case"),
    "xref": (_xref, "a cross-referenced id: {xref: {system, scheme, to_system}}"),
}
"""The built-in transforms by name: (factory, one-line description)."""


_LABEL_WIDTH = 48


def _label(name: str, args: Any) -> str:
    if args is None:
        return name
    text = repr(dict(args) if isinstance(args, Mapping) else args)
    if len(text) > _LABEL_WIDTH:
        text = text[: _LABEL_WIDTH - 2] + "…" + text[-1]
    return f"{name}({text})"


def build_transform(
    name: str, args: Any, ctx: TransformContext, extra: Mapping[str, Fn]
) -> Transform:
    """Compile one named transform with its arguments.

    Raises:
        KeyError: no transform has that name.
        ValueError, TypeError, LookupError: the arguments are not valid for it.
    """
    if name in extra:
        if args is not None:
            msg = "a transform passed in transforms= takes no arguments"
            raise ValueError(msg)
        return Transform(name, extra[name], name)
    factory, _ = BUILTINS[name]
    return Transform(name, factory(args, ctx), _label(name, args))
