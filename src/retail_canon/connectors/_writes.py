"""`WriteOperation`: one vendor write, item by item, as a template.

A write operation names its ``operation`` and implements `WriteOperation.request` (the
request that writes one canonical object). Hooks with defaults: `WriteOperation.key` (the
item's canonical id), `WriteOperation.idempotency_key`, `WriteOperation.result` and
`WriteOperation.skippable`.

Idempotency. By default each request carries a key derived from the operation and the
item's canonical JSON, so a write that timed out is repeated safely — the vendor
recognises the key — and writing the same object twice is harmless. Connectors of vendors
without idempotency keys set ``idempotency_header = None``: their writes are then repeated
only when the vendor cannot have acted on them (connection refused, 429).

A refused item (`BadRequest`, `NotFound`, `Conflict` by default) becomes a
`SkippableRecordError` on the `WriteReport` and the next item is written; any other error
stops the write and is raised (items before it stay written).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from retail_canon.connectors._errors import (
    BadRequest,
    Conflict,
    FatalConnectorError,
    NotFound,
    SkippableRecordError,
)
from retail_canon.connectors._flow import Flow
from retail_canon.connectors._records import WriteReport, WriteResult
from retail_canon.connectors._request import RequestSpec

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._http import HttpConnector

__all__ = [
    "WriteOperation",
    "canonical_key",
    "refusal",
    "refused",
    "split_refused",
    "write_each",
    "write_flow",
]

T = TypeVar("T")

_KEY_FIELDS = (
    "order_id",
    "fulfillment_order_id",
    "product_id",
    "rma_id",
    "settlement_id",
    "transfer_id",
    "event_id",
    "line_id",
)


def canonical_key(item: Any) -> str:
    """The canonical id of an object: ``order_id`` and the like, ``sku@location_id`` for positions.

    >>> from types import SimpleNamespace
    >>> canonical_key(SimpleNamespace(sku="A-1", location_id="DC1"))
    'A-1@DC1'
    """
    for name in _KEY_FIELDS:
        value = getattr(item, name, None)
        if value is not None:
            return str(value)
    sku, location = getattr(item, "sku", None), getattr(item, "location_id", None)
    if sku is not None and location is not None:
        return f"{sku}@{location}"
    return repr(item)


def refusal(
    operation: str, key: str, index: int, item: object, problem: str
) -> SkippableRecordError:
    """The skip of an item refused before it is sent: ``<operation>: <key> refused: <problem>``.

    ``index`` is the item's position in the write (``source["index"]``).
    """
    return SkippableRecordError(
        f"{operation}: {key} refused: {problem}",
        record_id=key,
        source={"operation": operation, "index": index},
        record=item,
        operation=operation,
    )


def split_refused(
    items: Iterable[T],
    check: Callable[[T], object],
    operation: str,
    *,
    key: Callable[[T], str] = canonical_key,
) -> tuple[list[T], list[SkippableRecordError]]:
    """The items ``check`` accepts, and a `refusal` for each it refuses (never sent).

    ``check`` refuses an item by raising `ValueError` or `KeyError`; the problem reported is
    the exception's type and message.
    """
    good: list[T] = []
    bad: list[SkippableRecordError] = []
    for index, item in enumerate(items):
        try:
            check(item)
        except (ValueError, KeyError) as exc:
            bad.append(refusal(operation, key(item), index, item, f"{type(exc).__name__}: {exc}"))
        else:
            good.append(item)
    return good, bad


class WriteOperation(Generic[T]):
    """One vendor write applied to canonical objects of type ``T``, one request each.

    Subclasses set `operation` and implement `request`.
    """

    operation: ClassVar[str]
    """The vendor's name of the operation (rate-limit key, logs, errors)."""

    def __init__(self, connector: HttpConnector[Any]) -> None:
        self.connector = connector

    def request(self, item: T) -> RequestSpec:
        """The request that writes ``item``."""
        raise NotImplementedError

    def key(self, item: T) -> str:
        """The item's canonical id, for reports and logs."""
        return canonical_key(item)

    def idempotency_key(self, item: T) -> str | None:
        """A key that is the same for the same write: operation + hash of the item's JSON."""
        payload = item.model_dump_json() if isinstance(item, BaseModel) else repr(item)
        digest = hashlib.sha256(f"{self.operation}\n{payload}".encode()).hexdigest()
        return f"rc-{digest[:40]}"

    def result(self, item: T, response: httpx.Response) -> WriteResult:
        """What to report for a written item (default: the ``id`` in a JSON answer)."""
        vendor_id = None
        try:
            body = response.json()
            if isinstance(body, dict) and body.get("id") is not None:
                vendor_id = str(body["id"])
        except ValueError:
            pass
        connector = self.connector
        rid = None
        for name in connector.request_id_headers:
            rid = response.headers.get(name)
            if rid:
                break
        return WriteResult(self.key(item), response.status_code, vendor_id, rid)

    def skippable(self, error: FatalConnectorError) -> bool:
        """Whether ``error`` refuses only this item (report it, write the next)."""
        return refused(error)


def refused(error: FatalConnectorError) -> bool:
    """Whether ``error`` refuses only its item: `BadRequest`, `NotFound` or `Conflict`."""
    return isinstance(error, BadRequest | NotFound | Conflict)


def write_each(
    connector: HttpConnector[Any],
    items: Iterable[T],
    post: Callable[[T], Flow[WriteResult]],
    *,
    label: str,
    key: Callable[[T], str] = canonical_key,
    operation: str | None = None,
    skippable: Callable[[FatalConnectorError], bool] = refused,
) -> Flow[WriteReport]:
    """The flow of a write made item by item: ``post`` each one, report the refused ones.

    Args:
        connector: whose log the skips are written to.
        items: the canonical objects to write.
        post: the flow writing one item; its `WriteResult` goes on ``report.written``.
        label: how messages name the write (``"write_orders"``, the vendor operation, ...).
        key: the item's id on its `SkippableRecordError`.
        operation: the operation named on a skip; `None`: the refusing call's own.
        skippable: which errors refuse only their item (others are raised, items before
            them stay written).
    """
    report = WriteReport()
    for index, item in enumerate(items):
        try:
            written = yield from post(item)
        except FatalConnectorError as exc:
            if not skippable(exc):
                raise
            name = operation if operation is not None else exc.operation
            record_id = key(item)
            error = SkippableRecordError(
                f"{label}: {record_id} refused: {exc.message}",
                record_id=record_id,
                source={"operation": name, "index": index},
                record=item,
                operation=name,
                status=exc.status,
                vendor_code=exc.vendor_code,
                request_id=exc.request_id,
                headers=exc.headers,
                body=exc.body,
            )
            report.skipped.append(error)
            connector.log.warning(
                "%s",
                error.message,
                extra={"event": "skip", "connector": connector.name, "operation": name},
            )
            continue
        report.written.append(written)
    return report


def write_flow(operation: WriteOperation[T], items: Iterable[T]) -> Flow[WriteReport]:
    """The flow of a whole write: one call per item, refused items reported."""
    connector = operation.connector

    def post(item: T) -> Flow[WriteResult]:
        spec = operation.request(item)
        if spec.idempotency_key is None:
            spec = dataclasses.replace(spec, idempotency_key=operation.idempotency_key(item))
        response: httpx.Response = yield from connector.call_flow(spec)
        return operation.result(item, response)

    return write_each(
        connector,
        items,
        post,
        label=operation.operation,
        key=operation.key,
        operation=operation.operation,
        skippable=operation.skippable,
    )
