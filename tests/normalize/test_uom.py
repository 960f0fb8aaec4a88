from __future__ import annotations

import doctest
import json
import subprocess
import sys
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from retail_canon import (
    CanonicalValueError,
    IncompatibleUnits,
    InexactConversion,
    UnknownUnit,
)
from retail_canon.models import PackLevel, Product, Quantity
from retail_canon.normalize import uom
from retail_canon.normalize.uom import (
    PackHierarchy,
    convert,
    from_pint,
    normalize_unit,
    registry,
    to_pint,
    unit_info,
)
from retail_canon.normalize.uom._codes import UNITS

ROOT = Path(__file__).resolve().parents[2]

MEASURE_DIMENSIONS = ("mass", "length", "area", "volume", "time")
MEASURES = {
    dim: sorted(code for code, info in UNITS.items() if info.dimension == dim)
    for dim in MEASURE_DIMENSIONS
}

# Numbers of up to 16 significant digits, from 1e-6 to 1e19, either sign.
decimals = st.builds(
    lambda n, e: Decimal(n).scaleb(e), st.integers(-(10**15), 10**15), st.integers(-6, 4)
)


@st.composite
def unit_pairs(draw, count=2):
    dim = draw(st.sampled_from(MEASURE_DIMENSIONS))
    return [draw(st.sampled_from(MEASURES[dim])) for _ in range(count)]


def q(value, uom_code):
    return Quantity(value=value, uom=uom_code)


def exact_value(value, from_code, to_code):
    info_from, info_to = unit_info(from_code), unit_info(to_code)
    return Fraction(value) * Fraction(info_from.factor) / Fraction(info_to.factor)


def terminates(fraction):
    d = fraction.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def test_all_is_sorted_and_complete():
    assert uom.__all__ == sorted(uom.__all__, key=str.casefold)
    for name in uom.__all__:
        assert getattr(uom, name) is not None
    assert {"convert", "normalize_unit", "PackHierarchy", "registry", "to_pint"} <= set(uom.__all__)


# -- alias tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "code"),
    [
        # free text (source=None)
        ("pcs", None, "EA"),
        ("PC", None, "EA"),
        ("EACH", None, "EA"),
        ("units", None, "EA"),
        ("unit", None, "EA"),
        ("count", None, "EA"),
        ("dozen", None, "DZN"),
        ("lb", None, "LBR"),
        ("lbs", None, "LBR"),
        ("Lbs.", None, "LBR"),
        ("oz", None, "ONZ"),
        ("kg", None, "KGM"),
        (" KGS ", None, "KGM"),
        ("g", None, "GRM"),
        ("tonne", None, "TNE"),
        ("in", None, "INH"),
        ("inches", None, "INH"),
        ("ft", None, "FOT"),
        ("cm", None, "CMT"),
        ("sq ft", None, "FTK"),
        ("SQ_FT", None, "FTK"),
        ("ml", None, "MLT"),
        ("ML", None, "MLT"),
        ("litres", None, "LTR"),
        ("cu ft", None, "FTQ"),
        ("cs", None, "XCS"),
        ("case", None, "XCS"),
        ("CTN", None, "XCT"),
        ("box", None, "XBX"),
        ("PK", None, "XPK"),
        ("pack", None, "XPK"),
        ("pallet", None, "XPX"),
        ("plt", None, "XPX"),
        # ANSI X12 355
        ("EA", "x12", "EA"),
        ("PC", "x12", "EA"),
        ("CA", "x12", "XCS"),
        ("BX", "x12", "XBX"),
        ("CT", "x12", "XCT"),
        ("PK", "x12", "XPK"),
        ("PL", "x12", "XPX"),
        ("DZ", "x12", "DZN"),
        ("LB", "x12", "LBR"),
        ("OZ", "x12", "ONZ"),
        ("GA", "x12", "GLL"),
        ("FT", "x12", "FOT"),
        ("RL", "x12", "XRO"),
        ("BG", "x12", "XBG"),
        ("DR", "x12", "XDR"),
        ("PT", "x12", "PTL"),
        ("TN", "x12", "STN"),
        ("KG", "x12", "KGM"),
        ("ML", "x12", "MLT"),
        ("ca", "x12", "XCS"),
        # Amazon SP-API
        ("POUNDS", "amazon", "LBR"),
        ("OUNCES", "amazon", "ONZ"),
        ("GRAMS", "amazon", "GRM"),
        ("KILOGRAMS", "amazon", "KGM"),
        ("kilograms", "amazon", "KGM"),
        ("INCHES", "amazon", "INH"),
        ("SQUARE_FEET", "amazon", "FTK"),
        ("CUBIC_CENTIMETERS", "amazon", "CMQ"),
        ("COUNT", "amazon", "EA"),
        # Shopify
        ("POUNDS", "shopify", "LBR"),
        ("OUNCES", "shopify", "ONZ"),
        ("GRAMS", "shopify", "GRM"),
        ("KILOGRAMS", "shopify", "KGM"),
        ("kg", "shopify", "KGM"),
        ("FLOZ", "shopify", "OZA"),
        ("GAL", "shopify", "GLL"),
        ("ITEM", "shopify", "EA"),
        ("M2", "shopify", "MTK"),
    ],
)
def test_documented_aliases(value, source, code):
    assert normalize_unit(value, source=source) == code


