"""Shared machinery for canonical objects: the base model, exact decimals, schema versions.

Canonical objects are the trust boundary of retail_canon, so the base model is strict about
what it lets in: frozen instances, unknown fields refused, no binary floats in decimal
fields, timezone-aware datetimes only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

import annotated_types
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

if TYPE_CHECKING:
    from pydantic.json_schema import JsonSchemaValue

__all__ = [
    "CanonicalModel",
    "record_error",
    "ExactDecimal",
    "NonNegativeDecimal",
    "PositiveDecimal",
    "Timestamp",
    "pii",
    "schema_version_field",
]

PII_MARK = "x-pii"
"""JSON Schema keyword that marks a field as personal data."""

_MASK = "***"


_JSON_NUMBER = "exact_decimal_json"
_EXACT_MESSAGE = (
    "Input should be an exact decimal: a Decimal, an int or a numeric string "
    "such as '12.30' (binary floats are refused)"
)


class _ReadExactly(Exception):
    """Raised inside pydantic-core to abandon a JSON pass that met a JSON number."""


class _FirstPass(dict[str, Any]):
    """Validation context of `CanonicalModel.model_validate_json`'s first pass (empty, falsy)."""


_READ_EXACTLY_CONTEXT: Any = _FirstPass()


def _json_number(value: float, info: core_schema.ValidationInfo) -> Decimal:
    if info.context is _READ_EXACTLY_CONTEXT:
        raise _ReadExactly
    raise PydanticCustomError(_JSON_NUMBER, _EXACT_MESSAGE)


