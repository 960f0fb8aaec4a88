"""JSON Schema export of the canonical objects, and a compatibility check between versions.

Schemas live in a directory as ``<kind>/<major>.<minor>/validation.json`` (what we
accept) and ``serialization.json`` (what we write). `compare_schemas` classifies every
difference between two schemas as breaking or compatible; `check_schema_history` applies
the versioning policy to a directory that keeps every published version.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import textwrap
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue

from retail_canon.models._base import CanonicalModel
from retail_canon.models._registry import KINDS, kind_of

__all__ = [
    "SchemaChange",
    "check_schema_history",
    "compare_schemas",
    "export_schemas",
    "json_schema",
    "schema_path",
]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MODES: tuple[JsonSchemaMode, ...] = ("validation", "serialization")


def _strip_doctests(node: Any) -> Any:
    if isinstance(node, dict):
        out = {key: _strip_doctests(value) for key, value in node.items()}
        description = out.get("description")
        if isinstance(description, str) and ">>>" in description:
            out["description"] = description.split(">>>", 1)[0].rstrip()
        return out
    if isinstance(node, list):
        return [_strip_doctests(item) for item in node]
    return node


def _attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """Field docstrings (the string literal under an annotated attribute), read from source.

    pydantic can do this at class creation (``use_attribute_docstrings``), but that reads
    every model's source on import; the schema export is the only place that needs them.
    """
    docs: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, CanonicalModel)):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _models_in(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model class reachable from ``model``'s fields, by class name."""
    found: dict[str, type[BaseModel]] = {}
    pending = [model]
    while pending:
        current = pending.pop()
        if current.__name__ in found:
            continue
        found[current.__name__] = current
        for field in current.model_fields.values():
            pending += [t for t in _types_in(field.annotation) if issubclass(t, BaseModel)]
    return found


def _types_in(annotation: Any) -> list[type]:
    if isinstance(annotation, type):
        return [annotation]
    return [t for arg in typing.get_args(annotation) for t in _types_in(arg)]


def _add_field_docs(schema: dict[str, Any], model: type[BaseModel]) -> None:
    classes = _models_in(model)
    targets = [(model.__name__, schema), *schema.get("$defs", {}).items()]
    for name, node in targets:
        klass = classes.get(name)
        if klass is None or "properties" not in node:
            continue
        for field, doc in _attribute_docs(klass).items():
            prop = node["properties"].get(field)
            if prop is not None and "description" not in prop:
                prop["description"] = doc


