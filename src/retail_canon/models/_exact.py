"""Exact decimal arithmetic for canonical amounts and quantities.

Python's default decimal context keeps 28 significant digits (and is thread-local state a
caller may change), while canonical decimals keep every digit the source sent. Sums,
differences, products, negations, ``quantize`` and ``scaleb`` of them therefore go through
`EXACT`, whose precision and exponent range are the largest the decimal module allows: for
those operations the result is always exact. Never divide in it.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context

__all__ = ["EXACT"]

EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""A context in which addition, subtraction and multiplication never round."""
