"""Timestamps from vendor payloads and report files, as aware UTC datetimes.

`parse_timestamp` reads text in the first of these shapes that fits:

1. **ISO 8601 / RFC 3339**, read by the standard library (`datetime.fromisoformat`):
   ``2024-12-25T00:00:00Z``, offsets (``+01:00``, ``+0100``), fractional seconds, lower
   case ``t``/``z``, the basic format ``20240101T000000Z``, a space instead of ``T``, a
   date alone, and a trailing `` UTC`` as in Amazon's US settlement files
   (``2024-01-05 10:00:00 UTC``). ISO dates are always year-month-day.
2. **RFC 2822 / 5322** (e-mail and HTTP dates), read by this module:
   ``Sat, 03 Feb 2024 10:00:00 +0100``; zones ``UT``, ``UTC``, ``GMT``, ``Z``, the North
   American names RFC 822 defines (``EST`` … ``PDT``) and ``-0000`` (UTC).
3. **Numeric report-file dates**, read by this module: ``DD.MM.YYYY`` (Amazon settlement
   files from EU marketplaces), ``M/D/YYYY`` (Walmart reconciliation files),
   ``YYYY/MM/DD``, with separators ``.``, ``/`` or ``-``, an optional time
   ``H:MM[:SS[.ffffff]]`` with optional ``AM``/``PM``, and an optional ``Z``, ``UTC``,
   ``GMT`` or numeric offset. Pass ``dayfirst=True`` or ``dayfirst=False`` to say which
   comes first; with ``dayfirst=None`` (the default) the order is used only when a single
   reading is a valid date (``13.01.2024``), and ``01.02.2024`` is refused as ambiguous.
4. **Anything else with a four-digit year** (``3 Feb 2024 10:00``, ``February 3, 2024``)
   goes to python-dateutil, imported on first use only. Day, month and year must all be
   in the text (dateutil would otherwise fill them in from today), and zone abbreviations
   other than UTC and GMT (``CEST``, ``IST``) are refused: they are ambiguous.

Epoch numbers are not guessed from their size: use `from_epoch_millis` (Walmart) or
`from_epoch_seconds`.

Every result is an aware `datetime` in UTC. A value that carries no offset needs a
declared source time zone (``tz="Europe/Berlin"``, an IANA name read through `zoneinfo`);
without one it is refused with `NaiveTimestamp`. An offset in the text always wins over the
declared zone. Local times the declared zone skips (the spring-forward gap) are refused;
local times it repeats (the autumn fall-back hour) are read as the first occurrence unless
``ambiguous="later"`` or ``ambiguous="raise"`` says otherwise. Digits finer than a
microsecond are dropped (the earlier microsecond is kept), as `datetime.fromisoformat`
does.

>>> parse_timestamp("2024-12-25T00:00:00.363Z")
datetime.datetime(2024, 12, 25, 0, 0, 0, 363000, tzinfo=datetime.timezone.utc)
>>> parse_timestamp("2024-12-25T01:00:00+01:00").isoformat()
'2024-12-25T00:00:00+00:00'
>>> parse_timestamp("05.01.2024 10:00:00 UTC", dayfirst=True).isoformat()
'2024-01-05T10:00:00+00:00'
>>> parse_timestamp("2024-07-01 09:30", tz="Europe/Berlin").isoformat()
'2024-07-01T07:30:00+00:00'
>>> from_epoch_millis(1703462400000).isoformat()
'2023-12-25T00:00:00+00:00'
"""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_FLOOR, Context, Decimal
from typing import Literal

from retail_canon._exceptions import InvalidTimestamp, NaiveTimestamp

__all__ = ["Ambiguous", "from_epoch_millis", "from_epoch_seconds", "parse_timestamp"]

Ambiguous = Literal["earlier", "later", "raise"]
"""How to read a local time the declared zone repeats: the first or the second
occurrence, or refuse it."""

_UTC = UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_MICROSECOND = Decimal("0.000001")
_WIDE = Context(prec=60)
_MAX_EPOCH_SECONDS = Decimal(10) ** 12  # beyond year 9999 either way

