"""What every vendor's wire DTOs share: one lenient cattrs converter factory.

Vendor DTOs are attrs classes with snake_case fields; the converter renames them to the
vendor's spelling (camelCase, PascalCase, plus explicit exceptions), ignores unknown keys,
and reads decimals from strings, ints or already-parsed numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

__all__ = ["camel_case", "pascal_case", "wire_converter", "wire_decimal"]


def camel_case(name: str) -> str:
    """``order_line_id`` → ``orderLineId``."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def pascal_case(name: str) -> str:
    """``order_line_id`` → ``OrderLineId``."""
    return "".join(part.capitalize() for part in name.split("_"))


def wire_decimal(value: Any, _: type) -> Decimal:
    """A wire number as a Decimal; anything but a number or numeric string is refused."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        msg = f"not a number: {value!r}"
        raise TypeError(msg)
    return Decimal(str(value))


def wire_converter(
    case: Callable[[str], str], names: Mapping[str, str] | None = None
) -> cattrs.Converter:
    """A converter for attrs DTOs whose keys are spelled by ``case`` (``names`` override)."""
    overrides = dict(names or {})
    converter = cattrs.Converter(forbid_extra_keys=False)
    converter.register_structure_hook(Decimal, wire_decimal)

    def factory(cls: type) -> Any:
        renames = {
            a.name: override(rename=overrides.get(a.name, case(a.name))) for a in attrs.fields(cls)
        }
        return make_dict_structure_fn(cls, converter, **renames)  # type: ignore[arg-type]

    converter.register_structure_hook_factory(attrs.has, factory)
    return converter
