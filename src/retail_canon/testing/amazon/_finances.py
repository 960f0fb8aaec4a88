"""Finances v0 (event groups, events) and 2024-06-19 (transactions) for `AmazonFake`.

Seed them raw (`FinancesRoutes.add_financial_group`, `FinancesRoutes.add_transactions`)
or from canonical settlements (`FinancesRoutes.add_finances`: one group per settlement,
one event and one transaction per line). Amounts are stored as `Decimal` and answered as
exact JSON numbers. ``finance_page_size`` events (or transactions) per page;
``empty_finance_pages`` answers each first page empty, with a ``NextToken`` (Amazon does
that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import httpx

from retail_canon.connectors.amazon._listings import dumps_exact
from retail_canon.models import AmountType, SettlementLine, SettlementRecord, SettlementStatus
from retail_canon.testing._fake import FakeRequest, route
from retail_canon.testing.amazon._render import iso

if TYPE_CHECKING:
    from retail_canon.testing.amazon._fake import AmazonFake

__all__ = ["FinancesRoutes", "event_of_line", "transaction_of_line"]

_ITEM_COMPONENT = {
    AmountType.PRINCIPAL: ("ItemChargeList", "ChargeType", "Principal"),
    AmountType.TAX: ("ItemChargeList", "ChargeType", "Tax"),
    AmountType.SHIPPING: ("ItemChargeList", "ChargeType", "ShippingCharge"),
    AmountType.GIFT_WRAP: ("ItemChargeList", "ChargeType", "Giftwrap"),
    AmountType.COMMISSION: ("ItemFeeList", "FeeType", "Commission"),
    AmountType.FULFILLMENT_FEE: ("ItemFeeList", "FeeType", "FBAPerUnitFulfillmentFee"),
    AmountType.FEE: ("ItemFeeList", "FeeType", "FixedClosingFee"),
    AmountType.PROMOTION: ("PromotionList", "PromotionType", "PromotionMetaDataDefinitionValue"),
}
_BREAKDOWN = {
    AmountType.PRINCIPAL: "ProductCharges",
    AmountType.TAX: "Tax",
    AmountType.TAX_WITHHELD: "TaxWithheld",
    AmountType.SHIPPING: "Shipping",
    AmountType.GIFT_WRAP: "GiftWrap",
    AmountType.COMMISSION: "Commission",
    AmountType.FULFILLMENT_FEE: "FBAFulfillmentFee",
    AmountType.FEE: "OtherFees",
    AmountType.PROMOTION: "Promotion",
    AmountType.RESERVE: "Reserve",
}


def _m0(amount: Any, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "CurrencyAmount": amount}


def event_of_line(line: SettlementLine) -> tuple[str, dict[str, Any]]:
    """A canonical line as one v0 event: ``(list name, event)``."""
    money = _m0(line.amount.amount, line.amount.currency)
    posted = iso(line.posted_at)
    if line.amount_type in _ITEM_COMPONENT or line.amount_type is AmountType.TAX_WITHHELD:
        item: dict[str, Any] = {
            "SellerSKU": line.sku,
            "OrderItemId": line.line_id,
            "QuantityShipped": 1,
        }
        if line.amount_type is AmountType.TAX_WITHHELD:
            item["ItemTaxWithheldList"] = [
                {
                    "TaxCollectionModel": "MarketplaceFacilitator",
                    "TaxesWithheld": [
                        {"ChargeType": "MarketplaceFacilitatorTax-Principal", "ChargeAmount": money}
                    ],
                }
            ]
        else:
            component, key, name = _ITEM_COMPONENT[line.amount_type]
            amount_key = {"ChargeType": "ChargeAmount", "FeeType": "FeeAmount"}.get(
                key, "PromotionAmount"
            )
            entry = {key: name, amount_key: money}
            if component == "PromotionList":
                entry["PromotionId"] = line.line_id
            item[component] = [entry]
        event = {"AmazonOrderId": line.order_id, "PostedDate": posted, "ShipmentItemList": [item]}
        return "ShipmentEventList", event
    return "AdjustmentEventList", {
        "AdjustmentType": "ReserveEvent" if line.amount_type is AmountType.RESERVE else "Other",
        "PostedDate": posted,
        "AdjustmentAmount": money,
    }


def transaction_of_line(line: SettlementLine, group_id: str) -> dict[str, Any]:
    """A canonical line as one 2024-06-19 transaction with one breakdown."""
    money = {"currencyCode": line.amount.currency, "currencyAmount": line.amount.amount}
    related = [
        {"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": group_id}
    ]
    if line.order_id:
        related.append(
            {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": line.order_id}
        )
    transaction: dict[str, Any] = {
        "sellingPartnerMetadata": {"accountType": "PAYABLE", "marketplaceId": "ATVPDKIKX0DER"},
        "relatedIdentifiers": related,
        "transactionType": "Shipment" if line.order_id else "Adjustment",
        "transactionId": f"tx-{line.line_id}",
        "transactionStatus": "RELEASED",
        "description": "Order Payment" if line.order_id else "Adjustment",
        "postedDate": iso(line.posted_at),
        "totalAmount": money,
        "breakdowns": [
            {"breakdownType": _BREAKDOWN.get(line.amount_type, "Other"), "breakdownAmount": money}
        ],
    }
    if line.sku:
        transaction["contexts"] = [{"contextType": "ProductContext", "sku": line.sku}]
    return transaction


class FinancesRoutes:
    """The finances of `AmazonFake` (a mixin)."""

    financial_groups: list[dict[str, Any]]
    financial_events: list[tuple[str, str, dict[str, Any]]]
    """``(group id, list name, event)``, in posting order."""
    transactions: list[dict[str, Any]]
    finance_page_size: int = 100
    empty_finance_pages: bool = False

    def add_financial_group(
        self, group: Mapping[str, Any], events: Mapping[str, Iterable[Mapping[str, Any]]] = {}
    ) -> None:
        """Store a ``FinancialEventGroup`` and its events by list name."""
        group_id = str(group["FinancialEventGroupId"])
        self.financial_groups.append(dict(group))
        for list_name, found in events.items():
            for event in found:
                self.financial_events.append((group_id, list_name, dict(event)))

    def add_transactions(self, transactions: Iterable[Mapping[str, Any]]) -> None:
        """Store 2024-06-19 transactions."""
        self.transactions.extend(dict(t) for t in transactions)

    def add_finances(self, records: Iterable[SettlementRecord]) -> None:
        """Store settlements as groups, one v0 event and one transaction per line."""
        for record in records:
            currency = record.currency
            closed = record.status is not SettlementStatus.OPEN
            group: dict[str, Any] = {
                "FinancialEventGroupId": record.settlement_id,
                "ProcessingStatus": "Closed" if closed else "Open",
                "FundTransferStatus": "Succeeded" if record.status is SettlementStatus.PAID else "",
                "FinancialEventGroupStart": iso(record.period_start),
            }
            if closed:
                group["OriginalTotal"] = _m0(record.total.amount, currency)
                group["FinancialEventGroupEnd"] = iso(record.period_end)
            if record.opening_balance is not None:
                group["BeginningBalance"] = _m0(record.opening_balance.amount, currency)
            if record.payout is not None:
                if record.payout.paid_at is not None:
                    group["FundTransferDate"] = iso(record.payout.paid_at)
                if record.payout.trace_id:
                    group["TraceId"] = record.payout.trace_id
                if record.payout.account_tail:
                    group["AccountTail"] = record.payout.account_tail
            events: dict[str, list[dict[str, Any]]] = {}
            for line in record.lines:
                list_name, event = event_of_line(line)
                events.setdefault(list_name, []).append(event)
            self.add_financial_group(group, events)
            self.add_transactions(
                transaction_of_line(line, record.settlement_id) for line in record.lines
            )

    # -- routes ----------------------------------------------------------------------------

    def _finance_page(
        self, request: FakeRequest, rows: list[Any], token_name: str, size_name: str | None
    ) -> tuple[list[Any], str | None] | httpx.Response:
        fake = cast("AmazonFake", self)
        size = self.finance_page_size
        if size_name and request.params.get(size_name):
            size = min(size, int(request.params[size_name]))
        offset = 0
        if token := request.params.get(token_name):
            state = fake._read_token(token)
            if state is None:
                return fake.expired_page_token_response()
            offset = int(state["after"][1])
        elif self.empty_finance_pages and rows:
            return [], fake._make_token("", ("", "0"))
        chunk = rows[offset : offset + size]
        more = offset + size < len(rows)
        return chunk, fake._make_token("", ("", str(offset + size))) if more else None

    @staticmethod
    def _finance_answer(payload: dict[str, Any]) -> httpx.Response:
        headers = {"content-type": "application/json"}
        return httpx.Response(200, content=dumps_exact({"payload": payload}), headers=headers)

    @route("GET", "/finances/v0/financialEventGroups")
    def list_financial_event_groups(self, request: FakeRequest) -> httpx.Response:
        """``listFinancialEventGroups``: ``payload {FinancialEventGroupList, NextToken}``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        after = request.params.get("FinancialEventGroupStartedAfter")
        if not after and not request.params.get("NextToken"):
            message = "FinancialEventGroupStartedAfter is required."
            return fake.error_response(400, "InvalidInput", message)
        rows = sorted(self.financial_groups, key=lambda g: str(g["FinancialEventGroupId"]))
        if after:
            rows = [g for g in rows if str(g.get("FinancialEventGroupStart")) >= after]
        page = self._finance_page(request, rows, "NextToken", "MaxResultsPerPage")
        if isinstance(page, httpx.Response):
            return page
        chunk, token = page
        payload: dict[str, Any] = {"FinancialEventGroupList": chunk}
        if token:
            payload["NextToken"] = token
        return self._finance_answer(payload)

    def _events_answer(
        self, request: FakeRequest, rows: list[tuple[str, str, dict[str, Any]]]
    ) -> httpx.Response:
        page = self._finance_page(request, rows, "NextToken", "MaxResultsPerPage")
        if isinstance(page, httpx.Response):
            return page
        chunk, token = page
        events: dict[str, list[dict[str, Any]]] = {}
        for _, list_name, event in chunk:
            events.setdefault(list_name, []).append(event)
        payload: dict[str, Any] = {"FinancialEvents": events}
        if token:
            payload["NextToken"] = token
        return self._finance_answer(payload)

    @route("GET", "/finances/v0/financialEventGroups/(?P<group_id>[^/]+)/financialEvents")
    def list_financial_events_by_group_id(self, request: FakeRequest) -> httpx.Response:
        """``listFinancialEventsByGroupId``: the events of one group."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        group_id = request.path_params["group_id"]
        if not any(str(g["FinancialEventGroupId"]) == group_id for g in self.financial_groups):
            return fake.error_response(400, "InvalidInput", "Invalid eventGroupId.")
        return self._events_answer(request, [e for e in self.financial_events if e[0] == group_id])

    @route("GET", "/finances/v0/financialEvents")
    def list_financial_events(self, request: FakeRequest) -> httpx.Response:
        """``listFinancialEvents``: events posted after ``PostedAfter``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        after = request.params.get("PostedAfter")
        if not after and not request.params.get("NextToken"):
            return fake.error_response(400, "InvalidInput", "PostedAfter is required.")
        rows = [e for e in self.financial_events if not after or _posted(e[2]) >= after]
        return self._events_answer(request, rows)

    @route("GET", "/finances/2024-06-19/transactions")
    def list_transactions(self, request: FakeRequest) -> httpx.Response:
        """``listTransactions``: ``payload {transactions, nextToken}``."""
        fake = cast("AmazonFake", self)
        if (denied := fake.check_token(request)) is not None:
            return denied
        params = request.params
        name, value = params.get("relatedIdentifierName"), params.get("relatedIdentifierValue")
        after = params.get("postedAfter")
        if not after and not name and not params.get("nextToken"):
            return fake.error_response(400, "InvalidInput", "postedAfter is required.")
        rows = list(self.transactions)
        if name:
            rows = [
                t
                for t in rows
                if any(
                    r["relatedIdentifierName"] == name and r["relatedIdentifierValue"] == value
                    for r in t.get("relatedIdentifiers", ())
                )
            ]
        elif after:
            rows = [t for t in rows if str(t.get("postedDate")) >= after]
        page = self._finance_page(request, rows, "nextToken", None)
        if isinstance(page, httpx.Response):
            return page
        chunk, token = page
        payload: dict[str, Any] = {"transactions": chunk}
        if token:
            payload["nextToken"] = token
        return self._finance_answer(payload)


def _posted(event: Mapping[str, Any]) -> str:
    return str(event.get("PostedDate") or event.get("postedDate") or "")
