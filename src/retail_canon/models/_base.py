"""Shared machinery for canonical objects: the base model, exact decimals, schema versions.

Canonical objects are the trust boundary of retail_canon, so the base model is strict about
what it lets in: frozen instances, unknown fields refused, no binary floats in decimal
fields, timezone-aware datetimes only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from retail_canon._exceptions import InexactDecimal, RetailCanonError

__all__ = [
    "CanonicalModel",
    "ExactDecimal",
    "Timestamp",
    "pii",
    "schema_version_field",
]

PII_MARK = "x-pii"
"""JSON Schema keyword that marks a field as personal data."""

_MASK = "***"


class _JsonNumberInDecimalField(RetailCanonError):
    """A JSON number reached an exact-decimal field through a path that had parsed it lossily.

    `CanonicalModel.model_validate_json` catches this and re-reads the document exactly; it
    escapes only when JSON is validated through another route (e.g. a bare TypeAdapter).
    """

    code = "json_number_needs_exact_read"

    def __init__(self) -> None:
        super().__init__(
            "a JSON number in a decimal field can only be read exactly through "
            "CanonicalModel.model_validate_json (or send the amount as a JSON string)"
        )


_EXACT_JSON = "retail_canon.exact_json"


def _refuse_float(value: Any, info: ValidationInfo) -> Any:
    if type(value) is float:
        if info.mode == "json":
            raise _JsonNumberInDecimalField
        context = info.context
        if context is not None and context.get(_EXACT_JSON):
            return value  # pragma: no cover - exact reads hand Decimals, never floats
        msg = (
            f"binary float {value!r} is not accepted for an exact decimal; "
            f"pass a Decimal, an int or a string such as {format(value, '.2f')!r}"
        )
        raise InexactDecimal(msg)
    return value


ExactDecimal = Annotated[Decimal, BeforeValidator(_refuse_float), Field(allow_inf_nan=False)]
"""A `Decimal` that refuses binary floats and NaN/infinity; serialises as a JSON string."""

Timestamp = AwareDatetime
"""A timezone-aware datetime; a naive one is refused with the field's path in the error."""


def pii(**kwargs: Any) -> Any:
    """A `pydantic.Field` for personal data: marked ``x-pii`` in the schema, masked in repr."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra[PII_MARK] = True
    return Field(json_schema_extra=extra, **kwargs)


def schema_version_field(current: str) -> Any:
    """The ``schema_version`` field of an object whose schema is at version ``current``.

    Documents of any minor version of the same major version are accepted: a reader at 1.3
    reads 1.0 documents, and a 2.x document is refused.
    """
    major = current.split(".", 1)[0]
    return Field(
        default=current,
        pattern=rf"^{major}\.[0-9]+$",
        description=f"Version of this object's schema; this library writes {current}.",
    )


class CanonicalModel(BaseModel):
    """Base of every canonical object and part.

    Frozen, refuses unknown fields, and reads JSON numbers in decimal fields exactly.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        validate_default=False,
        use_attribute_docstrings=True,
    )

    _pii_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._pii_fields = frozenset(
            name
            for name, field in cls.model_fields.items()
            if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(PII_MARK)
        )

    def __repr_args__(self) -> Any:
        masked = self._pii_fields
        for name, value in super().__repr_args__():
            if name in masked and value is not None:
                yield name, _MASK
            else:
                yield name, value

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: Any = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a JSON document, reading JSON numbers in decimal fields exactly.

        Amounts sent as JSON strings (what retail_canon writes) take pydantic's fast path.
        A JSON number such as ``12.30`` or ``0.1000000000000000055511151231257827`` is
        read digit for digit, never through a binary float.
        """
        try:
            return super().model_validate_json(
                json_data,
                strict=strict,
                extra=extra,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        except _JsonNumberInDecimalField:
            data = json.loads(json_data, parse_float=Decimal)
            exact_context = {**(context or {}), _EXACT_JSON: True}
            return cls.model_validate(
                data,
                strict=strict,
                extra=extra,
                context=exact_context,
                by_alias=by_alias,
                by_name=by_name,
            )
