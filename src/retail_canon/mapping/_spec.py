"""Declarations: parsed and checked as a whole into a tree of nodes the compiler reads.

A declaration is data (a dict from Python, JSON or YAML)::

    {"target": "SalesOrder", "name": "souk-orders", "fields": {FIELD: VALUE, ...}}

and a VALUE is a path string (``"Totals.Grand"``), a callable (Python only: it gets the
current value, ``@``), or a dict with one source and optional modifiers:

=============  ==========================================================================
``path``       one value read from the source
``paths``      several paths; the present values as a list
``const``      a constant
``object``     a nested object ``{FIELD: VALUE, ...}``; ``from: PATH`` sets where its
               relative paths start (absent there means the object is absent)
``each``       a list, one item per element of the list at ``each``; with ``object``
               (one object per element) or ``value`` (one value per element)
``list``       a fixed list of values ``[VALUE, ...]``; absent ones are left out
``transform``  a transform name, ``{name: arguments}``, a callable, or a list of them
``default``    the canonical value to use when the source is absent
``note``       free text for people; ignored
=============  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel

from retail_canon.mapping._errors import (
    InvalidSourcePath,
    MissingCanonicalField,
    SpecIssue,
    UnknownCanonicalField,
    UnknownTransform,
    nearest,
    spec_error,
)
from retail_canon.mapping._fields import FieldShape, fields_of
from retail_canon.mapping._paths import SourcePath, parse_path
from retail_canon.mapping._transforms import (
    BUILTINS,
    Transform,
    TransformContext,
    build_transform,
)

if TYPE_CHECKING:
    from retail_canon.mapping._xref import XrefLookup

__all__ = [
    "NO_DEFAULT",
    "EachNode",
    "FieldNode",
    "Leaf",
    "ListNode",
    "Node",
    "ObjectNode",
    "keyed",
    "parse_spec",
    "relative",
]


class _NoDefault:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Final = _NoDefault()

_SOURCES = ("path", "paths", "const", "object", "each", "list")
_MODIFIERS = ("transform", "default", "note", "from", "value")
_TOP = ("target", "name", "fields", "from", "note")


@dataclass(frozen=True, slots=True, eq=False)
class Leaf:
    """A value read from paths, or a constant, then transformed."""

    kind: str
    paths: tuple[SourcePath, ...]
    const: Any
    transforms: tuple[Transform, ...]
    default: Any = NO_DEFAULT


@dataclass(frozen=True, slots=True, eq=False)
class FieldNode:
    """One canonical field of an object and how it is filled."""

    name: str
    node: Node
    required: bool
    pii: bool


@dataclass(frozen=True, slots=True, eq=False)
class ObjectNode:
    """A nested object (or the mapped object itself)."""

    model: type[BaseModel]
    base: SourcePath | None
    fields: tuple[FieldNode, ...]
    default: Any = NO_DEFAULT


@dataclass(frozen=True, slots=True, eq=False)
class EachNode:
    """A list with one item per element of a source list."""

    each: SourcePath
    item: Node
    default: Any = NO_DEFAULT
    strict: bool = True
    """With ``object``: an element that maps to nothing is a problem; with ``value`` it is
    left out."""


@dataclass(frozen=True, slots=True, eq=False)
class ListNode:
    """A fixed list of values; absent ones are left out."""

    items: tuple[Node, ...]
    default: Any = NO_DEFAULT


Node = Leaf | ObjectNode | EachNode | ListNode


def relative(node: Node) -> bool:
    """Whether ``node`` reads something relative to the current value (not only ``$``)."""
    if isinstance(node, Leaf):
        return any(not path.absolute for path in node.paths)
    if isinstance(node, ObjectNode):
        if node.base is not None:
            return not node.base.absolute
        return any(relative(member.node) for member in node.fields)
    if isinstance(node, EachNode):
        return not node.each.absolute
    return any(relative(item) for item in node.items)


def keyed(node: ObjectNode) -> bool:
    """Whether ``node`` reads keys of its current value (which must then be an object)."""
    for member in node.fields:
        inner = member.node
        if isinstance(inner, Leaf) and any(not p.absolute and p.steps for p in inner.paths):
            return True
        if isinstance(inner, ObjectNode) and inner.base is None and keyed(inner):
            return True
        if isinstance(inner, ObjectNode | EachNode):
            path = inner.base if isinstance(inner, ObjectNode) else inner.each
            if path is not None and not path.absolute and path.steps:
                return True
    return False


@dataclass
class _Parser:
    mapping: str
    xref: XrefLookup | None
    extra: Mapping[str, Callable[[Any], Any]]
    issues: list[SpecIssue] = field(default_factory=list)

    def issue(
        self, where: str, message: str, code: str = "invalid_mapping", hint: Any = None
    ) -> None:
        self.issues.append(SpecIssue(where, message, code, hint))

    def path(self, text: Any, where: str) -> SourcePath | None:
        try:
            return parse_path(text)
        except InvalidSourcePath as exc:
            self.issue(where, exc.issues[0].message + f" in path {text!r}", exc.code)
            return None

    def object(
        self, model: type[BaseModel], spec: Any, where: str, base: SourcePath | None
    ) -> ObjectNode:
        shapes = fields_of(model)
        nodes: list[FieldNode] = []
        if not isinstance(spec, Mapping):
            self.issue(where, f"expected {{field: value}} for {model.__name__}")
            return ObjectNode(model, base, ())
        for name, value in spec.items():
            shape = shapes.get(name)
            if shape is None:
                hint = nearest(str(name), shapes)
                message = f"{model.__name__} has no field {name!r}"
                self.issue(f"{where}.{name}", message, UnknownCanonicalField.code, hint)
                continue
            node = self.value(value, f"{where}.{name}", shape)
            if node is not None:
                nodes.append(FieldNode(name, node, shape.required, shape.pii))
        for name, shape in shapes.items():
            if shape.required and name not in spec:
                message = f"{model.__name__}.{name} is required: give it a source or a constant"
                self.issue(f"{where}.{name}", message, MissingCanonicalField.code)
        return ObjectNode(model, base, tuple(nodes))

    def value(self, spec: Any, where: str, shape: FieldShape, item: bool = False) -> Node | None:
        if isinstance(spec, str):
            spec = {"path": spec}
        elif callable(spec) and not isinstance(spec, Mapping):
            spec = {"path": "@", "transform": spec}
        if not isinstance(spec, Mapping):
            self.issue(where, f"expected a path, a callable or a dict, got {spec!r}")
            return None
        for key in spec:
            if key not in _SOURCES and key not in _MODIFIERS:
                self.issue(
                    f"{where}.{key}", "unknown key", hint=nearest(str(key), _SOURCES + _MODIFIERS)
                )
        sources = [key for key in _SOURCES if key in spec]
        if "each" in spec and "object" in spec:
            sources.remove("object")
        if len(sources) != 1:
            found = ", ".join(sources) or "none"
            self.issue(where, f"needs exactly one of {', '.join(_SOURCES)} (found: {found})")
            return None
        kind = sources[0]
        sequence = shape.sequence and not item
        default = spec.get("default", NO_DEFAULT)
        if default is not NO_DEFAULT:
            self.check_member(default, f"{where}.default", shape, sequence)
        if "from" in spec and kind != "object":
            self.issue(f"{where}.from", "only an object has a 'from' path")
        if "value" in spec and kind != "each":
            self.issue(f"{where}.value", "'value' goes with 'each'")
        if kind in ("object", "each", "list") and "transform" in spec:
            self.issue(f"{where}.transform", f"a transform applies to values, not to {kind}")
        if kind == "object":
            if shape.model is None or sequence:
                what = "a list: use each or list" if sequence else "not an object"
                self.issue(where, f"{shape.name} is {what}")
                return None
            base = self.path(spec["from"], f"{where}.from") if "from" in spec else None
            node = self.object(shape.model, spec["object"], f"{where}.object", base)
            return ObjectNode(node.model, node.base, node.fields, default)
        if kind in ("each", "list"):
            return self.sequence(kind, spec, where, shape, default, sequence)
        return self.leaf(kind, spec, where, shape, default)

    def sequence(
        self,
        kind: str,
        spec: Mapping[str, Any],
        where: str,
        shape: FieldShape,
        default: Any,
        sequence: bool,
    ) -> Node | None:
        if not sequence:
            self.issue(where, f"{shape.name} is not a list")
            return None
        item_shape = FieldShape(shape.name, True, False, shape.model, shape.enum, shape.pii)
        if kind == "list":
            specs = spec["list"]
            if not isinstance(specs, list | tuple):
                self.issue(f"{where}.list", "expected a list of values")
                return None
            items = [self.item(s, f"{where}.list[{i}]", item_shape) for i, s in enumerate(specs)]
            return ListNode(tuple(i for i in items if i is not None), default)
        each = self.path(spec["each"], f"{where}.each")
        if ("object" in spec) == ("value" in spec):
            self.issue(where, "each needs either object (one per element) or value")
            return None
        if "object" in spec:
            item = self.item({"object": spec["object"]}, f"{where}", item_shape)
        else:
            item = self.item(spec["value"], f"{where}.value", item_shape)
        if each is None or item is None:
            return None
        return EachNode(each, item, default, strict="object" in spec)

    def item(self, spec: Any, where: str, shape: FieldShape) -> Node | None:
        return self.value(spec, where, shape, item=True)

    def leaf(
        self, kind: str, spec: Mapping[str, Any], where: str, shape: FieldShape, default: Any
    ) -> Node | None:
        paths: tuple[SourcePath, ...] = ()
        const = spec.get("const")
        if kind == "path":
            found = self.path(spec["path"], f"{where}.path")
            paths = (found,) if found is not None else ()
        elif kind == "paths":
            raw = spec["paths"]
            if not isinstance(raw, list | tuple) or not raw:
                self.issue(f"{where}.paths", "expected a list of paths")
                return None
            parsed = [self.path(p, f"{where}.paths[{i}]") for i, p in enumerate(raw)]
            paths = tuple(p for p in parsed if p is not None)
        else:
            if "transform" in spec:
                self.issue(f"{where}.transform", "a constant needs no transform")
            self.check_member(const, f"{where}.const", shape, shape.sequence)
        transforms = self.transforms(spec.get("transform"), f"{where}.transform", shape)
        return Leaf(kind, paths, const, transforms, default)

    def check_member(self, value: Any, where: str, shape: FieldShape, sequence: bool) -> None:
        if shape.enum is None or sequence or value is None:
            return
        members = [str(member.value) for member in shape.enum]
        if str(value) not in members:
            message = f"{value!r} is not a {shape.enum.__name__} ({', '.join(members)})"
            self.issue(where, message, hint=nearest(str(value), members))

    def transforms(self, spec: Any, where: str, shape: FieldShape) -> tuple[Transform, ...]:
        if spec is None:
            return ()
        items = list(spec) if isinstance(spec, list | tuple) else [spec]
        out: list[Transform] = []
        for i, item in enumerate(items):
            at = f"{where}[{i}]" if len(items) > 1 else where
            ctx = TransformContext(shape, i == len(items) - 1, self.xref, self.mapping)
            if callable(item) and not isinstance(item, Mapping):
                label = getattr(item, "__name__", None) or type(item).__name__
                out.append(Transform(label, item, label))
                continue
            if isinstance(item, str):
                name, args = item, None
            elif isinstance(item, Mapping) and len(item) == 1:
                ((name, args),) = item.items()
            else:
                self.issue(at, f"expected a transform name or {{name: arguments}}, got {item!r}")
                continue
            if name not in BUILTINS and name not in self.extra:
                names = [*BUILTINS, *self.extra]
                message = f"unknown transform {name!r}"
                self.issue(at, message, UnknownTransform.code, nearest(str(name), names))
                continue
            try:
                out.append(build_transform(name, args, ctx, self.extra))
            except (ValueError, TypeError, LookupError) as exc:
                message = exc.args[0] if exc.args else type(exc).__name__
                self.issue(at, f"transform {name}: {message}")
        return tuple(out)


def _target(spec: Any, issues: list[SpecIssue]) -> type[BaseModel] | None:
    from retail_canon import models

    if isinstance(spec, type) and issubclass(spec, BaseModel):
        return spec
    if isinstance(spec, str):
        try:
            return models.model_for(spec)
        except KeyError:
            value = getattr(models, spec, None) if spec in models.__all__ else None
            if isinstance(value, type) and issubclass(value, BaseModel):
                return value
        names = [*models.KINDS, *(n for n in models.__all__ if n[:1].isupper())]
        issues.append(
            SpecIssue(
                "target",
                f"unknown canonical object {spec!r}",
                "invalid_mapping",
                nearest(spec, names),
            )
        )
        return None
    issues.append(
        SpecIssue("target", "expected a kind (sales-order) or an object name (SalesOrder)")
    )
    return None


def parse_spec(
    declaration: Any,
    *,
    name: str | None = None,
    xref: XrefLookup | None = None,
    transforms: Mapping[str, Callable[[Any], Any]] | None = None,
) -> tuple[str, ObjectNode]:
    """Check a whole declaration; return its name and the root node.

    Raises:
        MappingSpecError: every problem found, with where it is and the nearest valid name.
    """
    issues: list[SpecIssue] = []
    if not isinstance(declaration, Mapping):
        issues.append(SpecIssue("(declaration)", "expected a mapping with target and fields"))
        raise spec_error(issues, name)
    for key in declaration:
        if key not in _TOP:
            issues.append(
                SpecIssue(str(key), "unknown key", "invalid_mapping", nearest(str(key), _TOP))
            )
    model = _target(declaration.get("target"), issues) if "target" in declaration else None
    if "target" not in declaration:
        issues.append(SpecIssue("target", "missing: which canonical object this maps to"))
    name = str(declaration.get("name") or name or getattr(model, "__name__", "mapping"))
    if "fields" not in declaration:
        issues.append(SpecIssue("fields", "missing: {canonical field: value, ...}"))
    parser = _Parser(name, xref, dict(transforms or {}), issues)
    root = ObjectNode(model or BaseModel, None, ())
    if model is not None and "fields" in declaration:
        base = parser.path(declaration["from"], "from") if "from" in declaration else None
        root = parser.object(model, declaration["fields"], "fields", base)
    if issues:
        raise spec_error(issues, name)
    return name, root
