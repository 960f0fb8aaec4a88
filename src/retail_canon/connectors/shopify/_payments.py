"""Shopify Payments payouts and their balance transactions → `SettlementRecord`.

The read pages through ``shopifyPaymentsAccount.payouts`` oldest first (by ``issuedAt``)
and, for each payout on a page, through every balance transaction of that payout
(``balanceTransactions(query: "payments_transfer_id:<payout>")``), so a record is
complete before it is handed out. `mapping.settlement_record` then checks that the
transactions account for the payout's net amount; a payout that does not add up is
skipped and reported with the reason (`mapping.PayoutIntegrityError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from retail_canon.connectors import BadRequest, Flow, Page, PageTokenExpired, ReadStream
from retail_canon.connectors.shopify import _dto, _graphql, mapping
from retail_canon.models import SettlementRecord
from retail_canon.normalize.dates import parse_timestamp

if TYPE_CHECKING:
    import httpx

    from retail_canon.connectors import HttpConnector, RequestSpec

__all__ = ["PayoutsStream", "payout_transactions", "transactions_query"]

_RESTARTS = 3


def transactions_query(payout: Mapping[str, Any]) -> str:
    """The search query selecting the balance transactions of one payout."""
    number = payout.get("legacyResourceId") or mapping.gid_number(str(payout["id"]))
    return f"payments_transfer_id:{number}"


class PayoutsStream(ReadStream[SettlementRecord]):
    """``Payouts`` pages; the connector completes each payout with its transactions."""

    operation = "Payouts"
    method = "POST"
    expired_token_codes = frozenset({"INVALID_CURSOR"})

    def request(self, *, start: Any, page_token: str | None) -> RequestSpec:
        config = self.connector.config
        variables: dict[str, Any] = {"first": config.payout_page_size}
        if start is not None:
            stamp = start.astimezone(UTC).isoformat().replace("+00:00", "Z")
            variables["query"] = f"issued_at:>='{stamp}'"
        if page_token:
            variables["after"] = page_token
        cost = _graphql.payouts_cost(config.payout_page_size)
        return _graphql.gql(self.operation, _graphql.PAYOUTS_QUERY, variables, cost, read=True)

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        payouts = body["data"]["shopifyPaymentsAccount"]["payouts"]
        info = payouts["pageInfo"]
        return Page(list(payouts["nodes"]), info["endCursor"] if info["hasNextPage"] else None)

    def checkpoint_value(self, record: Any) -> datetime:
        return parse_timestamp(record["issuedAt"], field="issuedAt")

    def to_canonical(self, record: Any) -> SettlementRecord:
        payout = _dto.structure(record, _dto.Payout)
        return mapping.settlement_record(payout, shop=self.connector.config.shop)


def payout_transactions(
    connector: HttpConnector[Any], payout: Mapping[str, Any]
) -> Flow[list[dict[str, Any]]]:
    """Every balance transaction of ``payout``, page by page.

    A cursor that expires mid-way restarts the listing from the first page (transactions
    already read are kept once, by id); after ``3`` restarts without progress the read
    fails with `PageTokenExpired`.
    """
    config = connector.config
    first = config.transaction_page_size
    cost = _graphql.balance_transactions_cost(first)
    found: dict[str, dict[str, Any]] = {}
    after: str | None = None
    restarts = 0
    progress = -1
    while True:
        variables: dict[str, Any] = {"first": first, "query": transactions_query(payout)}
        if after:
            variables["after"] = after
        spec = _graphql.gql(
            "BalanceTransactions", _graphql.BALANCE_TRANSACTIONS_QUERY, variables, cost
        )
        try:
            data: dict[str, Any] = yield from connector.call_flow(
                spec, _graphql.data_of("BalanceTransactions")
            )
        except BadRequest as exc:
            if after is None or exc.vendor_code != "INVALID_CURSOR":
                raise
            restarts = restarts + 1 if len(found) == progress else 1
            if restarts > _RESTARTS:
                msg = f"BalanceTransactions: cursor expired {restarts} times without progress"
                raise PageTokenExpired(
                    msg, operation="BalanceTransactions", vendor_code=exc.vendor_code
                ) from exc
            progress, after = len(found), None
            continue
        connection = data["shopifyPaymentsAccount"]["balanceTransactions"]
        for node in connection["nodes"]:
            found.setdefault(str(node["id"]), node)
        info = connection["pageInfo"]
        if not info["hasNextPage"]:
            return list(found.values())
        after = info["endCursor"]
