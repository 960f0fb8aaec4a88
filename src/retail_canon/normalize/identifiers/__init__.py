"""Product, location and logistic-unit identifiers, one module per scheme.

Every module offers the same verbs: ``compact`` (strip separators), ``validate`` (the
compact value, or a typed error), ``is_valid``, ``format`` and, where the scheme has one,
``calc_check_digit``; plus conversions where they apply (`gtin.to_gtin14`,
`isbn.to_isbn13`, ...).

>>> from retail_canon.normalize.identifiers import gtin
>>> gtin.to_gtin14("036000291452")
'00036000291452'
"""

from __future__ import annotations

from retail_canon.normalize.identifiers import asin, gln, gtin, isbn, sscc

__all__ = ["asin", "gln", "gtin", "isbn", "sscc"]