_ISO_START = re.compile(r"\d{4}(?:-\d\d-\d\d|\d{4}|-?W\d\d(?:-?\d)?|-?\d{3})(?:[T ]|$)", re.ASCII)
_ZONE = r"(?P<zone>Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)"
_TIME = (
    r"(?:(?:\s+|T)(?P<hour>\d{1,2}):(?P<minute>\d\d)"
    r"(?::(?P<second>\d\d)(?:[.,](?P<fraction>\d+))?)?(?:\s*(?P<meridiem>AM|PM))?)?"
)
_NUMERIC = re.compile(
    r"(?:(?P<year1>\d{4})(?P<sep1>[./-])(?P<month1>\d{1,2})(?P=sep1)(?P<day1>\d{1,2})"
    r"|(?P<first>\d{1,2})(?P<sep2>[./-])(?P<second_part>\d{1,2})(?P=sep2)(?P<year2>\d{4}))"
    + _TIME
    + r"(?:\s*"
    + _ZONE
    + r")?",
    re.ASCII,
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_RFC2822 = re.compile(
    r"(?:(?:MON|TUE|WED|THU|FRI|SAT|SUN),\s*)?"
    r"(?P<day>\d{1,2})\s+(?P<month>" + "|".join(_MONTHS) + r")\s+(?P<year>\d{4})\s+"
    r"(?P<hour>\d\d):(?P<minute>\d\d)(?::(?P<second>\d\d))?"
    r"(?:\s*(?P<zone>[+-]\d{4}|UTC?|GMT|Z|[ECMP][SD]T))?"
    r"(?:\s*\([^()]*\))?",
    re.ASCII,
)
# RFC 822 section 5: the zone names an RFC 2822 date may carry, as hours from UTC.
_RFC2822_ZONES = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}
_FOUR_DIGIT_YEAR = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")
_UTC_NAMES = frozenset({"UTC", "GMT", "UT", "Z"})
_AMBIGUOUS = frozenset({"earlier", "later", "raise"})
# Two defaults that differ in year, month and day (both months have 31 days): a field
# dateutil filled in from the default shows up as a difference between the two parses.
_DEFAULT_A = datetime(2000, 1, 1)
_DEFAULT_B = datetime(2004, 3, 2)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)


def parse_timestamp(
    value: str | datetime,
    *,
    tz: str | tzinfo | None = None,
    dayfirst: bool | None = None,
    ambiguous: Ambiguous = "earlier",
    field: str | None = None,
) -> datetime:
    """Read a vendor timestamp into an aware `datetime` in UTC.

    Args:
        value: the text (see the module docs for the accepted shapes), or a `datetime`.
        tz: the source time zone for values without an offset: an IANA name such as
            ``"America/Chicago"`` or a `tzinfo`. Ignored when the value has an offset.
        dayfirst: for numeric dates such as ``01.02.2024``: ``True`` day first, ``False``
            month first, ``None`` only when a single reading is a valid date.
        ambiguous: for a local time the declared zone repeats when clocks go back:
            ``"earlier"`` (the first occurrence, fold 0), ``"later"`` or ``"raise"``.
        field: where the value came from (``"posted-date-time"``), named in errors.

    Returns:
        The same instant as an aware `datetime` whose `tzinfo` is `datetime.timezone.utc`.

    Raises:
        NaiveTimestamp: the value has no offset and ``tz`` is ``None``.
        InvalidTimestamp: the value cannot be read, is ambiguous, is out of range, or is a
            local time the declared zone skips.
        zoneinfo.ZoneInfoNotFoundError: ``tz`` is not a known IANA name (a `KeyError`, so
            a configuration mistake is not mistaken for one bad record).

    >>> parse_timestamp("Sat, 03 Feb 2024 10:00:00 +0100").isoformat()
    '2024-02-03T09:00:00+00:00'
    >>> parse_timestamp("1/5/2024 3:04:05 PM", dayfirst=False, tz="America/Chicago")
    datetime.datetime(2024, 1, 5, 21, 4, 5, tzinfo=datetime.timezone.utc)
    """
    if ambiguous not in _AMBIGUOUS:
        msg = f"ambiguous must be 'earlier', 'later' or 'raise', not {ambiguous!r}"
        raise ValueError(msg)
    parsed = _read(value, dayfirst, field)
    if parsed.utcoffset() is None:
        if tz is None:
            msg = (
                f"timestamp {value!r}{_where(field)} has no UTC offset and no source time "
                "zone was declared: pass tz='Area/City' (an IANA name)"
            )
            raise NaiveTimestamp(msg)
        parsed = _localize(parsed, _zone(tz), ambiguous, value, field)
    try:
        return parsed.astimezone(_UTC)
    except OverflowError:
        msg = f"timestamp {value!r}{_where(field)}: out of range in UTC"
        raise InvalidTimestamp(msg) from None


