"""Units of measure: canonical codes, vendor aliases, exact conversions, pack hierarchies.

Canonical units are UN/ECE Recommendation 20 codes (``EA`` each, ``C62`` one, ``KGM``,
``LBR``, ``MTR``, ``INH``, ``LTR``, ``GLL``, ...) and, for packaging levels, Rec 21 package
codes with their ``X`` prefix (``XCS`` case, ``XPK`` pack, ``XPX`` pallet, ...).

- `normalize_unit` reads what vendors send (``pcs``, ``lbs``, X12 ``CA``, Amazon
  ``POUNDS``, Shopify ``KILOGRAMS``) through explicit, closed alias tables. Unknown and
  ambiguous tokens raise `UnknownUnit`: never a guess, and never pint's string parser,
  which reads ``pcs`` as parsecs and ``EA`` as exa-amperes.
- `convert` converts a `Quantity` exactly: measures by a vendored table of exact decimal
  factors (1 lb = 0.45359237 kg, 1 in = 25.4 mm, 1 US gal = 3.785411784 L, ...), packaging
  levels through the item's `PackHierarchy`. A result that is not exact, or not a whole
  number of a counted unit, raises `InexactConversion` unless the caller says how to round
  or accepts fractions. No pint on this path.
- `registry`, `to_pint` and `from_pint` give a pint registry built only from our own
  definitions, for arbitrary dimensional maths; pint loads when one of them is called.

>>> from retail_canon.models import Quantity
>>> normalize_unit("lbs")
'LBR'
>>> convert(Quantity(value=12, uom="LBR"), "KGM")
Quantity(value=Decimal('5.44310844'), uom='KGM')
>>> packs = PackHierarchy("EA", {"XCS": 12, "XPX": 480})
>>> convert(Quantity(value=2, uom="XPX"), "XCS", pack=packs)
Quantity(value=Decimal('80'), uom='XCS')
"""

from __future__ import annotations

from retail_canon.normalize.uom._aliases import UnitSource, normalize_unit
from retail_canon.normalize.uom._codes import Dimension, UnitInfo, unit_info
from retail_canon.normalize.uom._convert import PackHierarchy, convert
from retail_canon.normalize.uom._pint import from_pint, registry, to_pint

__all__ = [
    "convert",
    "Dimension",
    "from_pint",
    "normalize_unit",
    "PackHierarchy",
    "registry",
    "to_pint",
    "unit_info",
    "UnitInfo",
    "UnitSource",
]
