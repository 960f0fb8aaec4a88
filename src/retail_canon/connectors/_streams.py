"""`ReadStream`: one paginated vendor read, as a template with a tiny required core.

A stream names its ``operation`` and ``path`` and implements two methods:
`ReadStream.parse_page` (records and next-page token of a decoded response) and
`ReadStream.to_canonical` (one vendor record to a canonical object). Everything else is a
hook with a default: query `ReadStream.params`, the whole `ReadStream.request`, body
`ReadStream.decode`, `ReadStream.record_id`, `ReadStream.checkpoint_value`, and
`ReadStream.is_page_token_expired`.

Surviving page-token expiry. Vendors' page tokens expire (Amazon FBA inventory's after
30 s) or become invalid mid-read. When a request with a page token fails and
`is_page_token_expired` says that is why, the read starts again from its checkpoint:

- an *ordered* stream (records ascending by `checkpoint_value`, the default) asks again
  from the checkpoint's value and skips what the checkpoint covers (the records at that
  value already handed out, by id), so nothing repeats and nothing is lost as long as the
  vendor's filter is inclusive ("at or after");
- an unordered stream (``ordered = False``) starts again from where the read started and
  skips every id it has handed out.

A read that resumes ``max_stalled_resumes`` times in a row without progress raises
`PageTokenExpired`, and so does an ordered stream without checkpoint values that has
already handed records out (set ``ordered = False`` to resume such a stream by ids).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import ValidationError

from retail_canon.connectors._classify import malformed
from retail_canon.connectors._errors import (
    ConnectorError,
    PageTokenExpired,
    SkippableRecordError,
)
from retail_canon.connectors._flow import Emit, Flow
from retail_canon.connectors._records import Checkpoint, CheckpointValue, ReadState
from retail_canon.connectors._request import RequestSpec

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._http import HttpConnector

__all__ = ["Page", "ReadStream", "read_flow"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page:
    """One page of vendor records and the token of the next page (`None`: the last)."""

    records: Sequence[Any]
    next_token: str | None = None


class ReadStream(Generic[T]):
    """One paginated read of a vendor API, yielding canonical objects of type ``T``.

    Subclasses set `operation` and `path` and implement `parse_page` and `to_canonical`.
    """

    operation: ClassVar[str]
    """The vendor's name of the operation (rate-limit key, logs, errors)."""
    path: ClassVar[str] = ""
    """The path, relative to the connector's ``base_url``."""
    method: ClassVar[str] = "GET"
    ordered: ClassVar[bool] = True
    """Whether the vendor returns records ascending by `checkpoint_value`."""
    expired_token_codes: ClassVar[frozenset[str]] = frozenset()
    """Vendor error codes that mean "this page token expired or is invalid"."""
    max_stalled_resumes: ClassVar[int] = 3

    def __init__(self, connector: HttpConnector[Any]) -> None:
        self.connector = connector

    # -- the required core ----------------------------------------------------------------

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        """The records and next-page token in a decoded response body."""
        raise NotImplementedError

    def to_canonical(self, record: Any) -> T:
        """One vendor record as a canonical object.

        Raise `SkippableRecordError` (or let a `pydantic.ValidationError`, `ValueError`,
        `KeyError` or `TypeError` escape) for a record that cannot be mapped: it is
        reported on `Records.skipped` and the read goes on.
        """
        raise NotImplementedError

    # -- hooks ----------------------------------------------------------------------------

    def params(self, *, start: CheckpointValue | None, page_token: str | None) -> Mapping[str, Any]:
        """Query parameters: the start filter (inclusive) and the page token."""
        return {}

    def request(self, *, start: CheckpointValue | None, page_token: str | None) -> RequestSpec:
        """The request for one page (default: `method`, `path` and `params`)."""
        return RequestSpec(
            self.method,
            self.path,
            self.operation,
            params=self.params(start=start, page_token=page_token),
        )

    def decode(self, response: httpx.Response) -> Any:
        """The body as JSON, numbers with a fraction read as `Decimal` (never as floats)."""
        return json.loads(response.content, parse_float=Decimal)

    def record_id(self, record: Any) -> str | None:
        """The vendor's id of a record (default: its ``"id"`` key)."""
        if isinstance(record, Mapping):
            value = record.get("id")
            return None if value is None else str(value)
        return None

    def checkpoint_value(self, record: Any) -> CheckpointValue | None:
        """The value the read is ordered and resumed by (default: none, no checkpoints)."""
        return None

    def is_page_token_expired(self, error: ConnectorError) -> bool:
        """Whether a failed page request failed because its page token expired."""
        return error.vendor_code is not None and error.vendor_code in self.expired_token_codes

    # -- used by the read flow ------------------------------------------------------------

    def _parse(self, response: httpx.Response) -> Page:
        try:
            return self.parse_page(self.decode(response), response)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            msg = f"{self.operation}: unreadable page ({type(exc).__name__})"
            redactor = self.connector.redactor
            raise malformed(msg, response, operation=self.operation, redactor=redactor) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3]]
        return "; ".join(parts)
    if isinstance(exc, SkippableRecordError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def read_flow(stream: ReadStream[T], state: ReadState, since: CheckpointValue | None) -> Flow[None]:
    """The flow of a whole read: pages, checkpoints, skips, and resumes after expiry."""
    connector = stream.connector
    boundary = state.start
    origin: CheckpointValue | None = boundary.value if boundary is not None else since
    start = origin
    seen: set[str] | None = None if stream.ordered else set()
    token: str | None = None
    stalled = 0
    progress_at_resume = -1
    while True:
        spec = stream.request(start=start, page_token=token)
        try:
            page = yield from connector.call_flow(spec, parse=stream._parse)
        except ConnectorError as exc:
            if token is None or not stream.is_page_token_expired(exc):
                raise
            progress = state.emitted + len(state.skipped)
            stalled = stalled + 1 if progress == progress_at_resume else 1
            blind = seen is None and state.checkpoint is None and progress > 0
            if stalled > stream.max_stalled_resumes or blind:
                why = "without checkpoint values" if blind else f"{stalled} times without progress"
                msg = f"{stream.operation}: page token expired {why}; cannot resume"
                raise PageTokenExpired(
                    msg,
                    operation=stream.operation,
                    status=exc.status,
                    vendor_code=exc.vendor_code,
                    request_id=exc.request_id,
                ) from exc
            progress_at_resume = progress
            token = None
            if seen is None and state.checkpoint is not None:
                boundary, start = state.checkpoint, state.checkpoint.value
            else:
                start = origin
            state.resumes += 1
            connector.log.info(
                "%s: page token expired; resuming from the checkpoint (%d so far)",
                stream.operation,
                state.resumes,
                extra={
                    "event": "resume",
                    "connector": connector.name,
                    "operation": stream.operation,
                },
            )
            continue
        state.pages += 1
        for index, record in enumerate(page.records):
            rid = stream.record_id(record)
            value = stream.checkpoint_value(record)
            if seen is not None:
                if rid is not None and rid in seen:
                    continue
            elif boundary is not None and value is not None and boundary.covers(rid, value):
                continue
            try:
                item: T | None = stream.to_canonical(record)
            except (SkippableRecordError, ValidationError, ValueError, KeyError, TypeError) as exc:
                item = None
                _skip(stream, state, rid, index, record, exc)
            if value is not None:
                current = state.checkpoint
                state.checkpoint = (
                    Checkpoint(value, frozenset({rid} if rid else ()))
                    if current is None
                    else current.advance(rid, value)
                )
            if seen is not None and rid is not None:
                seen.add(rid)
            if item is not None:
                state.emitted += 1
                yield Emit(item)
        token = page.next_token
        if not token:
            return


def _skip(
    stream: ReadStream[Any],
    state: ReadState,
    rid: str | None,
    index: int,
    record: Any,
    exc: BaseException,
) -> None:
    connector = stream.connector
    reason = connector.redactor.text(_reason(exc))
    error = SkippableRecordError(
        f"{stream.operation}: record {rid or '(no id)'} skipped: {reason}",
        record_id=rid,
        source={"operation": stream.operation, "page": state.pages, "index": index},
        record=record,
        operation=stream.operation,
    )
    # The original error (e.g. a ValidationError naming the field) stays reachable.
    error.__cause__ = exc
    state.skipped.append(error)
    connector.log.warning(
        "%s",
        error.message,
        extra={"event": "skip", "connector": connector.name, "operation": stream.operation},
    )