@pytest.mark.parametrize("source", [None, "x12", "amazon", "shopify"])
def test_canonical_codes_are_always_themselves(source):
    for code in UNITS:
        assert normalize_unit(code, source=source) == code
        assert normalize_unit(code.lower(), source=source) == code


def test_every_alias_maps_to_a_known_code():
    from retail_canon.normalize.uom._aliases import _TABLES

    for table in _TABLES.values():
        assert set(table.values()) <= set(UNITS)


@pytest.mark.parametrize("token", ["pcs", "pc", "EA", "PK", "unit", "cs", "ct", "PL", "RL"])
def test_pint_trap_tokens_never_become_physics_units(token):
    # pint reads these as parsec, exa-ampere, peta-kelvin, micro-nit, centisecond, carat,
    # peta-litre and ronna-litre.
    try:
        code = normalize_unit(token)
    except UnknownUnit:
        return
    assert unit_info(code).dimension in {"count", "package"}


def test_ml_is_millilitre_not_megalitre():
    code = normalize_unit("ML")
    assert code == "MLT"
    assert unit_info(code).factor == Decimal("0.001")
    assert convert(q(1000, code), "LTR").value == 1


def test_sources_are_closed_tables():
    with pytest.raises(UnknownUnit, match="'pcs' from source 'x12'"):
        normalize_unit("pcs", source="x12")
    with pytest.raises(UnknownUnit, match="'lbs' from source 'amazon'"):
        normalize_unit("lbs", source="amazon")


@pytest.mark.parametrize(
    ("value", "source", "hint"),
    [
        ("ct", None, "XCT"),
        ("gal", None, "GLI"),
        ("fl oz", None, "OZA"),
        ("ton", None, "STN"),
        ("CS", "x12", "CA"),
        ("GALLONS", "amazon", "GLL"),
        ("FLUID_OUNCES", "amazon", "OZI"),
        ("UNKNOWN", "shopify", "newer API"),
    ],
)
def test_ambiguous_tokens_are_refused_with_the_alternatives(value, source, hint):
    with pytest.raises(UnknownUnit, match="ambiguous") as exc:
        normalize_unit(value, source=source)
    assert repr(value) in str(exc.value)
    assert hint in str(exc.value)


def test_unknown_units_name_the_value():
    with pytest.raises(UnknownUnit, match="'parsec'") as exc:
        normalize_unit("parsec")
    assert exc.value.code == "unknown_unit"
    assert isinstance(exc.value, ValueError)
    with pytest.raises(UnknownUnit, match="empty"):
        normalize_unit("  ")
    with pytest.raises(ValueError, match="unknown unit source 'ebay'"):
        normalize_unit("kg", source="ebay")


