"""Compile a checked declaration into Python source, once, as attrs and cattrs do.

The whole declaration becomes one generated function that builds a plain dict, nested
objects and list items inline (no call per object): fields read with plain subscripts or
``.get`` (a `LookupError`, `TypeError` or `AttributeError` falls back to the precise reader,
which tells an absent value from a payload of the wrong shape), transforms called directly,
and source paths and canonical field names built only when a problem or a trace entry needs
them. The canonical object is then validated once by pydantic-core.

The same generator, with tracing on, writes the twin that records provenance;
`MappingResult.provenance` replays a record through it on demand, so the two cannot
disagree about what a mapping does.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable, Mapping
from typing import Any

from retail_canon.mapping import _runtime
from retail_canon.mapping._paths import SourcePath
from retail_canon.mapping._spec import (
    NO_DEFAULT,
    EachNode,
    FieldNode,
    Leaf,
    ListNode,
    Node,
    ObjectNode,
    keyed,
    relative,
)

__all__ = ["Entry", "generate"]

Entry = Callable[[Any, list[Any], Any], dict[str, Any]]
_IDS = itertools.count()


def _indent(lines: list[str], levels: int = 1) -> list[str]:
    pad = "    " * levels
    return [pad + line for line in lines]


def _f(fx: str) -> str:
    """The f-string that evaluates to a canonical field path template."""
    return 'f"' + fx + '"'


def _absent(var: str) -> str:
    return f"{var} is None or {var}.__class__ is str and not {var}"


class _Gen:
    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.names: dict[str, Any] = {}
        self.count = 0
        self.paths: dict[int, str] = {}

    def new(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def constant(self, value: Any, prefix: str) -> str:
        name = self.new(prefix)
        self.names[name] = value
        return name

    def path(self, path: SourcePath) -> str:
        if id(path) not in self.paths:
            self.paths[id(path)] = self.constant(path, "_P")
        return self.paths[id(path)]

    def where(self, path: SourcePath, src: str) -> str:
        return f"_where({self.path(path)}, {src})"

    def read(self, path: SourcePath, cur: str, src: str, var: str, fx: str, pii: bool) -> list[str]:
        start = "root" if path.absolute else cur
        if not path.steps:
            return [f"{var} = {start}"]
        slow = f"{var} = _read({cur}, root, {self.path(path)}, {src}, probs, {_f(fx)}, {pii})"
        if not path.keys_only:
            return [slow]
        if len(path.steps) == 1:  # a missing key is common: .get raises nothing for it
            fast = f"{start}.get({path.steps[0]!r})"
        else:
            fast = start + "".join(f"[{step!r}]" for step in path.steps)
        return ["try:", f"    {var} = {fast}", "except _MISSES:", f"    {slow}"]

    def expected(self, node: Node, src: str) -> tuple[str, int]:
        """Where the source of ``node`` was expected (code) and how many paths it has.

        For an object, that is where its first value read relative to it was expected:
        an object is absent exactly when those values are.
        """
        if isinstance(node, Leaf) and node.paths:
            return self.where(node.paths[0], src), len(node.paths)
        if isinstance(node, ObjectNode):
            inner = self.where(node.base, src) if node.base is not None else src
            for field in node.fields:
                if relative(field.node):
                    return self.expected(field.node, inner)
            if node.base is not None:
                return inner, 1
        if isinstance(node, EachNode):
            return self.where(node.each, src), 1
        return f'({src} or "$")', 0

    def default(self, node: Node, src: str, fx: str, pii: bool, store: str) -> list[str]:
        """Lines for an absent value with a default: store it (``store`` formats it)."""
        value = self.constant(node.default, "_D")
        lines = [store.format(value)]
        if self.trace:
            if isinstance(node, Leaf) and node.kind == "paths":
                sources = "(" + "".join(f"{self.where(p, src)}, " for p in node.paths) + ")"
                count = len(node.paths)
            else:
                at, count = self.expected(node, src)
                sources = f"({at},)" if count else "()"
            values = "(" + "None, " * count + ")"
            lines.append(f"tr.leaf({_f(fx)}, {sources}, {values}, {value}, 'default', (), {pii})")
        return lines

    # -- values: each emitter leaves the value, ABSENT or FAILED in ``out`` -------------
    # ``cur`` names a variable holding the current value; ``src`` is an expression for its
    # concrete source path and ``fx`` an f-string template of the canonical field: both
    # are evaluated only when a problem or a trace entry needs them.

    def node(
        self, node: Node, cur: str, src: str, fx: str, out: str, pii: bool, item: bool = False
    ) -> list[str]:
        if isinstance(node, Leaf):
            return self.leaf(node, cur, src, fx, out, pii)
        if isinstance(node, ObjectNode):
            return self.object_value(node, cur, src, fx, out, pii, item)
        if isinstance(node, EachNode):
            return self.each(node, cur, src, fx, out, pii)
        return self.fixed_list(node, cur, src, fx, out, pii)

    def leaf(self, node: Leaf, cur: str, src: str, fx: str, out: str, pii: bool) -> list[str]:
        if node.kind == "const":
            value = self.constant(node.const, "_C")
            lines = [f"{out} = {value}"]
            if self.trace:
                lines.append(f"tr.leaf({_f(fx)}, (), (), {value}, 'const', (), {pii})")
            return lines
        if node.kind == "path":
            raw = self.new("r")
            lines = self.read(node.paths[0], cur, src, raw, fx, pii)
            at = self.where(node.paths[0], src)
            lines += [f"if {_absent(raw)}:", f"    {out} = _ABSENT", f"elif {raw} is _FAILED:"]
            lines += [f"    {out} = _FAILED", "else:"]
            store = out + " = {}"
            apply = self.apply(node, raw, at, fx, store, out, pii, f"({at},)", f"({raw},)")
            return lines + _indent(apply)
        values, sources, bad = self.new("vals"), self.new("srcs"), self.new("bad")
        lines = [f"{values} = []", f"{sources} = []", f"{bad} = False"]
        for path in node.paths:
            raw = self.new("r")
            lines += self.read(path, cur, src, raw, fx, pii)
            lines += [f"if {raw} is _FAILED:", f"    {bad} = True", f"elif not ({_absent(raw)}):"]
            lines += [
                f"    {values}.append({raw})",
                f"    {sources}.append({self.where(path, src)})",
            ]
        lines += [
            f"if {bad}:",
            f"    {out} = _FAILED",
            f"elif not {values}:",
            f"    {out} = _ABSENT",
        ]
        apply = self.apply(
            node,
            values,
            f"{sources}[0]",
            fx,
            out + " = {}",
            out,
            pii,
            f"tuple({sources})",
            f"tuple({values})",
        )
        return [*lines, "else:", *_indent(apply)]

    def apply(
        self,
        node: Leaf,
        raw: str,
        at: str,
        fx: str,
        store: str,
        out: str | None,
        pii: bool,
        sources: str,
        values: str,
    ) -> list[str]:
        """Transform ``raw`` and ``store`` the result (``store`` formats the value).

        On failure the problem is recorded and, if ``out`` is given, it is set to FAILED.
        """
        labels = self.constant(tuple(t.label for t in node.transforms), "_L")
        if not node.transforms:
            lines = [store.format(raw)]
            if self.trace:
                lines.append(self.record(fx, sources, values, raw, node.kind, labels, pii))
            return lines
        x, step = self.new("x"), self.new("k")
        body: list[str] = []
        for i, transform in enumerate(node.transforms):
            fn = self.constant(transform.fn, "_T")
            if len(node.transforms) > 1:
                body.append(f"{step} = {i}")
            body.append(f"{x} = {fn}({raw if i == 0 else x})")
        label = f"{labels}[{step if len(node.transforms) > 1 else 0}]"
        fail = f"_fail(probs, exc, {at}, {_f(fx)}, {raw}, {label}, {pii})"
        lines = ["try:", *_indent(body), "except Exception as exc:"]
        lines += [
            f"    {out} = {fail}" if out else f"    {fail}",
            "else:",
            "    " + store.format(x),
        ]
        if self.trace:
            lines.append("    " + self.record(fx, sources, values, x, node.kind, labels, pii))
        return lines

    def record(
        self, fx: str, sources: str, values: str, value: str, origin: str, labels: str, pii: bool
    ) -> str:
        return f"tr.leaf({_f(fx)}, {sources}, {values}, {value}, {origin!r}, {labels}, {pii})"

    def object_value(
        self, node: ObjectNode, cur: str, src: str, fx: str, out: str, pii: bool, item: bool = False
    ) -> list[str]:
        if node.base is None and not item:
            return self.object_body(node, cur, src, fx, out)
        lines: list[str] = []
        if node.base is not None:
            base = self.new("b")
            lines += self.read(node.base, cur, src, base, fx, pii)
            cur, src = base, self.where(node.base, src)
        body = self.object_body(node, cur, src, fx, out)
        lines += [f"if {_absent(cur)}:", f"    {out} = _ABSENT", f"elif {cur} is _FAILED:"]
        lines += [f"    {out} = _FAILED"]
        if keyed(node):
            # An element or base that is not an object: one problem, not one per field.
            lines += [f"elif not isinstance({cur}, _Mapping):"]
            lines += [
                f"    {out} = _shape(probs, {src} or '$', {_f(fx)}, {cur}, {pii}, 'an object')"
            ]
        return [*lines, "else:", *_indent(body)]

    def object_body(
        self, node: ObjectNode, cur: str, src: str, fx: str, out: str, top: bool = False
    ) -> list[str]:
        obj, got, missing, mark = (self.new(p) for p in ("o", "got", "ms", "mk"))
        sourced = [
            f for f in node.fields if not (isinstance(f.node, Leaf) and f.node.kind == "const")
        ]
        # An object is present when a value read relative to it is; values read from the
        # whole record ($.currency) or constants do not make it present on their own.
        near = [f for f in sourced if relative(f.node)]
        counting = {id(f) for f in near or sourced}
        lines = [f"{obj} = {{}}", f"{got} = {top or not sourced}", f"{missing} = None"]
        if self.trace:
            lines.append(f"{mark} = tr.mark()")
        prefix = fx + "." if fx else ""
        for field in node.fields:
            names = (obj, got if id(field) in counting and not top else None, missing)
            lines += self.field(field, cur, src, prefix, names)
        lines += [f"if not {got}:"]
        if self.trace:
            lines += [f"    tr.rollback({mark})"]
        lines += [f"    {out} = _ABSENT", "else:", f"    if {missing} is not None:"]
        lines += [
            f"        for field, at, pii in {missing}:",
            "            _missing(probs, at, field, pii)",
        ]
        if self.trace:
            lines += [f"    tr.obj({_f(fx)}, {src} or '$')"]
        return [*lines, f"    {out} = {obj}"]

    def each(self, node: EachNode, cur: str, src: str, fx: str, out: str, pii: bool) -> list[str]:
        seq, i, item, items, got = (self.new(p) for p in ("s", "i", "it", "items", "w"))
        lines = self.read(node.each, cur, src, seq, fx, pii)
        at = self.where(node.each, src)
        lines += [f"if {_absent(seq)}:", f"    {out} = _ABSENT", f"elif {seq} is _FAILED:"]
        lines += [f"    {out} = _FAILED"]
        lines += [f"elif {seq}.__class__ is not list and {seq}.__class__ is not tuple:"]
        lines += [f"    {out} = _shape(probs, {at}, {_f(fx)}, {seq}, {pii})", "else:"]
        lines += [f"    {items} = []"]
        if self.trace:
            lines += [f"    tr.obj({_f(fx)}, {at})"]
        lines += [f"    for {i}, {item} in enumerate({seq}):"]
        item_src, item_fx = f'({at} + f"[{{{i}}}]")', fx + "[{" + i + "}]"
        body = self.node(node.item, item, item_src, item_fx, got, pii, item=True)
        body += [f"if {got} is _ABSENT:"]
        if node.item.default is not NO_DEFAULT:
            body += _indent(self.default(node.item, item_src, item_fx, pii, items + ".append({})"))
        elif node.strict:
            at, _ = self.expected(node.item, item_src)
            body += [
                f"    _missing(probs, {at}, {_f(item_fx)}, {pii})",
                f"    {items}.append({{}})",
            ]
        else:
            body += ["    pass"]
        # A failed element keeps its place, so later elements keep their indices.
        keep = f"{items}.append({{}})" if node.strict else "pass"
        body += [f"elif {got} is _FAILED:", f"    {keep}", "else:", f"    {items}.append({got})"]
        return [*lines, *_indent(body, 2), f"    {out} = {items}"]

    def fixed_list(
        self, node: ListNode, cur: str, src: str, fx: str, out: str, pii: bool
    ) -> list[str]:
        items, bad = self.new("items"), self.new("lf")
        lines = [f"{items} = []", f"{bad} = False"]
        item_fx = fx + "[{len(" + items + ")}]"
        for item in node.items:
            got = self.new("w")
            lines += self.node(item, cur, src, item_fx, got, pii)
            lines += [f"if {got} is _ABSENT:"]
            if item.default is not NO_DEFAULT:
                lines += _indent(self.default(item, src, item_fx, pii, items + ".append({})"))
            else:
                lines += ["    pass"]
            lines += [
                f"elif {got} is _FAILED:",
                f"    {bad} = True",
                "else:",
                f"    {items}.append({got})",
            ]
        lines += [f"if {items}:", f"    {out} = {items}", f"elif {bad}:", f"    {out} = _FAILED"]
        return [*lines, "else:", f"    {out} = _ABSENT"]

    # -- fields of an object --------------------------------------------------------------

    def field(
        self, field: FieldNode, cur: str, src: str, prefix: str, names: tuple[str, str | None, str]
    ) -> list[str]:
        obj, got, missing = names
        fx, node, key = prefix + field.name, field.node, f"{obj}[{field.name!r}]"
        mark = [f"    {got} = True"] if got else []
        if isinstance(node, Leaf) and node.kind == "path":
            # The common case, without an intermediate value: read, check, transform, store.
            raw = self.new("r")
            lines = self.read(node.paths[0], cur, src, raw, fx, field.pii)
            lines += [f"if {_absent(raw)}:"]
            lines += _indent(self.absent(field, src, fx, key, missing))
            lines += [f"elif {raw} is _FAILED:", *(mark or ["    pass"]), "else:", *mark]
            at = self.where(node.paths[0], src)
            store = key + " = {}"
            apply = self.apply(node, raw, at, fx, store, None, field.pii, f"({at},)", f"({raw},)")
            return lines + _indent(apply)
        value = self.new("v")
        lines = self.node(node, cur, src, fx, value, field.pii)
        if isinstance(node, Leaf) and node.kind == "const":
            return [*lines, f"{key} = {value}"]
        lines += [f"if {value} is _ABSENT:", *_indent(self.absent(field, src, fx, key, missing))]
        lines += [f"elif {value} is _FAILED:", *(mark or ["    pass"])]
        return [*lines, "else:", f"    {key} = {value}", *mark]

    def absent(self, field: FieldNode, src: str, fx: str, key: str, missing: str) -> list[str]:
        node = field.node
        if node.default is not NO_DEFAULT:
            return self.default(node, src, fx, field.pii, key + " = {}")
        if field.required:
            at, _ = self.expected(node, src)
            return [
                f"if {missing} is None:",
                f"    {missing} = []",
                f"{missing}.append(({_f(fx)}, {at}, {field.pii}))",
            ]
        return ["pass"]

    def entry(self, root: ObjectNode) -> str:
        lines = ["def _entry(record, probs, tr):", "    root = record"]
        cur, src = "record", '""'
        body: list[str] = []
        if root.base is not None:
            # An absent envelope: every required field is then reported missing under it.
            body = self.read(root.base, "record", '""', "b", "", False)
            body += ["if b is _FAILED:", "    return {}", f"if {_absent('b')}:", "    b = {}"]
            cur, src = "b", self.where(root.base, '""')
        # A record that is not an object is one problem, not one per field.
        body += [f"if not isinstance({cur}, _Mapping):"]
        body += [f"    _shape(probs, {src} or '$', '', {cur}, False, 'an object')", "    return {}"]
        body += self.object_body(root, cur, src, "", "data", top=True)
        return "\n".join([*lines, *_indent(body), "    return data"]) + "\n"


def generate(root: ObjectNode, name: str, *, trace: bool) -> tuple[Entry, str]:
    """The entry function ``entry(record, problems, trace) -> dict`` and its source code."""
    gen = _Gen(trace)
    source = gen.entry(root)
    namespace: dict[str, Any] = {
        "_ABSENT": _runtime.ABSENT,
        "_FAILED": _runtime.FAILED,
        "_Mapping": Mapping,
        "_MISSES": _runtime.MISSES,
        "_fail": _runtime.fail,
        "_missing": _runtime.missing,
        "_read": _runtime.read,
        "_shape": _runtime.shape,
        "_where": _runtime.where,
        **gen.names,
    }
    filename = f"<retail_canon.mapping {name} #{next(_IDS)}{' traced' if trace else ''}>"
    code = compile(source, filename, "exec")
    # Tracebacks through generated code show its lines, as attrs does for its methods.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)
    entry: Entry = namespace["_entry"]
    return entry, source
