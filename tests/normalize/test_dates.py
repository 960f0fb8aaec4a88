from __future__ import annotations

import doctest
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from retail_canon import InvalidTimestamp, NaiveTimestamp
from retail_canon.normalize.dates import from_epoch_millis, from_epoch_seconds, parse_timestamp

DOCS = Path(__file__).parents[2] / "docs" / "normalize" / "dates.md"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# One day of margin at both ends so every offset stays inside datetime's range in UTC.
aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)
four_digit_years = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)


def _iso_text(dt: datetime, style: str) -> str:
    utc = dt.astimezone(UTC)
    if style == "offset":
        return dt.isoformat()
    if style == "z":
        return utc.isoformat().replace("+00:00", "Z")
    if style == "lower":
        return utc.isoformat().replace("+00:00", "z").replace("T", "t")
    if style == "space-utc":
        return utc.replace(tzinfo=None).isoformat(sep=" ") + " UTC"
    if style == "basic":
        fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
        date = f"{utc.year:04d}{utc.month:02d}{utc.day:02d}"
        return f"{date}T{utc.hour:02d}{utc.minute:02d}{utc.second:02d}{fraction}Z"
    raise AssertionError(style)


@given(aware, st.sampled_from(["offset", "z", "lower", "space-utc", "basic"]))
def test_iso_8601_round_trips_to_the_same_instant(dt, style):
    parsed = parse_timestamp(_iso_text(dt, style))
    assert parsed == dt
    assert parsed.tzinfo is UTC


@given(aware, st.sampled_from(["seconds", "milliseconds", "microseconds"]))
def test_iso_8601_with_and_without_fractional_seconds(dt, timespec):
    text = dt.isoformat(timespec=timespec)
    kept = {"seconds": 0, "milliseconds": dt.microsecond // 1000 * 1000}
    expected = dt.replace(microsecond=kept.get(timespec, dt.microsecond))
    assert parse_timestamp(text) == expected


@given(aware)
def test_epoch_milliseconds_round_trip(dt):
    millis = (dt - EPOCH) // timedelta(milliseconds=1)
    expected = EPOCH + timedelta(milliseconds=millis)
    assert from_epoch_millis(millis) == expected
    assert from_epoch_millis(str(millis)) == expected
    assert from_epoch_millis(millis).tzinfo is UTC


@given(aware)
def test_epoch_seconds_round_trip_exactly_to_the_microsecond(dt):
    micros = (dt - EPOCH) // timedelta(microseconds=1)
    seconds = Decimal(micros).scaleb(-6)
    assert from_epoch_seconds(seconds) == dt
    assert from_epoch_seconds(str(seconds)) == dt


@given(four_digit_years, st.booleans())
def test_rfc_2822_round_trips_to_the_same_instant(dt, as_gmt):
    dt = dt.replace(microsecond=0)
    text = format_datetime(dt.astimezone(UTC), usegmt=True) if as_gmt else format_datetime(dt)
    assert parse_timestamp(text) == dt


@given(four_digit_years)
def test_amazon_eu_settlement_dates_read_day_first(dt):
    utc = dt.astimezone(UTC).replace(microsecond=0)
    text = f"{utc:%d.%m.%Y %H:%M:%S} UTC"
    assert parse_timestamp(text, dayfirst=True) == utc


@given(four_digit_years)
def test_us_report_dates_read_month_first_in_the_declared_zone(dt):
    local = dt.replace(tzinfo=None, microsecond=0)
    text = f"{local.month}/{local.day}/{local.year} {local:%I:%M:%S %p}"
    assert parse_timestamp(text, dayfirst=False, tz=UTC) == local.replace(tzinfo=UTC)


@given(aware, st.sampled_from(["T", " "]))
def test_naive_text_without_a_declared_zone_is_refused(dt, sep):
    text = dt.replace(tzinfo=None).isoformat(sep=sep)
    with pytest.raises(NaiveTimestamp, match="no UTC offset") as caught:
        parse_timestamp(text, field="posted-date")
    assert repr(text) in str(caught.value)
    assert "'posted-date'" in str(caught.value)


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2037, 12, 31)),
    st.sampled_from(ZONES),
)
def test_naive_text_in_a_declared_zone_keeps_its_wall_time(naive, zone):
    text = naive.isoformat()
    local = naive.replace(tzinfo=ZoneInfo(zone))
    if local.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != naive:
        with pytest.raises(InvalidTimestamp, match="does not exist"):
            parse_timestamp(text, tz=zone)
        return
    parsed = parse_timestamp(text, tz=zone)
    assert parsed.tzinfo is UTC
    assert parsed.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == naive
    later = parse_timestamp(text, tz=zone, ambiguous="later")
    assert parsed <= later