def test_unit_info():
    info = unit_info("OZA")
    assert (info.name, info.dimension, info.factor, info.base) == (
        "fluid ounce (US)",
        "volume",
        Decimal("0.0295735295625"),
        "LTR",
    )
    assert unit_info("XCS").factor is None
    assert unit_info("XCS").base is None
    with pytest.raises(UnknownUnit, match=r"'lbs'.*normalize_unit"):
        unit_info("lbs")


# -- published factors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1, "LBR", "GRM", "453.59237"),
        (1, "ONZ", "GRM", "28.349523125"),
        (16, "ONZ", "LBR", "1"),
        (1, "INH", "MMT", "25.4"),
        (12, "INH", "FOT", "1"),
        (3, "FOT", "YRD", "1"),
        (5280, "FOT", "SMI", "1"),
        (1, "GLL", "LTR", "3.785411784"),
        (231, "INQ", "GLL", "1"),
        (128, "OZA", "GLL", "1"),
        (1, "OZA", "MLT", "29.5735295625"),
        (4, "QTL", "GLL", "1"),
        (8, "PTL", "GLL", "1"),
        (1, "GLI", "LTR", "4.54609"),
        (160, "OZI", "GLI", "1"),
        (1, "OZI", "MLT", "28.4130625"),
        (8, "PTI", "GLI", "1"),
        (1728, "INQ", "FTQ", "1"),
        (144, "INK", "FTK", "1"),
        (9, "FTK", "YDK", "1"),
        (2000, "LBR", "STN", "1"),
        (2240, "LBR", "LTN", "1"),
        (1, "APZ", "GRM", "31.1034768"),
        (1, "MTQ", "LTR", "1000"),
        (1, "DAY", "HUR", "24"),
        (1, "GRO", "DZN", "12"),
    ],
)
def test_published_factors(value, source, target, expected):
    result = convert(q(value, source), target)
    assert result.value == Decimal(expected)
    assert str(result.value) == expected  # tidy: no 1E+3, no trailing zeros


PINT_NAMES = {
    "GRM": "gram",
    "MGM": "milligram",
    "TNE": "metric_ton",
    "LBR": "pound",
    "ONZ": "ounce",
    "APZ": "troy_ounce",
    "STN": "short_ton",
    "LTN": "long_ton",
    "CMT": "centimeter",
    "INH": "inch",
    "FOT": "foot",
    "YRD": "yard",
    "SMI": "mile",
    "MLT": "milliliter",
    "GLL": "gallon",
    "QTL": "quart",
    "PTL": "pint",
    "OZA": "fluid_ounce",
    "GLI": "imperial_gallon",
    "QTI": "imperial_quart",
    "PTI": "imperial_pint",
    "OZI": "imperial_fluid_ounce",
    "INQ": "inch ** 3",
    "FTQ": "foot ** 3",
    "FTK": "foot ** 2",
    "YDK": "yard ** 2",
    "DAY": "day",
}


def test_factors_agree_with_pints_default_definitions():
    import pint

    default = pint.UnitRegistry()
    bases = {"mass": "kilogram", "length": "meter", "area": "meter ** 2"}
    bases |= {"volume": "liter", "time": "second"}
    for code, name in PINT_NAMES.items():
        info = unit_info(code)
        theirs = default.Quantity(1, name).to(bases[info.dimension]).magnitude
        assert float(info.factor) == pytest.approx(theirs, rel=1e-12), code


# -- measure conversions --------------------------------------------------------------------


@given(decimals, st.sampled_from([c for codes in MEASURES.values() for c in codes]))
def test_to_the_base_unit_is_always_exact_and_round_trips(value, code):
    base = unit_info(code).base
    there = convert(q(value, code), base)
    assert Fraction(there.value) == exact_value(value, code, base)
    assert convert(there, code).value == value


