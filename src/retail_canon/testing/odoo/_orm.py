"""A tiny in-memory ORM with Odoo's shapes, behind `OdooFake`.

Models with their fields, many2one values stored as ids and read as ``[id, display
name]``, one2many lines written with command tuples, domains (implicit AND of
``[field, operator, value]`` leaves, dotted paths through many2ones), ``order`` strings,
``active_test``, and Odoo's exceptions as `OdooRaise` subclasses.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "FIELDS",
    "MANY2ONE",
    "AccessError",
    "ArgumentError",
    "MissingError",
    "OdooRaise",
    "Orm",
    "UserError",
    "ValidationError",
]

FIELDS: Mapping[str, frozenset[str]] = {
    "res.partner": frozenset({"name"}),
    "res.currency": frozenset({"name"}),
    "product.product": frozenset({"default_code", "name", "active"}),
    "stock.location": frozenset({"name", "complete_name", "usage"}),
    "stock.quant": frozenset({"product_id", "location_id", "quantity", "reserved_quantity"}),
    "sale.order": frozenset(
        {
            "name",
            "partner_id",
            "client_order_ref",
            "origin",
            "date_order",
            "order_line",
            "state",
            "warehouse_id",
        }
    ),
    "sale.order.line": frozenset(
        {"order_id", "product_id", "product_uom_qty", "price_unit", "name", "discount"}
    ),
    "account.move": frozenset(
        {
            "name",
            "move_type",
            "state",
            "ref",
            "invoice_origin",
            "amount_total",
            "currency_id",
            "partner_id",
        }
    ),
}
"""The fields of each model (``id``, ``display_name``, ``write_date`` on every model)."""

MANY2ONE: Mapping[tuple[str, str], str] = {
    ("sale.order", "partner_id"): "res.partner",
    ("sale.order.line", "order_id"): "sale.order",
    ("sale.order.line", "product_id"): "product.product",
    ("stock.quant", "product_id"): "product.product",
    ("stock.quant", "location_id"): "stock.location",
    ("account.move", "currency_id"): "res.currency",
    ("account.move", "partner_id"): "res.partner",
}
_COMMON = frozenset({"id", "display_name", "write_date"})


class OdooRaise(Exception):
    """An Odoo exception: its qualified ``name`` and the HTTP status JSON-2 gives it."""

    name = "odoo.exceptions.UserError"
    status = 422

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class UserError(OdooRaise):
    """``odoo.exceptions.UserError``."""


class ValidationError(OdooRaise):
    """``odoo.exceptions.ValidationError``."""

    name = "odoo.exceptions.ValidationError"


class AccessError(OdooRaise):
    """``odoo.exceptions.AccessError``."""

    name = "odoo.exceptions.AccessError"
    status = 403


class MissingError(OdooRaise):
    """``odoo.exceptions.MissingError``: a record or model that does not exist."""

    name = "odoo.exceptions.MissingError"
    status = 404


class ArgumentError(OdooRaise):
    """A call whose arguments do not fit the method (JSON-2: 422; JSON-RPC: TypeError)."""

    name = "werkzeug.exceptions.UnprocessableEntity"


class Orm:
    """The records of every model, and the public methods the fake serves.

    Args:
        now: the current time as Odoo's UTC string (for ``write_date``).
    """

    def __init__(self, now: Callable[[], str]) -> None:
        self.now = now
        self.records: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in FIELDS}
        self.serial = 0
        self.forbidden: set[str] = set()
        self.confirm_errors: dict[str, str] = {}

    # -- storage --------------------------------------------------------------------------

    def add(self, model: str, values: Mapping[str, Any], record_id: int | None = None) -> int:
        """Store a record (no checks); its id."""
        if record_id is None:
            self.serial += 1
            record_id = self.serial
        else:
            self.serial = max(self.serial, record_id)
        record = {"id": record_id, "write_date": self.now(), **values}
        self.records[model][record_id] = record
        return record_id

    def find(self, model: str, **values: Any) -> int | None:
        """The id of a record whose fields have these values."""
        for rid, record in self.records[model].items():
            if all(record.get(k) == v for k, v in values.items()):
                return rid
        return None

    def display_name(self, model: str, record_id: int) -> str:
        """What a many2one to this record shows."""
        record = self.records[model].get(record_id, {})
        if model == "product.product" and record.get("default_code"):
            return f"[{record['default_code']}] {record.get('name') or ''}".strip()
        if model == "stock.location":
            return str(record.get("complete_name") or record.get("name") or record_id)
        return str(record.get("name") or f"{model},{record_id}")

    # -- reading --------------------------------------------------------------------------

    def _model(self, model: str) -> dict[int, dict[str, Any]]:
        if model in self.forbidden:
            raise AccessError(
                f"You are not allowed to access '{model}' records. This operation is allowed "
                "for the following groups: Administration/Settings."
            )
        found = self.records.get(model)
        if found is None:
            raise MissingError(f"the model {model!r} does not exist")
        return found

    def _value(self, model: str, record: Mapping[str, Any], path: str) -> Any:
        name, _, rest = path.partition(".")
        if name not in FIELDS[model] | _COMMON:
            raise ValidationError(f"Invalid field {model}.{name} in leaf")
        value = record.get(name, False)
        if rest:
            comodel = MANY2ONE.get((model, name))
            target = self.records.get(comodel or "", {}).get(value) if comodel else None
            return False if target is None else self._value(str(comodel), target, rest)
        return value

    def _matches(self, model: str, record: Mapping[str, Any], domain: Sequence[Any]) -> bool:
        for leaf in domain:
            if not isinstance(leaf, list | tuple) or len(leaf) != 3:
                raise ValidationError(f"Invalid leaf {leaf!r}")
            path, op, want = leaf
            have = self._value(model, record, str(path))
            if not _compare(have, str(op), want):
                return False
        return True

    def search(
        self,
        model: str,
        domain: Sequence[Any] = (),
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[int]:
        """Ids matching ``domain``, ordered and sliced."""
        rows = list(self._model(model).values())
        if "active" in FIELDS[model] and (context or {}).get("active_test", True):
            rows = [r for r in rows if r.get("active", True)]
        rows = [r for r in rows if self._matches(model, r, domain)]
        for name, descending in reversed(_order(order or "id")):
            if name not in FIELDS[model] | _COMMON:
                raise ValidationError(f"Invalid field {name!r} on model {model!r} in order")
            rows.sort(key=_sort_key(name), reverse=descending)
        chosen = rows[offset:]
        return [r["id"] for r in (chosen if limit is None else chosen[:limit])]

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str] | None) -> list[Any]:
        """Records as Odoo reads them: many2ones as ``[id, name]``, ``False`` for none."""
        table = self._model(model)
        names = list(fields) if fields else sorted(FIELDS[model])
        for name in names:
            if name not in FIELDS[model] | _COMMON:
                raise ValidationError(f"Invalid field {name!r} on model {model!r}")
        out = []
        for rid in ids:
            record = table.get(rid)
            if record is None:
                raise MissingError(
                    "Record does not exist or has been deleted.\n"
                    f"(Record: {model}({rid},), User: 2)"
                )
            row: dict[str, Any] = {"id": rid}
            for name in names:
                value = record.get(name, False)
                comodel = MANY2ONE.get((model, name))
                if name == "display_name":
                    value = self.display_name(model, rid)
                elif comodel and value:
                    value = [value, self.display_name(comodel, value)]
                row[name] = value
            out.append(row)
        return out

    # -- the public methods ---------------------------------------------------------------

    def call(self, model: str, method: str, ids: Sequence[int], kwargs: Mapping[str, Any]) -> Any:
        """Run ``model.method`` with named arguments, as JSON-2 and ``execute_kw`` do."""
        self._model(model)
        handler = None if method.startswith("_") else getattr(self, f"m_{method}", None)
        if handler is None:
            raise MissingError(f"The method '{method}' does not exist on the model '{model}'")
        context = kwargs.get("context") or {}
        named = {k: v for k, v in kwargs.items() if k != "context"}
        try:
            inspect.signature(handler).bind(model, list(ids), context=context, **named)
        except TypeError as exc:
            raise ArgumentError(f"{method}() {exc}") from None
        return handler(model, list(ids), context=context, **named)

    def m_search_read(
        self,
        model: str,
        ids: list[int],
        domain: Sequence[Any] = (),
        fields: Sequence[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        *,
        context: Mapping[str, Any],
    ) -> list[Any]:
        """``search_read``."""
        found = self.search(model, domain, offset, limit, order, context)
        return self.read(model, found, fields)

    def m_search(
        self,
        model: str,
        ids: list[int],
        domain: Sequence[Any] = (),
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        *,
        context: Mapping[str, Any],
    ) -> list[int]:
        """``search``."""
        return self.search(model, domain, offset, limit, order, context)

    def m_search_count(
        self, model: str, ids: list[int], domain: Sequence[Any] = (), *, context: Mapping[str, Any]
    ) -> int:
        """``search_count``."""
        return len(self.search(model, domain, context=context))

    def m_read(
        self,
        model: str,
        ids: list[int],
        fields: Sequence[str] | None = None,
        *,
        context: Mapping[str, Any],
    ) -> list[Any]:
        """``read``."""
        return self.read(model, ids, fields)

    def m_create(
        self, model: str, ids: list[int], vals_list: Any, *, context: Mapping[str, Any]
    ) -> list[int]:
        """``create``: one record per values; ``sale.order`` lines from ``[0, 0, vals]``."""
        many = vals_list if isinstance(vals_list, list) else [vals_list]
        created = []
        for vals in many:
            if not isinstance(vals, Mapping):
                raise ArgumentError("create() vals_list must hold objects")
            created.append(self._create(model, vals))
        return created

    def _create(self, model: str, vals: Mapping[str, Any]) -> int:
        fields = FIELDS[model]
        unknown = sorted(set(vals) - fields)
        if unknown:
            raise ValueError(f"Invalid field {unknown[0]!r} on model {model!r}")
        for (owner, name), comodel in MANY2ONE.items():
            value = vals.get(name)
            if owner == model and value and value not in self.records[comodel]:
                raise ValidationError(
                    f"The value {value} of field {name} is not a record of {comodel}."
                )
        values = {k: v for k, v in vals.items() if k != "order_line"}
        if model == "sale.order":
            if not values.get("partner_id"):
                raise ValidationError("The field 'Customer' (partner_id) is required.")
            values.setdefault("state", "draft")
        record_id = self.add(model, values)
        if model == "sale.order":
            self.records[model][record_id]["name"] = f"S{record_id:05d}"
            lines = []
            for command in vals.get("order_line") or ():
                if not (isinstance(command, list) and len(command) == 3 and command[0] == 0):
                    raise ValidationError(f"Unsupported x2many command {command!r}")
                line = {**command[2], "order_id": record_id}
                lines.append(self._create("sale.order.line", line))
            if not lines:
                raise UserError("A sale order needs at least one line.")
            self.records[model][record_id]["order_line"] = lines
        return record_id

    def m_write(
        self, model: str, ids: list[int], vals: Mapping[str, Any], *, context: Mapping[str, Any]
    ) -> bool:
        """``write``."""
        for rid in ids:
            self.read(model, [rid], ["id"])
            self.records[model][rid].update(vals, write_date=self.now())
        return True

    def m_action_confirm(self, model: str, ids: list[int], *, context: Mapping[str, Any]) -> bool:
        """``sale.order.action_confirm``: quotation → sale order."""
        if model != "sale.order":
            raise MissingError(f"The method 'action_confirm' does not exist on the model '{model}'")
        for rid in ids:
            order = self.records[model].get(rid)
            if order is None:
                raise MissingError(
                    f"Record does not exist or has been deleted. (sale.order({rid},))"
                )
            refusal = self.confirm_errors.get(str(order.get("client_order_ref")))
            if refusal:
                raise UserError(refusal)
            if order["state"] not in ("draft", "sent"):
                raise UserError("Some orders are not in a state requiring confirmation.")
            order.update(state="sale", write_date=self.now())
        return True


def _order(text: str) -> list[tuple[str, bool]]:
    out = []
    for part in text.split(","):
        words = part.split()
        if words:
            out.append((words[0], len(words) > 1 and words[1].lower() == "desc"))
    return out


def _sort_key(name: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    def key(record: Mapping[str, Any]) -> tuple[int, Any]:
        return _sortable(record.get(name))

    return key


def _sortable(value: Any) -> tuple[int, Any]:
    if value is False or value is None:
        return (0, 0)
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))


def _compare(have: Any, op: str, want: Any) -> bool:
    if op == "=":
        return bool(have == want)
    if op == "!=":
        return bool(have != want)
    if op == "in":
        return have in want
    if op == "not in":
        return have not in want
    if op in ("like", "ilike"):
        text, needle = str(have or ""), str(want)
        return needle.lower() in text.lower() if op == "ilike" else needle in text
    if have is False or have is None:
        return False
    if op == ">=":
        return bool(have >= want)
    if op == "<=":
        return bool(have <= want)
    if op == ">":
        return bool(have > want)
    if op == "<":
        return bool(have < want)
    raise ValidationError(f"Invalid operator {op!r}")