class _CanonicalSchema(GenerateJsonSchema):
    def generate(self, schema: Any, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        result = _strip_doctests(super().generate(schema, mode=mode))
        return {"$schema": DIALECT, **result}


def json_schema(model: type[CanonicalModel], mode: JsonSchemaMode = "validation") -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of a top-level canonical object.

    The schema carries ``$schema`` and an ``$id`` naming the kind, schema version and mode,
    e.g. ``urn:retail-canon:schema:sales-order:1.0:validation``.
    """
    version = getattr(model, "SCHEMA_VERSION", "1.0")
    schema = model.model_json_schema(mode=mode, schema_generator=_CanonicalSchema)
    _add_field_docs(schema, model)
    schema_id = f"urn:retail-canon:schema:{kind_of(model)}:{version}:{mode}"
    return {"$schema": schema.pop("$schema"), "$id": schema_id, **schema}


def schema_path(directory: Path, model: type[CanonicalModel], mode: JsonSchemaMode) -> Path:
    """Where ``model``'s schema of ``mode`` lives under ``directory``."""
    version = getattr(model, "SCHEMA_VERSION", "1.0")
    return directory / kind_of(model) / version / f"{mode}.json"


def _dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def export_schemas(directory: Path) -> list[Path]:
    """Write the schema of every kind and mode under ``directory``; return the paths written.

    Files of other versions already in ``directory`` are kept: the directory is the
    history of published schemas.
    """
    written = []
    for model in KINDS.values():
        for mode in MODES:
            path = schema_path(directory, model, mode)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_dumps(json_schema(model, mode)), encoding="utf-8")
            written.append(path)
    return written


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One difference between two versions of a schema."""

    path: str
    """Where in the document the change is, e.g. ``lines[].unit_price.amount``."""
    change: str
    """What happened, in a few words."""
    breaking: bool
    """Whether a reader or writer of the old version can be broken by it."""

    def __str__(self) -> str:
        label = "BREAKING" if self.breaking else "compatible"
        return f"{label}: {self.path or '(root)'}: {self.change}"


_Types = frozenset[str]


class _Comparer:
    def __init__(self, old_root: dict[str, Any], new_root: dict[str, Any]) -> None:
        self.old_defs = old_root.get("$defs", {})
        self.new_defs = new_root.get("$defs", {})
        self.changes: list[SchemaChange] = []
        self._seen: set[tuple[str, str, str]] = set()

    def note(self, path: str, change: str, *, breaking: bool) -> None:
        self.changes.append(SchemaChange(path, change, breaking))

    @staticmethod
    def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            merged = {**defs.get(name, {}), **{k: v for k, v in node.items() if k != "$ref"}}
            node = merged
        return node

    def _branches(self, node: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
        node = self._resolve(node, defs)
        for key in ("anyOf", "oneOf"):
            if key in node:
                out: list[dict[str, Any]] = []
                for branch in node[key]:
                    out += self._branches(branch, defs)
                return out
        return [node]

    @staticmethod
    def _type_of(node: dict[str, Any]) -> _Types:
        kind = node.get("type")
        if isinstance(kind, list):
            return frozenset(kind)
        if isinstance(kind, str):
            return frozenset({kind})
        if "properties" in node:
            return frozenset({"object"})
        if "enum" in node or "const" in node:
            return frozenset({"string"})
        return frozenset({"any"})

    def compare(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        old_branches = self._branches(old, self.old_defs)
        new_branches = self._branches(new, self.new_defs)
        old_types = frozenset().union(*(self._type_of(b) for b in old_branches))
        new_types = frozenset().union(*(self._type_of(b) for b in new_branches))
        if "any" not in new_types and not old_types <= new_types:
            lost = ", ".join(sorted(old_types - new_types))
            self.note(path, f"type narrowed: no longer accepts {lost}", breaking=True)
        if not new_types <= old_types and "any" not in old_types:
            gained = ", ".join(sorted(new_types - old_types))
            self.note(path, f"type widened: now also {gained}", breaking=False)
        for kind in sorted(old_types & new_types):
            old_b = next(b for b in old_branches if kind in self._type_of(b))
            new_b = next(b for b in new_branches if kind in self._type_of(b))
            self._compare_same_type(old_b, new_b, path)

    def _compare_same_type(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        key = (json.dumps(old, sort_keys=True), json.dumps(new, sort_keys=True), path)
        if key in self._seen:
            return
        self._seen.add(key)
        self._compare_enum(old, new, path)
        self._compare_constraints(old, new, path)
        if "properties" in old or "properties" in new:
            self._compare_object(old, new, path)
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], f"{path}[]")

    def _compare_enum(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        old_values = set(old.get("enum", ()))
        new_values = set(new.get("enum", ()))
        if not old_values and not new_values:
            return
        for value in sorted(map(str, new_values - old_values)):
            self.note(path, f"enum value {value!r} added", breaking=True)
        for value in sorted(map(str, old_values - new_values)):
            self.note(path, f"enum value {value!r} removed", breaking=True)

    def _compare_constraints(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        tighter_if_larger = ("minLength", "minimum", "exclusiveMinimum", "minItems")
        tighter_if_smaller = ("maxLength", "maximum", "exclusiveMaximum", "maxItems")
        for name in (*tighter_if_larger, *tighter_if_smaller):
            before, after = old.get(name), new.get(name)
            if before == after:
                continue
            if after is None:
                self.note(path, f"{name} {before} dropped", breaking=False)
                continue
            narrowed = before is None or (
                after > before if name in tighter_if_larger else after < before
            )
            self.note(path, f"{name} {before} → {after}", breaking=narrowed)
        for name in ("pattern", "const", "format"):
            if old.get(name) != new.get(name):
                narrowed = new.get(name) is not None
                self.note(path, f"{name} {old.get(name)!r} → {new.get(name)!r}", breaking=narrowed)
        if old.get("additionalProperties", True) is not False and (
            new.get("additionalProperties", True) is False
        ):
            self.note(path, "additional properties no longer allowed", breaking=True)

    def _compare_object(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        old_props: dict[str, Any] = old.get("properties", {})
        new_props: dict[str, Any] = new.get("properties", {})
        old_required = set(old.get("required", ()))
        new_required = set(new.get("required", ()))
        dot = f"{path}." if path else ""
        for name in old_props:
            if name not in new_props:
                self.note(f"{dot}{name}", "field removed (or renamed)", breaking=True)
        for name in new_props:
            if name not in old_props:
                required = name in new_required
                what = "required field added" if required else "optional field added"
                self.note(f"{dot}{name}", what, breaking=required)
        for name in old_props:
            if name not in new_props:
                continue
            if name in new_required and name not in old_required:
                self.note(f"{dot}{name}", "field became required", breaking=True)
            elif name in old_required and name not in new_required:
                self.note(f"{dot}{name}", "field became optional", breaking=False)
            self.compare(old_props[name], new_props[name], f"{dot}{name}")


def compare_schemas(old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    """Every difference between two JSON Schemas of one object, classified.

    Breaking: a field removed or renamed, a type narrowed, a required field added, an
    optional field made required, an enum value added or removed, a tighter constraint.
    Compatible: an optional field added, a type widened, a constraint relaxed.
    Descriptions, titles and defaults are ignored.
    """
    comparer = _Comparer(old, new)
    comparer.compare(old, new, "")
    return comparer.changes


def _version_key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def _changelog_flags(changelog: str, kind: str, version: str) -> bool:
    return any("⚠️" in line and kind in line and version in line for line in changelog.splitlines())


def check_schema_history(directory: Path, changelog: str | None = None) -> list[str]:
    """Problems with the versioning of the schemas kept under ``directory``.

    For each kind, every pair of consecutive versions is compared: a breaking change must
    come with a new major version and, when ``changelog`` (the CHANGELOG text) is given,
    a line marked ⚠️ that names the kind and the new version. An empty list means the
    history follows the policy.
    """
    problems: list[str] = []
    for kind_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
        versions = sorted((p.name for p in kind_dir.iterdir() if p.is_dir()), key=_version_key)
        for before, after in itertools.pairwise(versions):
            breaking = []
            for mode in MODES:
                old = json.loads((kind_dir / before / f"{mode}.json").read_text("utf-8"))
                new = json.loads((kind_dir / after / f"{mode}.json").read_text("utf-8"))
                breaking += [c for c in compare_schemas(old, new) if c.breaking]
            if not breaking:
                continue
            first = breaking[0]
            if _version_key(after)[0] == _version_key(before)[0]:
                problems.append(
                    f"{kind_dir.name} {before} → {after}: breaking change "
                    f"({first}) needs a new major schema_version"
                )
            if changelog is not None and not _changelog_flags(changelog, kind_dir.name, after):
                problems.append(
                    f"{kind_dir.name} {after}: breaking change ({first}) needs a CHANGELOG "
                    f"entry marked ⚠️ naming {kind_dir.name} {after}"
                )
    return problems