@given(decimals, unit_pairs())
def test_round_trip_is_exact_whenever_the_conversion_is(value, units):
    a, b = units
    expected = exact_value(value, a, b)
    if not terminates(expected):
        with pytest.raises(InexactConversion, match="no finite decimal form"):
            convert(q(value, a), b)
        return
    there = convert(q(value, a), b)
    assert Fraction(there.value) == expected
    assert convert(there, a).value == value


@given(decimals, unit_pairs(count=3))
def test_chained_conversion_equals_direct(value, units):
    a, b, c = units
    try:
        middle = convert(q(value, a), b)
    except InexactConversion:
        assume(False)
    results = []
    for start in (middle, q(value, a)):
        try:
            results.append(convert(start, c).value)
        except InexactConversion:
            results.append(None)
    assert results[0] == results[1]


@given(decimals, unit_pairs(), st.integers(0, 8))
def test_places_rounds_to_the_nearest(value, units, places):
    a, b = units
    result = convert(q(value, a), b, places=places).value
    assert result.as_tuple().exponent == -places
    step = Fraction(1, 10**places)
    assert abs(Fraction(result) - exact_value(value, a, b)) <= step / 2


def test_rounding_mode_is_honoured():
    down = convert(q(1, "KGM"), "LBR", places=2, rounding=ROUND_FLOOR)
    assert down.value == Decimal("2.20")
    assert convert(q(1, "KGM"), "LBR", places=3).value == Decimal("2.205")


@pytest.mark.parametrize(
    ("source", "target"),
    [("KGM", "MTR"), ("LTR", "KGM"), ("MTK", "MTR"), ("EA", "KGM"), ("PR", "EA"), ("HUR", "MON")],
)
def test_different_dimensions_are_incompatible(source, target):
    with pytest.raises(IncompatibleUnits, match=f"{source}.*{target}") as exc:
        convert(q(1, source), target)
    assert exc.value.code == "incompatible_units"


def test_codes_must_be_canonical():
    with pytest.raises(UnknownUnit, match=r"'CA'.*normalize_unit"):
        convert(q(1, "CA"), "EA")
    with pytest.raises(UnknownUnit, match="'lbs'"):
        convert(q(1, "KGM"), "lbs")


def test_same_unit_is_returned_unchanged_unless_rounded():
    quantity = q("1.2345", "KGM")
    assert convert(quantity, "KGM") is quantity
    assert convert(quantity, "KGM", places=2).value == Decimal("1.23")


def test_long_values_stay_exact():
    big = Decimal("9" * 80 + "." + "123456789012345")  # 95 digits
    ounces = convert(q(big, "LBR"), "ONZ")
    assert Fraction(ounces.value) == Fraction(big) * 16
    assert convert(ounces, "LBR").value == big
    assert Fraction(convert(q(big, "LBR"), "KGM").value) == Fraction(big) * Fraction("0.45359237")
    rounded = convert(q(big, "KGM"), "LBR", places=2).value
    assert abs(Fraction(rounded) - Fraction(big) / Fraction("0.45359237")) <= Fraction(1, 200)


def test_counts_must_be_whole_unless_allowed():
    with pytest.raises(InexactConversion, match=r"6 EA is 0\.5 DZN"):
        convert(q(6, "EA"), "DZN")
    assert convert(q(6, "EA"), "DZN", allow_fraction=True).value == Decimal("0.5")
    assert convert(q(24, "C62"), "DZN").value == 2
    assert convert(q(-3, "DZN"), "EA").value == -36


# -- pack hierarchies -----------------------------------------------------------------------


@st.composite
def hierarchies(draw):
    inner = draw(st.integers(1, 24))
    case = inner * draw(st.integers(1, 12))
    pallet = case * draw(st.integers(1, 80))
    return PackHierarchy("EA", {"XPK": inner, "XCS": case, "XPX": pallet})


LEVELS = ["EA", "XPK", "XCS", "XPX"]