def from_epoch_millis(value: int | str, *, field: str | None = None) -> datetime:
    """An aware UTC `datetime` from milliseconds since 1970-01-01T00:00:00Z (Walmart).

    Args:
        value: an `int`, or its decimal text (``"1703462400000"``).
        field: where the value came from, named in errors.

    Raises:
        InvalidTimestamp: the text is not an integer, or the instant is out of range.

    >>> from_epoch_millis("1703462400363").isoformat()
    '2023-12-25T00:00:00.363000+00:00'
    """
    millis = _integer(value, "epoch milliseconds", field)
    try:
        return _EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        msg = f"epoch milliseconds {value!r}{_where(field)}: out of range"
        raise InvalidTimestamp(msg) from None


def from_epoch_seconds(value: int | Decimal | str, *, field: str | None = None) -> datetime:
    """An aware UTC `datetime` from seconds since 1970-01-01T00:00:00Z.

    Fractions are read exactly, to the microsecond (finer digits are dropped toward the
    past). Binary floats are refused: pass the text or a `Decimal`.

    Args:
        value: an `int`, a `Decimal`, or decimal text (``"1700000000.25"``).
        field: where the value came from, named in errors.

    Raises:
        InvalidTimestamp: the text is not a decimal number, or the instant is out of range.

    >>> from_epoch_seconds("1700000000.25").isoformat()
    '2023-11-14T22:13:20.250000+00:00'
    """
    seconds = _seconds(value, field)
    if not seconds.is_finite():
        msg = f"epoch seconds {value!r}{_where(field)}: not a finite number"
        raise InvalidTimestamp(msg)
    if abs(seconds) >= _MAX_EPOCH_SECONDS:
        msg = f"epoch seconds {value!r}{_where(field)}: out of range"
        raise InvalidTimestamp(msg)
    micros = int(seconds.quantize(_MICROSECOND, rounding=ROUND_FLOOR, context=_WIDE) * 10**6)
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        msg = f"epoch seconds {value!r}{_where(field)}: out of range"
        raise InvalidTimestamp(msg) from None


def _where(field: str | None) -> str:
    return f" (field {field!r})" if field else ""


def _read(value: object, dayfirst: bool | None, field: str | None) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return _parse_text(value, dayfirst, field)
    msg = (
        f"timestamp {value!r}{_where(field)}: expected a str or a datetime, got "
        f"{type(value).__name__}; use from_epoch_millis or from_epoch_seconds for numbers"
    )
    raise TypeError(msg)


def _seconds(value: object, field: str | None) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL.fullmatch(text):
            msg = f"epoch seconds {value!r}{_where(field)}: not a decimal number"
            raise InvalidTimestamp(msg)
        return Decimal(text)
    msg = (
        f"epoch seconds {value!r}{_where(field)}: expected an int, Decimal or str, got "
        f"{type(value).__name__} (binary floats are not exact)"
    )
    raise TypeError(msg)


def _integer(value: object, what: str, field: str | None) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER.fullmatch(text):
            return int(text)
        msg = f"{what} {value!r}{_where(field)}: not an integer"
        raise InvalidTimestamp(msg)
    msg = f"{what} {value!r}{_where(field)}: expected an int or str, got {type(value).__name__}"
    raise TypeError(msg)


