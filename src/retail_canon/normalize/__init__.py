"""Normalizers: turn what vendors send into what the canonical objects accept.

Every function is pure and typed, and raises a typed `ValueError` subclass with a stable
``code`` that names the bad value. Submodules load on first use, and heavy dependencies
(pint, babel, python-dateutil) load only inside the functions that need them.

- `retail_canon.normalize.identifiers`: GTIN, GLN, SSCC, ISBN, ASIN.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retail_canon.normalize import identifiers

__all__ = ["identifiers"]

_SUBMODULES = frozenset(__all__)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"retail_canon.normalize.{name}")
        globals()[name] = module
        return module
    msg = f"module 'retail_canon.normalize' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