@given(hierarchies(), st.integers(-500, 500), st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_pack_round_trip_is_exact(packs, count, start, other):
    original = q(count, start)
    in_each = convert(original, "EA", pack=packs)
    assert in_each.value == count * packs.quantity_of_base(start)
    expected = Fraction(in_each.value) / Fraction(packs.quantity_of_base(other))
    try:
        there = convert(original, other, pack=packs)
    except InexactConversion:
        assert expected.denominator != 1
        there = convert(original, other, pack=packs, allow_fraction=True, places=30)
        assert abs(Fraction(there.value) - expected) <= Fraction(1, 10**30)
        return
    assert there.value == expected
    assert convert(there, start, pack=packs).value == count


@given(hierarchies(), st.integers(0, 5000), st.sampled_from(["XPK", "XCS", "XPX"]))
def test_fractions_raise_unless_allowed(packs, each, level):
    size = packs.quantity_of_base(level)
    expected = Fraction(each) / Fraction(size)
    quantity = q(each, "EA")
    if expected.denominator == 1:
        assert convert(quantity, level, pack=packs).value == expected
        return
    with pytest.raises(InexactConversion, match="not a whole number"):
        convert(quantity, level, pack=packs)
    if terminates(expected):
        assert Fraction(convert(quantity, level, pack=packs, allow_fraction=True).value) == expected
    else:
        with pytest.raises(InexactConversion, match="places="):
            convert(quantity, level, pack=packs, allow_fraction=True)
    rounded = convert(quantity, level, pack=packs, allow_fraction=True, places=4).value
    assert abs(Fraction(rounded) - expected) <= Fraction(1, 20000)


@given(hierarchies(), st.integers(0, 100))
def test_pack_chain_equals_direct(packs, pallets):
    start = q(pallets, "XPX")
    chained = convert(
        convert(convert(start, "XCS", pack=packs), "XPK", pack=packs), "EA", pack=packs
    )
    assert chained == convert(start, "EA", pack=packs)


def _product(base="EA", levels=(("XCS", 12), ("XPX", 480))):
    return Product(
        product_id="p-1",
        sku="TEE-M",
        title="Tee",
        base_uom=base,
        pack_levels=tuple(PackLevel(uom=u, quantity_of_base=n) for u, n in levels),
    )


def test_pack_from_product():
    product = _product()
    packs = PackHierarchy.from_product(product)
    assert packs == PackHierarchy("EA", {"XCS": 12, "XPX": "480"})
    assert hash(packs) == hash(PackHierarchy("EA", {"XPX": 480, "XCS": 12}))
    assert packs.base_uom == "EA"
    assert dict(packs.levels) == {"XCS": 12, "XPX": 480}
    assert "XCS" in repr(packs)
    assert convert(q(2, "XPX"), "XCS", pack=product) == q(80, "XCS")
    assert convert(q(1, "DZN"), "XCS", pack=product) == q(1, "XCS")


def test_pack_over_a_measure_base():
    product = _product(base="KGM", levels=(("XCS", 10),))
    assert convert(q(3, "XCS"), "LBR", pack=product, places=2).value == Decimal("66.14")
    assert convert(q(2, "XCS"), "GRM", pack=product).value == 20000
    with pytest.raises(InexactConversion, match=r"25 KGM is 2\.5 XCS"):
        convert(q(25, "KGM"), "XCS", pack=product)
    with pytest.raises(IncompatibleUnits, match=r"EA.*XCS"):
        convert(q(25, "EA"), "XCS", pack=product)


def test_pack_over_a_package_base():
    packs = PackHierarchy("XPK", {"XCS": 4})
    assert convert(q(3, "XCS"), "XPK", pack=packs).value == 12
    with pytest.raises(IncompatibleUnits):
        convert(q(3, "XCS"), "EA", pack=packs)


def test_pack_levels_need_the_item():
    with pytest.raises(IncompatibleUnits, match=r"XCS is a packaging level.*pack="):
        convert(q(1, "XCS"), "EA")
    with pytest.raises(IncompatibleUnits, match=r"'XPK' is not a pack level.*1 XCS = 12 EA"):
        convert(q(1, "XPK"), "EA", pack=_product())


@pytest.mark.parametrize(
    ("base", "levels", "error", "match"),
    [
        ("lbs", {}, UnknownUnit, "'lbs'"),
        ("EA", {"DZN": 12}, UnknownUnit, "'DZN' is not a Rec 21 package code"),
        ("XCS", {"XCS": 12}, CanonicalValueError, "also the base unit"),
        ("EA", {"XCS": 0}, CanonicalValueError, "positive"),
        ("EA", {"XCS": "-12"}, CanonicalValueError, "positive"),
        ("EA", {"XCS": 12.0}, TypeError, "float"),
    ],
)
def test_pack_hierarchy_is_checked(base, levels, error, match):
    with pytest.raises(error, match=match):
        PackHierarchy(base, levels)


def test_conflicting_pack_levels_are_refused():
    with pytest.raises(CanonicalValueError, match="XCS is declared twice, as 12 and 24"):
        PackHierarchy.from_product(_product(levels=(("XCS", 12), ("XCS", 24))))


# -- pint -----------------------------------------------------------------------------------


def _run(code):
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)