class _Exact:
    """Annotation marker: a Decimal validated without ever passing through a binary float.

    Python input may be a `Decimal`, an `int` or a numeric `str`; a `float` (or a bool) is
    refused. JSON input may be a string or an integer; a JSON number with a fraction or
    exponent is reported as ``exact_decimal_json``, which `CanonicalModel.model_validate_json`
    answers by re-reading the document digit for digit. The whole check runs inside
    pydantic-core: no Python call per field. Constraints (``ge``, ``gt``, ``le``, ``lt``) are
    given here, not through `pydantic.Field`, which cannot reach inside this schema.
    """

    __slots__ = ("constraints",)

    def __init__(self, **constraints: int) -> None:
        self.constraints = constraints

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        finite = core_schema.decimal_schema(allow_inf_nan=False)
        from_str = core_schema.chain_schema([core_schema.str_schema(strict=True), finite])
        from_int = core_schema.chain_schema([core_schema.int_schema(strict=True), finite])
        python: core_schema.CoreSchema = core_schema.union_schema(
            [core_schema.decimal_schema(strict=True, allow_inf_nan=False), from_str, from_int],
            custom_error_type="exact_decimal",
            custom_error_message=_EXACT_MESSAGE,
            mode="left_to_right",
        )
        # A JSON number with a fraction or exponent: inside `CanonicalModel.model_validate_json`
        # it aborts the pass at once (the document is then re-read digit for digit); anywhere
        # else it is an ``exact_decimal_json`` validation error.
        from_number = core_schema.chain_schema(
            [
                core_schema.float_schema(strict=True, allow_inf_nan=True),
                core_schema.with_info_plain_validator_function(_json_number),
            ]
        )
        json: core_schema.CoreSchema = core_schema.union_schema(
            [from_str, from_int, from_number],
            custom_error_type=_JSON_NUMBER,
            custom_error_message=_EXACT_MESSAGE,
            mode="left_to_right",
        )
        if self.constraints:
            # Both branches above already refuse NaN and infinity: ``allow_inf_nan`` here only
            # skips a second ``is_finite`` call per value (the bounds still check for NaN).
            bounded = core_schema.decimal_schema(
                strict=True,
                allow_inf_nan=True,
                **self.constraints,  # type: ignore[arg-type]
            )
            python = core_schema.chain_schema([python, bounded])
            json = core_schema.chain_schema([json, bounded])
        return core_schema.json_or_python_schema(
            json_schema=json,
            python_schema=python,
            serialization=core_schema.to_string_ser_schema(when_used="json"),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        bounds = {_JSON_BOUNDS[name]: value for name, value in self.constraints.items()}
        if handler.mode == "serialization":
            return {"type": "string", "pattern": _DECIMAL_PATTERN}
        return {
            "anyOf": [{"type": "number", **bounds}, {"type": "string", "pattern": _DECIMAL_PATTERN}]
        }


_BOUND_TYPES = (
    annotated_types.Ge,
    annotated_types.Gt,
    annotated_types.Le,
    annotated_types.Lt,
    annotated_types.MultipleOf,
)
_JSON_BOUNDS = {
    "ge": "minimum",
    "gt": "exclusiveMinimum",
    "le": "maximum",
    "lt": "exclusiveMaximum",
}
_DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"

ExactDecimal = Annotated[Decimal, _Exact()]
"""A `Decimal` that never passes through a binary float; serialises as a JSON string.

Python floats, NaN and infinity are refused; JSON numbers are read digit for digit by
`CanonicalModel.model_validate_json`.
"""

NonNegativeDecimal = Annotated[Decimal, _Exact(ge=0)]
"""An `ExactDecimal` that is zero or more."""

PositiveDecimal = Annotated[Decimal, _Exact(gt=0)]
"""An `ExactDecimal` greater than zero."""

Timestamp = AwareDatetime
"""A timezone-aware datetime; a naive one is refused with the field's path in the error."""


def record_error(
    model: str, loc: tuple[str | int, ...], kind: str, message: str, **context: Any
) -> ValidationError:
    """A `ValidationError` for a rule that spans fields, pointing at the field to blame.

    Raised from a ``model_validator``, pydantic prefixes ``loc`` with the model's own place
    in the document, so the error names the full path (``lines.1.unit_price.currency``)
    like any single-field error. ``message`` may use ``{name}`` fields from ``context``.
    """
    detail = InitErrorDetails(
        type=PydanticCustomError(kind, message, context),
        loc=loc,
        input=context.get("input"),
    )
    return ValidationError.from_exception_data(model, [detail])


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
        # Validators and serializers are built on first use, not at import: a lambda that
        # handles inventory events never pays for the order models (see docs/performance.md).
        defer_build=True,
        # Inputs can hold personal data; errors name the field path and the rule instead.
        hide_input_in_errors=True,
    )

    _pii_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for name, field in cls.model_fields.items():
            exact = any(isinstance(m, _Exact) for m in field.metadata)
            bounds = [m for m in field.metadata if isinstance(m, _BOUND_TYPES)]
            if exact and bounds:
                msg = (
                    f"{cls.__name__}.{name}: put bounds of an exact decimal in its type "
                    "(NonNegativeDecimal, PositiveDecimal, _Exact(ge=...)), not in Field()"
                )
                raise TypeError(msg)
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
        # pydantic's own method adds nothing but a check that by_alias=False comes with
        # by_name=True; the hot path calls the validator itself (one Python frame less).
        validate = (
            super().model_validate_json
            if by_alias is False
            else cls.__pydantic_validator__.validate_json
        )
        try:
            validated: Self = validate(
                json_data,
                strict=strict,
                extra=extra,
                # Without a caller's context, the first JSON number met ends the pass at once.
                context=_READ_EXACTLY_CONTEXT if context is None else context,
                by_alias=by_alias,
                by_name=by_name,
            )
            return validated
        except _ReadExactly:
            pass
        except ValidationError as exc:
            brief = exc.errors(include_url=False, include_context=False, include_input=False)
            if not any(error["type"] == _JSON_NUMBER for error in brief):
                raise
        data = json.loads(json_data, parse_float=Decimal)
        return cls.model_validate(
            data, strict=strict, extra=extra, context=context, by_alias=by_alias, by_name=by_name
        )
