"""What a mapping needs to know about a canonical model's fields, read from pydantic."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from retail_canon.models._base import PII_MARK

__all__ = ["FieldShape", "canonical_leaves", "fields_of"]


@dataclass(frozen=True, slots=True)
class FieldShape:
    """The shape of one model field.

    Attributes:
        name: the field name.
        required: no default: a mapping must fill it.
        sequence: the field holds a tuple or list.
        model: the model of the field (of its items, for a sequence), if it is one.
        enum: the enum of the field (of its items), if it is one.
        pii: the field is marked as personal data.
    """

    name: str
    required: bool
    sequence: bool
    model: type[BaseModel] | None
    enum: type[Enum] | None
    pii: bool


def _strip(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _item(annotation: Any) -> tuple[bool, Any]:
    annotation = _strip(annotation)
    origin = get_origin(annotation)
    if origin in (tuple, list, typing.Sequence, Sequence):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        if len(args) == 1:
            return True, _strip(args[0])
    return False, annotation


@functools.cache
def fields_of(model: type[BaseModel]) -> dict[str, FieldShape]:
    """The fields of ``model`` by name, in declaration order.

    >>> from retail_canon.models import OrderLine
    >>> shape = fields_of(OrderLine)["unit_price"]
    >>> shape.required, shape.model.__name__
    (True, 'Money')
    """
    out: dict[str, FieldShape] = {}
    for name, field in model.model_fields.items():
        sequence, item = _item(field.annotation)
        is_model = isinstance(item, type) and issubclass(item, BaseModel)
        is_enum = isinstance(item, type) and issubclass(item, Enum)
        extra = field.json_schema_extra
        out[name] = FieldShape(
            name=name,
            required=field.is_required(),
            sequence=sequence,
            model=item if is_model else None,
            enum=item if is_enum else None,
            pii=isinstance(extra, dict) and bool(extra.get(PII_MARK)),
        )
    return out


def canonical_leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every leaf field path of ``model``, lists written ``[*]``.

    >>> from retail_canon.models import Money
    >>> canonical_leaves(Money, "total")
    ['total.amount', 'total.currency']
    """
    out: list[str] = []
    for name, shape in fields_of(model).items():
        path = f"{prefix}.{name}" if prefix else name
        if shape.model is None:
            out.append(path)
        else:
            out += canonical_leaves(shape.model, f"{path}[*]" if shape.sequence else path)
    return out
