"""`Envelope`: a CloudEvents 1.0 event around a canonical object, in JSON structured mode.

The ``cloudevents`` package is not used: its SDK pulls in ``deprecation`` and, for its
pydantic / HTTP bindings, more modules than the import budget of ``retail_canon`` allows for
a function that only needs seven attributes and one JSON shape. The wire format is the
standard one, so any CloudEvents SDK reads what `Envelope.to_json` writes.
"""

from __future__ import annotations

import builtins
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from retail_canon.workflow._errors import InvalidEnvelope

__all__ = ["Envelope"]

SPEC_VERSION = "1.0"
_EXTENSIONS = {
    "idempotencykey": "idempotency_key",
    "correlationid": "correlation_id",
    "causationid": "causation_id",
}
_CORE = ("specversion", "id", "source", "type", "subject", "time", "datacontenttype")
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _required(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidEnvelope(f"envelope attribute {name!r} must be a non-empty string")
    return value


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event: CloudEvents 1.0 context attributes, our three tracing keys, and the data.

    Attributes:
        id: unique per event (per ``source``); a redelivery keeps its id.
        source: URI-reference of the producer, e.g. ``"/channels/shopify"``.
        type: reverse-DNS event type, e.g. ``"com.example.order.received"``.
        data: the canonical object (a pydantic model) or any JSON value.
        subject: what the event is about inside the source, e.g. the order number.
        time: when it happened (time-zone aware).
        datacontenttype: ``"application/json"``.
        idempotency_key: the same for every delivery of the same business fact; defaults
            to ``id``. Extension attribute ``idempotencykey``.
        correlation_id: shared by every event of one business flow (one order from
            ingestion to settlement); defaults to ``id``. Extension ``correlationid``.
        causation_id: the ``id`` of the event that caused this one. Extension ``causationid``.
        extensions: other CloudEvents extension attributes (lowercase alphanumeric names).
    """

    id: str
    source: str
    type: str
    data: Any = None
    subject: str | None = None
    time: datetime = field(default_factory=_now)
    datacontenttype: str = "application/json"
    idempotency_key: str = ""
    correlation_id: str = ""
    causation_id: str | None = None
    extensions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("id", "source", "type", "datacontenttype"):
            _required(name, getattr(self, name))
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise InvalidEnvelope("envelope 'time' must be time-zone aware")
        if not self.idempotency_key:
            object.__setattr__(self, "idempotency_key", self.id)
        if not self.correlation_id:
            object.__setattr__(self, "correlation_id", self.id)
        for name in self.extensions:
            if not _EXTENSION_NAME.match(name) or name in _CORE or name in _EXTENSIONS:
                raise InvalidEnvelope(f"extension attribute name {name!r} is not allowed")
        object.__setattr__(self, "extensions", dict(self.extensions))

    @classmethod
    def new(
        cls,
        source: str,
        type: str,
        data: Any = None,
        *,
        subject: str | None = None,
        idempotency_key: str | None = None,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
        id_factory: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> Envelope:
        """A fresh event; ``caused_by`` carries its correlation id and becomes its cause."""
        event_id = id_factory()
        return cls(
            id=event_id,
            source=source,
            type=type,
            data=data,
            subject=subject,
            time=time or _now(),
            idempotency_key=idempotency_key or event_id,
            correlation_id=caused_by.correlation_id if caused_by else event_id,
            causation_id=caused_by.id if caused_by else None,
        )

    def caused(
        self,
        source: str,
        type: str,
        data: Any = None,
        **kwargs: Any,
    ) -> Envelope:
        """The next event of the same flow: same correlation id, caused by this one."""
        return Envelope.new(source, type, data, caused_by=self, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The structured-mode JSON object (``data`` as JSON: models are dumped)."""
        data = self.data
        if hasattr(data, "model_dump"):
            data = data.model_dump(mode="json")
        out: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": _rfc3339(self.time),
            "datacontenttype": self.datacontenttype,
        }
        if self.subject is not None:
            out["subject"] = self.subject
        out["idempotencykey"] = self.idempotency_key
        out["correlationid"] = self.correlation_id
        if self.causation_id is not None:
            out["causationid"] = self.causation_id
        out.update(self.extensions)
        if data is not None:
            out["data"] = data
        return out

    def to_json(self) -> str:
        """``application/cloudevents+json``: one JSON object, keys sorted, no spaces."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], model: builtins.type[Any] | None = None) -> Envelope:
        """Read a structured-mode object; ``model`` (a pydantic class) validates ``data``."""
        if obj.get("specversion") != SPEC_VERSION:
            got = obj.get("specversion")
            raise InvalidEnvelope(f"specversion must be {SPEC_VERSION!r}, got {got!r}")
        if "data_base64" in obj:
            raise InvalidEnvelope("binary data (data_base64) is not supported")
        raw_time = _required("time", obj.get("time"))
        try:
            when = datetime.fromisoformat(raw_time)
        except ValueError as exc:
            raise InvalidEnvelope(f"envelope 'time' is not RFC 3339: {raw_time!r}") from exc
        data = obj.get("data")
        if model is not None and data is not None:
            data = model.model_validate(data)
        known = {*_CORE, *_EXTENSIONS, "data"}
        extras = {k: str(v) for k, v in obj.items() if k not in known}
        return cls(
            id=_required("id", obj.get("id")),
            source=_required("source", obj.get("source")),
            type=_required("type", obj.get("type")),
            data=data,
            subject=obj.get("subject"),
            time=when,
            datacontenttype=obj.get("datacontenttype", "application/json"),
            idempotency_key=obj.get("idempotencykey") or "",
            correlation_id=obj.get("correlationid") or "",
            causation_id=obj.get("causationid"),
            extensions=extras,
        )

    @classmethod
    def from_json(cls, text: str | bytes, model: builtins.type[Any] | None = None) -> Envelope:
        """Read `to_json` output (or any CloudEvents 1.0 JSON event)."""
        try:
            obj = json.loads(text)
        except ValueError as exc:
            raise InvalidEnvelope(f"not JSON: {exc}") from exc
        if not isinstance(obj, dict):
            raise InvalidEnvelope("a structured-mode event is a JSON object")
        return cls.from_dict(obj, model)