@given(st.text(max_size=40))
def test_anything_either_parses_to_utc_or_is_refused(text):
    try:
        parsed = parse_timestamp(text, tz="Europe/Paris")
    except InvalidTimestamp:
        return
    assert parsed.tzinfo is UTC


@given(st.text(alphabet="0123456789./-: TZ+", max_size=30))
def test_digit_soup_either_parses_to_utc_or_is_refused(text):
    assume(text.strip())
    try:
        parsed = parse_timestamp(text, tz="UTC")
    except InvalidTimestamp:
        return
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-02-30",
        "1703462400000",
        "05/01/24",
        "3 Feb 24 10:00",
        "February 2024",
        "10:00 2024",
        "Sat, 03 Feb 2024 25:00:00 GMT",
        "12/31/2024 13:00 PM",
        "31.12.2024 10:00 +2400",
        "\u0662\u0660\u0662\u0664-\u0660\u0661-\u0660\u0661",  # Arabic-Indic digits
    ],
)
def test_garbage_is_refused_naming_the_value(text):
    with pytest.raises(InvalidTimestamp) as caught:
        parse_timestamp(text, tz="UTC")
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-12-25T00:00:00.363Z", "2024-12-25T00:00:00.363000+00:00"),
        ("2024-01-05 10:00:00 UTC", "2024-01-05T10:00:00+00:00"),
        ("2024-01-05T10:00:00+0100", "2024-01-05T09:00:00+00:00"),
        ("20240105T100000Z", "2024-01-05T10:00:00+00:00"),
        ("2024-01-05T10:00:00.1234567Z", "2024-01-05T10:00:00.123456+00:00"),
        ("Fri, 05 Jan 2024 10:00:00 -0000", "2024-01-05T10:00:00+00:00"),
        ("05 Jan 2024 10:00 PST", "2024-01-05T18:00:00+00:00"),
        ("Fri, 05 Jan 2024 10:00:00 +0000 (UTC)", "2024-01-05T10:00:00+00:00"),
        ("2024/01/05 10:00 +05:30", "2024-01-05T04:30:00+00:00"),
        ("13.01.2024 10:00 GMT", "2024-01-13T10:00:00+00:00"),
        ("1/13/2024 12:00 AM Z", "2024-01-13T00:00:00+00:00"),
        ("1/13/2024 12:30 PM Z", "2024-01-13T12:30:00+00:00"),
        ("5 January 2024 10:00 +01:00", "2024-01-05T09:00:00+00:00"),
        ("January 5, 2024 10:00 UTC", "2024-01-05T10:00:00+00:00"),
    ],
)
def test_vendor_shapes(text, expected):
    assert parse_timestamp(text).isoformat() == expected


def test_iso_dates_are_year_first_whatever_dayfirst_says():
    assert parse_timestamp("2024-03-04T00:00:00Z", dayfirst=True).month == 3


def test_day_month_order_is_refused_when_ambiguous():
    with pytest.raises(InvalidTimestamp, match="ambiguous day and month"):
        parse_timestamp("01.02.2024 10:00:00 UTC")
    assert parse_timestamp("01.02.2024 10:00:00 UTC", dayfirst=True).month == 2
    assert parse_timestamp("01.02.2024 10:00:00 UTC", dayfirst=False).month == 1
    assert parse_timestamp("05.05.2024 10:00:00 UTC").day == 5


