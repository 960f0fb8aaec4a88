"""Finances reads: v0 financial events and groups, 2024-06-19 transactions.

- `FinancialEventsStream`: ``listFinancialEvents`` (or ``listFinancialEventsByGroupId``)
  → one `SettlementLine` per leaf amount;
- `TransactionsStream`: ``listTransactions`` → one `SettlementLine` per leaf breakdown;
- `FinancialEventGroupsStream`: ``listFinancialEventGroups`` → one `SettlementRecord` per
  group, its lines read (by `group_lines_flow`) through v0 events or 2024-06-19
  transactions, as ``settlements_from`` says.

Amazon documents no order for events or transactions, so those reads are unordered (an
expired ``NextToken`` restarts them, skipping the lines already handed out). Pages may be
empty with a ``NextToken``: the read follows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import (
    ConnectorError,
    Page,
    PageTokenExpired,
    ReadStream,
    RequestSpec,
    SkippableRecordError,
)
from retail_canon.connectors.amazon import mapping
from retail_canon.connectors.amazon._config import EPOCH, AmazonConfig
from retail_canon.connectors.amazon._reports import iso
from retail_canon.connectors.amazon.mapping._finances import LineDraft, UnmappedEvent
from retail_canon.normalize.dates import parse_timestamp

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._http import HttpConnector
    from retail_canon.models import SettlementLine, SettlementRecord

__all__ = [
    "FinancialEventGroupsStream",
    "FinancialEventsStream",
    "TransactionsStream",
    "group_lines_flow",
]

_V0 = "/finances/v0"
_TRANSACTIONS = "/finances/2024-06-19/transactions"


def _start(value: Any, config: AmazonConfig) -> str:
    moment = value if isinstance(value, datetime) else config.initial_since or EPOCH
    return iso(moment)


def _record_id(record: Any) -> str | None:
    if isinstance(record, LineDraft | UnmappedEvent):
        return record.line_id if isinstance(record, LineDraft) else record.record_id
    return None


def _line(record: Any, operation: str) -> SettlementLine:
    if isinstance(record, UnmappedEvent):
        raise SkippableRecordError(
            record.reason, record_id=record.record_id, record=record.record, operation=operation
        )
    return mapping.settlement_line_of(record)


class FinancialEventsStream(ReadStream["SettlementLine"]):
    """``listFinancialEvents`` posted after ``since`` (or one group's events)."""

    operation = "listFinancialEvents"
    path = f"{_V0}/financialEvents"
    ordered = False
    expired_token_codes = frozenset({"InvalidInput"})

    def __init__(self, connector: HttpConnector[Any], group_id: str | None = None) -> None:
        super().__init__(connector)
        self.group_id = group_id

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        params = self.params(start=start, page_token=page_token)
        if self.group_id is None:
            return RequestSpec("GET", self.path, self.operation, params=params)
        path = f"{_V0}/financialEventGroups/{self.group_id}/financialEvents"
        return RequestSpec("GET", path, "listFinancialEventsByGroupId", params=params)

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        params: dict[str, Any] = {"MaxResultsPerPage": self.connector.config.finances_page_size}
        if page_token:
            params["NextToken"] = page_token
        elif self.group_id is None:
            params["PostedAfter"] = _start(start, self.connector.config)
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        payload = body["payload"]
        events = payload.get("FinancialEvents") or {}
        return Page(list(mapping.event_lines(events, self.group_id)), payload.get("NextToken"))

    def record_id(self, record: Any) -> str | None:
        return _record_id(record)

    def to_canonical(self, record: Any) -> SettlementLine:
        operation = "listFinancialEventsByGroupId" if self.group_id else self.operation
        return _line(record, operation)


class TransactionsStream(ReadStream["SettlementLine"]):
    """``listTransactions`` (Finances 2024-06-19) posted after ``since`` (or of one group)."""

    operation = "listTransactions"
    path = _TRANSACTIONS
    ordered = False
    expired_token_codes = frozenset({"InvalidInput"})

    def __init__(self, connector: HttpConnector[Any], group_id: str | None = None) -> None:
        super().__init__(connector)
        self.group_id = group_id

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        params: dict[str, Any] = {}
        if self.group_id is not None:
            params["relatedIdentifierName"] = "FINANCIAL_EVENT_GROUP_ID"
            params["relatedIdentifierValue"] = self.group_id
        else:
            params["postedAfter"] = _start(start, self.connector.config)
        if page_token:
            params["nextToken"] = page_token
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        payload = body["payload"]
        records: list[LineDraft | UnmappedEvent] = []
        for transaction in payload.get("transactions") or ():
            lines = mapping.transaction_lines(transaction)
            if isinstance(lines, UnmappedEvent):
                records.append(lines)
            else:
                records.extend(lines)
        return Page(records, payload.get("nextToken"))

    def record_id(self, record: Any) -> str | None:
        return _record_id(record)

    def to_canonical(self, record: Any) -> SettlementLine:
        return _line(record, self.operation)


class FinancialEventGroupsStream(ReadStream["SettlementRecord"]):
    """``listFinancialEventGroups`` started after ``since``; the connector adds the lines.

    The connector lists every group page, sorts the groups by start, and reads each
    group's lines, so the read is ordered by ``FinancialEventGroupStart`` and resumes from
    a checkpoint. A group with events the mapping does not know is skipped and reported
    whole (its lines would not add up to the group).
    """

    operation = "listFinancialEventGroups"
    path = f"{_V0}/financialEventGroups"
    expired_token_codes = frozenset({"InvalidInput"})

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        params: dict[str, Any] = {"MaxResultsPerPage": self.connector.config.finances_page_size}
        if page_token:
            params["NextToken"] = page_token
        else:
            params["FinancialEventGroupStartedAfter"] = _start(start, self.connector.config)
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        payload = body["payload"]
        return Page(list(payload.get("FinancialEventGroupList") or ()), payload.get("NextToken"))

    def record_id(self, record: Any) -> str | None:
        return str(record["group"]["FinancialEventGroupId"])

    def checkpoint_value(self, record: Any) -> datetime:
        start = record["group"]["FinancialEventGroupStart"]
        return parse_timestamp(start, field="FinancialEventGroupStart", tz="UTC")

    def to_canonical(self, record: Any) -> SettlementRecord:
        unmapped = [r for r in record["lines"] if isinstance(r, UnmappedEvent)]
        if unmapped:
            reasons = "; ".join(sorted({u.reason.split(" (event")[0] for u in unmapped}))
            group = record["group"]["FinancialEventGroupId"]
            msg = f"group {group}: {len(unmapped)} event(s) cannot be mapped: {reasons}"
            raise SkippableRecordError(msg, record_id=str(group), operation=self.operation)
        lines = [mapping.settlement_line_of(r) for r in record["lines"]]
        return mapping.financial_event_group(record["group"], lines)


def group_lines_flow(
    connector: HttpConnector[Any], group_id: str, source: str, *, max_restarts: int = 3
) -> Flow[list[LineDraft | UnmappedEvent]]:
    """Every line draft of one group, through v0 events or 2024-06-19 transactions.

    An expired ``NextToken`` restarts the group (at most ``max_restarts`` times).
    """
    stream: ReadStream[Any] = (
        TransactionsStream(connector, group_id)
        if source == "finances_2024"
        else FinancialEventsStream(connector, group_id)
    )
    restarts = 0
    while True:
        drafts: list[LineDraft | UnmappedEvent] = []
        seen: set[str] = set()
        token: str | None = None
        try:
            while True:
                spec = stream.request(start=None, page_token=token)
                page: Page = yield from connector.call_flow(spec, parse=stream._parse)
                for record in page.records:
                    rid = _record_id(record)
                    if rid is not None and rid in seen:
                        continue
                    if rid is not None:
                        seen.add(rid)
                    drafts.append(record)
                token = page.next_token or None
                if token is None:
                    return drafts
        except ConnectorError as exc:
            if token is None or not stream.is_page_token_expired(exc):
                raise
            restarts += 1
            if restarts > max_restarts:
                msg = f"{stream.operation}: group {group_id}: page tokens keep expiring"
                raise PageTokenExpired(msg, operation=stream.operation) from exc


def groups_page_flow(
    connector: HttpConnector[Any],
    spec: RequestSpec,
    first: Page,
    source: str,
    fetch: Callable[[RequestSpec], Flow[Page]],
) -> Flow[Page]:
    """All group pages from ``first`` on, sorted by start, each with its line drafts.

    ``fetch`` gets one more page of groups (the request core without this completion).
    """
    groups, token = list(first.records), first.next_token
    restarts = 0
    while token:
        more = RequestSpec("GET", spec.url, spec.operation, params={"NextToken": token})
        try:
            page: Page = yield from fetch(more)
        except ConnectorError as exc:
            restarts += 1
            if exc.vendor_code != "InvalidInput" or restarts > 3:
                raise
            # The NextToken expired: list the groups again from the first page.
            page = yield from fetch(spec)
            groups = []
        groups.extend(page.records)
        token = page.next_token
    groups.sort(
        key=lambda g: (str(g.get("FinancialEventGroupStart")), str(g["FinancialEventGroupId"]))
    )
    records = []
    for group in groups:
        lines = yield from group_lines_flow(connector, str(group["FinancialEventGroupId"]), source)
        records.append({"group": group, "lines": lines})
    return Page(records, None)