def test_conversions_do_not_load_pint_or_babel_and_the_helper_does():
    code = """
import json, sys
from retail_canon.models import Quantity
from retail_canon.normalize.uom import PackHierarchy, convert, normalize_unit
packs = PackHierarchy("EA", {"XCS": 12})
cases = convert(Quantity(value=36, uom=normalize_unit("pcs")), "XCS", pack=packs)
each = convert(cases, "EA", pack=packs)
kg = convert(Quantity(value=12, uom=normalize_unit("lbs")), "KGM")
lb = convert(kg, "LBR")
before = sorted(name for name in ("pint", "babel") if name in sys.modules)
from retail_canon.normalize.uom import to_pint
pinted = to_pint(Quantity(value=12, uom="LBR")).to("KGM").magnitude
print(json.dumps({
    "before": before,
    "results": [str(cases.value), str(each.value), str(kg.value), str(lb.value)],
    "after": "pint" in sys.modules,
    "pint": [type(pinted).__name__, str(pinted)],
}))
"""
    out = _run(code)
    assert out["results"] == ["3", "36", "5.44310844", "12"]
    assert out["before"] == []
    assert out["after"] is True
    assert out["pint"] == ["Decimal", "5.44310844"]


def test_registry_holds_our_codes_only():
    import pint

    ureg = registry()
    assert registry() is ureg
    for trap in ("pcs", "lb", "kg", "EACH"):
        with pytest.raises(pint.errors.UndefinedUnitError):
            ureg.Quantity(1, trap)
    assert ureg.Quantity(Decimal(3), "DZN").to("EA").magnitude == 36
    with pytest.raises(pint.errors.DimensionalityError):
        ureg.Quantity(Decimal(1), "XCS").to("EA")
    area = ureg.Quantity(Decimal(12), "INH") * ureg.Quantity(Decimal(12), "INH")
    assert from_pint(area, "INK") == q(144, "INK")


def test_to_and_from_pint():
    import pint

    assert from_pint(to_pint(q("2.5", "GLL"))) == q("2.5", "GLL")
    assert from_pint(to_pint(q(1, "GLL")), "INQ") == q(231, "INQ")
    with pytest.raises(UnknownUnit, match="'CA'"):
        to_pint(q(1, "CA"))
    with pytest.raises(UnknownUnit, match="uom="):
        from_pint(to_pint(q(2, "MTR")) ** 2)
    with pytest.raises(UnknownUnit, match="'KGMs'"):
        from_pint(to_pint(q(2, "KGM")), "KGMs")
    with pytest.raises(TypeError, match="float"):
        from_pint(registry().Quantity(1.5, "KGM"))
    assert isinstance(to_pint(q(1, "KGM")), pint.Quantity)


def test_docs_examples_run():
    result = doctest.testfile(
        str(ROOT / "docs" / "normalize" / "uom.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS,
    )
    assert result.attempted > 10
    assert result.failed == 0