def _parse_text(value: str, dayfirst: bool | None, field: str | None) -> datetime:
    text = value.strip()
    if not text:
        msg = f"timestamp {value!r}{_where(field)}: empty"
        raise InvalidTimestamp(msg)
    upper = text.upper()
    if _ISO_START.match(upper):
        return _parse_iso(upper, value, field)
    match = _RFC2822.fullmatch(upper)
    if match:
        return _parse_rfc2822(match, value, field)
    match = _NUMERIC.fullmatch(upper)
    if match:
        return _parse_numeric(match, dayfirst, value, field)
    return _parse_freeform(text, dayfirst, value, field)


def _parse_iso(text: str, value: str, field: str | None) -> datetime:
    head, space, tail = text.rpartition(" ")
    utc_suffix = bool(space) and tail in _UTC_NAMES
    try:
        parsed = datetime.fromisoformat(head if utc_suffix else text)
    except ValueError as exc:
        msg = f"timestamp {value!r}{_where(field)}: not a valid ISO 8601 timestamp ({exc})"
        raise InvalidTimestamp(msg) from None
    if utc_suffix:
        if parsed.tzinfo is not None:
            msg = f"timestamp {value!r}{_where(field)}: both an offset and {tail}"
            raise InvalidTimestamp(msg)
        parsed = parsed.replace(tzinfo=_UTC)
    return parsed


def _parse_rfc2822(match: re.Match[str], value: str, field: str | None) -> datetime:
    zone = match["zone"]
    offset: tzinfo | None = None
    if zone is None:
        pass
    elif zone[0] in "+-":
        minutes = int(zone[1:3]) * 60 + int(zone[3:5])
        offset = timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))
    else:
        offset = timezone(timedelta(hours=_RFC2822_ZONES[zone]))
    return _build(
        value,
        field,
        year=int(match["year"]),
        month=_MONTHS.index(match["month"]) + 1,
        day=int(match["day"]),
        hour=int(match["hour"]),
        minute=int(match["minute"]),
        second=int(match["second"] or 0),
        tz=offset,
    )


def _parse_numeric(
    match: re.Match[str], dayfirst: bool | None, value: str, field: str | None
) -> datetime:
    if match["year1"]:
        year, month, day = int(match["year1"]), int(match["month1"]), int(match["day1"])
    else:
        year, first, second = int(match["year2"]), int(match["first"]), int(match["second_part"])
        if dayfirst is None:
            readings = {(m, d) for m, d in ((first, second), (second, first)) if _is_date(m, d)}
            if len(readings) > 1:
                msg = (
                    f"timestamp {value!r}{_where(field)}: ambiguous day and month; pass "
                    "dayfirst=True (DD.MM.YYYY) or dayfirst=False (MM/DD/YYYY)"
                )
                raise InvalidTimestamp(msg)
            dayfirst = first > 12
        month, day = (second, first) if dayfirst else (first, second)
    hour = int(match["hour"] or 0)
    meridiem = match["meridiem"]
    if meridiem:
        if not 1 <= hour <= 12:
            msg = f"timestamp {value!r}{_where(field)}: hour {hour} with {meridiem}"
            raise InvalidTimestamp(msg)
        hour = hour % 12 + (12 if meridiem == "PM" else 0)
    return _build(
        value,
        field,
        year=year,
        month=month,
        day=day,
        hour=hour,
        minute=int(match["minute"] or 0),
        second=int(match["second"] or 0),
        microsecond=int((match["fraction"] or "0")[:6].ljust(6, "0")),
        tz=_numeric_zone(match["zone"], value, field),
    )


def _is_date(month: int, day: int) -> bool:
    # Leap day is a date in some year, which is all an ambiguity check needs.
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else 31)


def _numeric_zone(zone: str | None, value: str, field: str | None) -> tzinfo | None:
    if zone is None:
        return None
    if zone in _UTC_NAMES:
        return _UTC
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
    if minutes >= 24 * 60:
        msg = f"timestamp {value!r}{_where(field)}: offset {zone} out of range"
        raise InvalidTimestamp(msg)
    return timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))