def test_day_month_order_is_inferred_only_from_an_impossible_reading():
    assert parse_timestamp("13.02.2024 UTC").date().isoformat() == "2024-02-13"
    assert parse_timestamp("02/13/2024 UTC").date().isoformat() == "2024-02-13"
    with pytest.raises(InvalidTimestamp, match=r"month must be in 1\.\.12"):
        parse_timestamp("13.02.2024 UTC", dayfirst=False)


def test_free_form_day_month_order_is_refused_when_ambiguous():
    with pytest.raises(InvalidTimestamp, match="ambiguous day and month"):
        parse_timestamp("5 3 2024 10:00 UTC")
    assert parse_timestamp("5 3 2024 10:00 UTC", dayfirst=True).month == 3


@pytest.mark.parametrize("text", ["3 Feb 2024 10:00 CEST", "February 3, 2024 10:00 IST"])
def test_zone_abbreviations_are_refused(text):
    with pytest.raises(InvalidTimestamp, match="abbreviations are ambiguous"):
        parse_timestamp(text, tz="Europe/Berlin")


def test_an_offset_and_utc_together_are_refused():
    with pytest.raises(InvalidTimestamp, match="both an offset and UTC"):
        parse_timestamp("2024-01-05 10:00:00+01:00 UTC")


def test_the_offset_in_the_text_wins_over_the_declared_zone():
    parsed = parse_timestamp("2024-01-05T10:00:00+01:00", tz="America/Chicago")
    assert parsed.isoformat() == "2024-01-05T09:00:00+00:00"


def test_nonexistent_local_time_is_refused():
    # 2024-03-31 02:00 → 03:00 in Berlin: 02:30 never happens.
    with pytest.raises(InvalidTimestamp, match="does not exist in Europe/Berlin"):
        parse_timestamp("2024-03-31 02:30", tz="Europe/Berlin", field="created")
    assert parse_timestamp("2024-03-31 03:00", tz="Europe/Berlin").hour == 1


def test_ambiguous_local_time_is_the_first_occurrence_unless_told_otherwise():
    # 2024-10-27 03:00 → 02:00 in Berlin: 02:30 happens at 00:30 UTC and at 01:30 UTC.
    text = "2024-10-27 02:30"
    assert parse_timestamp(text, tz="Europe/Berlin").hour == 0
    assert parse_timestamp(text, tz="Europe/Berlin", ambiguous="earlier").hour == 0
    assert parse_timestamp(text, tz="Europe/Berlin", ambiguous="later").hour == 1
    with pytest.raises(InvalidTimestamp, match="happens twice"):
        parse_timestamp(text, tz="Europe/Berlin", ambiguous="raise")
    with pytest.raises(ValueError, match="ambiguous must be"):
        parse_timestamp(text, tz="Europe/Berlin", ambiguous="first")  # type: ignore[arg-type]


def test_declared_zone_accepts_a_tzinfo_and_applies_to_naive_datetimes():
    naive = datetime(2024, 7, 1, 12, 0)
    assert parse_timestamp(naive, tz=ZoneInfo("America/New_York")).hour == 16
    assert parse_timestamp(naive, tz=timezone(timedelta(hours=2))).hour == 10
    with pytest.raises(NaiveTimestamp):
        parse_timestamp(naive)


