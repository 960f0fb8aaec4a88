"""Listings Items 2021-08-01 writes: one ``patchListingsItem`` / ``putListingsItem`` per SKU.

A listings submission answers 200 with a ``status``: ``ACCEPTED`` (queued; Amazon applies
it minutes later), or ``INVALID`` with ``issues`` — each a code, a message, a severity and
the attributes it concerns. An ``INVALID`` answer, or a 4xx refusal, becomes a
`ListingRejected` on the `WriteReport` naming the SKU and the attributes; the next SKU is
written. ``ERROR`` issues of a ``JSON_LISTINGS_FEED`` processing report become the same
error (see ``_feeds.py``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from retail_canon.connectors import (
    BadRequest,
    ConfigurationError,
    Conflict,
    NotFound,
    RequestSpec,
    SkippableRecordError,
    WriteReport,
    WriteResult,
)
from retail_canon.connectors.amazon._reports import json_body

if TYPE_CHECKING:
    from retail_canon.connectors._flow import Flow
    from retail_canon.connectors._http import HttpConnector

__all__ = [
    "LISTINGS",
    "ListingIssue",
    "ListingRejected",
    "ListingWrite",
    "dumps_exact",
    "listings_flow",
    "seller_id",
]

LISTINGS = "/listings/2021-08-01/items"


def dumps_exact(value: Any) -> bytes:
    """JSON with every `Decimal` written as the exact number it is (never through a float).

    >>> dumps_exact({"value_with_tax": Decimal("19.990")})
    b'{"value_with_tax": 19.990}'
    """
    mark = f"\u0000rc-decimal-{os.urandom(8).hex()}:"  # no user string can hold it

    def encode(item: Any) -> Any:
        if isinstance(item, Decimal):
            if not item.is_finite():
                msg = f"{item} is not a JSON number"
                raise ValueError(msg)
            return f"{mark}{item}"
        msg = f"{type(item).__name__} is not JSON serialisable"
        raise TypeError(msg)

    text = json.dumps(value, default=encode, ensure_ascii=True)
    escaped = re.escape(json.dumps(mark)[1:-1])
    return re.sub(f'"{escaped}([-+0-9.E]+)"', r"\1", text).encode()


@dataclass(frozen=True, slots=True)
class ListingIssue:
    """One issue Amazon found with a listing submission.

    Attributes:
        code: Amazon's issue code.
        message: its explanation.
        severity: ``ERROR``, ``WARNING`` or ``INFO``.
        attribute_names: the attributes concerned (may be empty).
    """

    code: str
    message: str
    severity: str
    attribute_names: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, issue: Mapping[str, Any]) -> ListingIssue:
        """An issue of a submission (``attributeNames``) or a feed report (``attributeName``)."""
        names = issue.get("attributeNames") or (
            [issue["attributeName"]] if issue.get("attributeName") else []
        )
        return cls(
            code=str(issue.get("code") or ""),
            message=str(issue.get("message") or ""),
            severity=str(issue.get("severity") or "ERROR").upper(),
            attribute_names=tuple(str(n) for n in names),
        )

    def __str__(self) -> str:
        where = f" [{', '.join(self.attribute_names)}]" if self.attribute_names else ""
        return f"{self.severity} {self.code}{where}: {self.message}"


class ListingRejected(SkippableRecordError):
    """Amazon refused one SKU's listing submission; the other SKUs went on.

    Attributes:
        sku: the seller SKU.
        issues: Amazon's issues (``ERROR`` ones first), empty for a refusal without any.
        attribute_names: every attribute the ``ERROR`` issues name.
    """

    code = "listing_rejected"

    def __init__(
        self, message: str, *, sku: str, issues: Iterable[ListingIssue] = (), **context: Any
    ) -> None:
        self.sku = sku
        ordered = sorted(issues, key=lambda i: i.severity != "ERROR")
        self.issues: tuple[ListingIssue, ...] = tuple(ordered)
        self.attribute_names = tuple(
            dict.fromkeys(
                n for i in self.issues if i.severity == "ERROR" for n in i.attribute_names
            )
        )
        super().__init__(message, **context)


def rejected(
    operation: str,
    key: str,
    sku: str,
    issues: Sequence[ListingIssue],
    *,
    record: Any,
    index: int,
    **context: Any,
) -> ListingRejected:
    """The `ListingRejected` of one SKU, its message naming the SKU and the ERROR issues."""
    errors = [i for i in issues if i.severity == "ERROR"] or list(issues)
    detail = "; ".join(str(i) for i in errors) or "no reason given"
    return ListingRejected(
        f"{operation}: SKU {sku} refused: {detail}",
        sku=sku,
        issues=issues,
        record_id=key,
        source={"operation": operation, "index": index},
        record=record,
        operation=operation,
        **context,
    )


@dataclass(frozen=True, slots=True)
class ListingWrite:
    """One SKU's submission: ``PATCH`` (patches) or ``PUT`` (a whole listing).

    Attributes:
        key: the canonical id reported (``sku@location``, ``product_id``).
        sku: the seller SKU.
        method: ``PATCH`` or ``PUT``.
        body: the request body (``productType`` and ``patches`` or ``attributes``).
        item: the canonical object, kept on errors.
    """

    key: str
    sku: str
    method: str
    body: Mapping[str, Any]
    item: Any = None


def seller_id(connector: HttpConnector[Any], what: str) -> str:
    """The configured ``seller_id``, or a `ConfigurationError` saying ``what`` needs it."""
    value: str | None = connector.config.seller_id
    if not value:
        msg = f"amazon: {what} needs seller_id (your merchant token) in the configuration"
        raise ConfigurationError(msg, errors=[("seller_id", "required for Listings Items")])
    return value


def listings_flow(
    connector: HttpConnector[Any], writes: Sequence[ListingWrite], report: WriteReport
) -> Flow[WriteReport]:
    """Send each write (``patchListingsItem`` / ``putListingsItem``), recording outcomes."""
    seller = seller_id(connector, "writing listings")
    marketplace = connector.config.marketplace_ids[0]
    for index, write in enumerate(writes):
        operation = "patchListingsItem" if write.method == "PATCH" else "putListingsItem"
        spec = RequestSpec(
            write.method,
            f"{LISTINGS}/{quote(seller, safe='')}/{quote(write.sku, safe='')}",
            operation,
            params={"marketplaceIds": marketplace, "includedData": "issues"},
            headers={"content-type": "application/json"},
            content=dumps_exact(write.body),
            # A patch "replace" or a whole PUT leaves the same listing however often it is
            # sent, so a submission whose answer was lost is sent again.
            idempotent=True,
        )
        try:
            answer = yield from connector.call_flow(spec, json_body(connector, operation, "status"))
        except (BadRequest, NotFound, Conflict) as exc:
            issues = _issues_of(exc.body)
            error = rejected(
                operation,
                write.key,
                write.sku,
                issues or [ListingIssue(exc.vendor_code or "", exc.message, "ERROR")],
                record=write.item,
                index=index,
                status=exc.status,
                vendor_code=exc.vendor_code,
                request_id=exc.request_id,
            )
            _skip(connector, report, error)
            continue
        issues = [ListingIssue.from_json(i) for i in answer.get("issues") or ()]
        if answer["status"] != "ACCEPTED":
            _skip(
                connector,
                report,
                rejected(operation, write.key, write.sku, issues, record=write.item, index=index),
            )
            continue
        submission = answer.get("submissionId")
        report.written.append(
            WriteResult(write.key, 200, None if submission is None else str(submission))
        )
    return report


def _issues_of(body: str | None) -> list[ListingIssue]:
    try:
        data = json.loads(body or "")
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    found = data.get("issues") or data.get("errors") or []
    return [ListingIssue.from_json(i) for i in found if isinstance(i, Mapping)]


def _skip(connector: HttpConnector[Any], report: WriteReport, error: SkippableRecordError) -> None:
    report.skipped.append(error)
    connector.log.warning(
        "%s",
        error.message,
        extra={"event": "skip", "connector": connector.name, "operation": error.operation},
    )