def _build(
    value: str,
    field: str | None,
    *,
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    microsecond: int = 0,
    tz: tzinfo | None,
) -> datetime:
    try:
        return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=tz)
    except ValueError as exc:
        msg = f"timestamp {value!r}{_where(field)}: {exc}"
        raise InvalidTimestamp(msg) from None


def _parse_freeform(text: str, dayfirst: bool | None, value: str, field: str | None) -> datetime:
    if not _FOUR_DIGIT_YEAR.search(text):
        hint = "; use from_epoch_millis or from_epoch_seconds" if text.isdigit() else ""
        msg = f"timestamp {value!r}{_where(field)}: not a recognised format{hint}"
        raise InvalidTimestamp(msg)
    # python-dateutil is heavy: it loads with the first free-form date, not with this module.
    parser = importlib.import_module("dateutil.parser")
    unknown_zones: list[str] = []

    def zone_for(name: str | None, offset: int | None) -> tzinfo | None:
        if name is None:
            return None if offset is None else timezone(timedelta(seconds=offset))
        if name.upper() in _UTC_NAMES and not offset:
            return _UTC
        unknown_zones.append(name)
        return None

    def parse(first: bool, default: datetime) -> datetime:
        try:
            parsed: datetime = parser.parse(text, dayfirst=first, default=default, tzinfos=zone_for)
        except (ValueError, OverflowError):
            msg = f"timestamp {value!r}{_where(field)}: not a recognised format"
            raise InvalidTimestamp(msg) from None
        if unknown_zones:
            msg = (
                f"timestamp {value!r}{_where(field)}: time zone {unknown_zones[0]!r} is not "
                "UTC or GMT; abbreviations are ambiguous, send an offset instead"
            )
            raise InvalidTimestamp(msg)
        return parsed

    # A field dateutil filled in from the default differs between two parses with
    # different defaults; with dayfirst=None a day/month swap shows up the same way.
    first = bool(dayfirst)
    reading = parse(first, _DEFAULT_A)
    if reading == parse(first if dayfirst is not None else True, _DEFAULT_B):
        return reading
    if dayfirst is None and reading == parse(False, _DEFAULT_B):
        msg = (
            f"timestamp {value!r}{_where(field)}: ambiguous day and month; pass "
            "dayfirst=True or dayfirst=False"
        )
        raise InvalidTimestamp(msg)
    msg = f"timestamp {value!r}{_where(field)}: incomplete date (needs day, month and year)"
    raise InvalidTimestamp(msg)


def _zone(tz: str | tzinfo) -> tzinfo:
    if not isinstance(tz, str):
        return tz
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except ValueError:
        msg = f"time zone {tz!r} is not a valid IANA name"
        raise ZoneInfoNotFoundError(msg) from None


def _localize(
    naive: datetime, zone: tzinfo, ambiguous: Ambiguous, value: object, field: str | None
) -> datetime:
    earlier = naive.replace(tzinfo=zone, fold=0)
    later = naive.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    try:
        round_trip = earlier.astimezone(_UTC).astimezone(zone).replace(tzinfo=None, fold=0)
    except OverflowError:
        msg = f"timestamp {value!r}{_where(field)}: out of range in {zone}"
        raise InvalidTimestamp(msg) from None
    if round_trip != naive.replace(fold=0):
        msg = (
            f"timestamp {value!r}{_where(field)}: {naive.isoformat()} does not exist in "
            f"{zone} (the clocks skip it)"
        )
        raise InvalidTimestamp(msg)
    if ambiguous == "earlier":
        return earlier
    if ambiguous == "later":
        return later
    msg = (
        f"timestamp {value!r}{_where(field)}: {naive.isoformat()} happens twice in {zone} "
        f"({earlier.astimezone(_UTC).isoformat()} and {later.astimezone(_UTC).isoformat()}); "
        "pass ambiguous='earlier' or 'later'"
    )
    raise InvalidTimestamp(msg)