def test_aware_datetimes_are_converted_to_utc():
    dt = datetime(2024, 7, 1, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    parsed = parse_timestamp(dt)
    assert parsed == dt
    assert parsed.tzinfo is UTC
    assert parsed.hour == 3


def test_unknown_zone_names_are_configuration_errors():
    with pytest.raises(ZoneInfoNotFoundError):
        parse_timestamp("2024-01-01 10:00", tz="Mars/Olympus_Mons")
    with pytest.raises(LookupError, match="not a valid IANA name"):
        parse_timestamp("2024-01-01 10:00", tz="../etc/passwd")
    # An offset in the text needs no zone, so a bad one is not even looked up.
    assert parse_timestamp("2024-01-01T10:00Z", tz="Mars/Olympus_Mons").hour == 10


def test_out_of_range_in_utc_is_refused():
    with pytest.raises(InvalidTimestamp, match="out of range"):
        parse_timestamp("0001-01-01T00:00:00+01:00")
    with pytest.raises(InvalidTimestamp, match="out of range"):
        parse_timestamp("9999-12-31T23:59:59-01:00")


def test_numbers_are_not_guessed():
    with pytest.raises(TypeError, match="from_epoch_millis"):
        parse_timestamp(1703462400000)  # type: ignore[arg-type]
    with pytest.raises(InvalidTimestamp, match="from_epoch_millis"):
        parse_timestamp("1703462400000")


def test_epoch_inputs():
    assert from_epoch_millis(-1) == EPOCH - timedelta(milliseconds=1)
    assert from_epoch_millis(" 1703462400363 ").isoformat() == "2023-12-25T00:00:00.363000+00:00"
    assert from_epoch_seconds(1_700_000_000).isoformat() == "2023-11-14T22:13:20+00:00"
    # Finer than a microsecond: the earlier microsecond, also before 1970.
    assert from_epoch_seconds("0.0000019").microsecond == 1
    assert from_epoch_seconds(Decimal("-0.0000001")) == EPOCH - timedelta(microseconds=1)


@pytest.mark.parametrize("bad", ["1.5", "1e3", "", "0x10", "\u0661\u0662"])
def test_epoch_millis_refuses_non_integers(bad):
    with pytest.raises(InvalidTimestamp, match="not an integer"):
        from_epoch_millis(bad, field="orderDate")


@pytest.mark.parametrize("bad", ["1e3", "nan", "", "1,5", Decimal("NaN"), Decimal("Infinity")])
def test_epoch_seconds_refuses_non_numbers(bad):
    with pytest.raises(InvalidTimestamp, match=r"not a (decimal|finite) number"):
        from_epoch_seconds(bad)


@pytest.mark.parametrize("bad", [1.5, True, None])
def test_epoch_refuses_floats_and_other_types(bad):
    with pytest.raises(TypeError):
        from_epoch_seconds(bad)
    with pytest.raises(TypeError):
        from_epoch_millis(bad)


@pytest.mark.parametrize("bad", [10**20, -(10**20)])
def test_epoch_out_of_range(bad):
    with pytest.raises(InvalidTimestamp, match="out of range"):
        from_epoch_millis(bad)
    with pytest.raises(InvalidTimestamp, match="out of range"):
        from_epoch_seconds(bad)


def test_docs_examples_run():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


IMPORT_ALL = (
    "import retail_canon.normalize.dates as d, retail_canon.normalize.numbers as n, "
    "retail_canon.normalize.status as s"
)


def test_stdlib_paths_load_neither_dateutil_nor_babel():
    loaded = _loaded_after(
        f"{IMPORT_ALL}\n"
        "d.parse_timestamp('2024-12-25T00:00:00Z')\n"
        "d.parse_timestamp('Sat, 03 Feb 2024 10:00:00 GMT')\n"
        "d.parse_timestamp('05.01.2024 10:00:00 UTC', dayfirst=True)\n"
        "d.parse_timestamp('2024-01-05 10:00', tz='Europe/Berlin')\n"
        "d.from_epoch_millis(1703462400000)\n"
        "n.parse_decimal('12.50')\n"
        "s.map_status('amazon.orders_v0.OrderStatus', 'Shipped')"
    )
    assert "retail_canon.normalize.status" in loaded
    assert "dateutil" not in loaded
    assert "babel" not in loaded


def test_free_form_dates_load_dateutil_only_then():
    loaded = _loaded_after(f"{IMPORT_ALL}\nd.parse_timestamp('3 February 2024 10:00 +01:00')")
    assert "dateutil" in loaded
    assert "babel" not in loaded


def test_locale_numbers_load_babel_only_then():
    loaded = _loaded_after(f"{IMPORT_ALL}\nn.parse_locale_decimal('1.234,56', 'de_DE')")
    assert "babel" in loaded
    assert "dateutil" not in loaded
