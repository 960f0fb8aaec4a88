"""Shopify Payments in `ShopifyFake`: payouts and balance transactions, paged by cursor."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from retail_canon.models import AmountType, SettlementRecord, SettlementStatus
from retail_canon.testing.shopify._seed import stamp

__all__ = ["Payments"]

_ISSUED = re.compile(r"issued_at:>='?([^' ]+)'?")
_TRANSFER = re.compile(r"payments_transfer_id:(\d+)")

_TYPES = {
    AmountType.PRINCIPAL: ("CHARGE", "CHARGE"),
    AmountType.REFUND: ("REFUND", "REFUND"),
    AmountType.CHARGEBACK: ("DISPUTE_WITHDRAWAL", "DISPUTE"),
    AmountType.RESERVE: ("RESERVED_FUNDS", "SYSTEM_ADJUSTMENT"),
    AmountType.ADJUSTMENT: ("ADJUSTMENT", "ADJUSTMENT"),
    AmountType.TRANSFER: ("TRANSFER", "TRANSFER"),
    AmountType.FEE: ("APPLICATION_FEE", "SYSTEM_ADJUSTMENT"),
}
_STATUS = {
    SettlementStatus.PAID: "PAID",
    SettlementStatus.FAILED: "FAILED",
    SettlementStatus.CLOSED: "SCHEDULED",
    SettlementStatus.OPEN: "SCHEDULED",
}


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currencyCode": currency}


class Payments:
    """Mixed into `ShopifyFake`: ``Payouts`` and ``BalanceTransactions``.

    ``payouts`` maps a payout GID to its node; ``balance_transactions`` a payout GID to
    the nodes of its transactions (the ``PAYOUT`` transfer included). Tests may edit
    both to make a payout that does not add up.
    """

    payouts: dict[str, dict[str, Any]]
    balance_transactions: dict[str, list[dict[str, Any]]]
    _serial: int

    def _op_Payouts(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        rows = sorted(
            self.payouts.values(),
            key=lambda p: (datetime.fromisoformat(p["issuedAt"]), int(p["legacyResourceId"])),
        )
        match = _ISSUED.search(variables.get("query") or "")
        if match:
            since = datetime.fromisoformat(match.group(1))
            rows = [p for p in rows if datetime.fromisoformat(p["issuedAt"]) >= since]
        first, offset = int(variables["first"]), _offset(variables.get("after"))
        page = [dict(p) for p in rows[offset : offset + first]]
        info = {
            "hasNextPage": offset + first < len(rows),
            "endCursor": _cursor(offset + first) if page else None,
        }
        data = {"shopifyPaymentsAccount": {"payouts": {"nodes": page, "pageInfo": info}}}
        return data, 2 + 2 * len(page)

    def _op_BalanceTransactions(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        match = _TRANSFER.search(variables.get("query") or "")
        gid = f"gid://shopify/ShopifyPaymentsPayout/{match.group(1)}" if match else None
        rows = self.balance_transactions.get(gid or "", [])
        first, offset = int(variables["first"]), _offset(variables.get("after"))
        page = [dict(t) for t in rows[offset : offset + first]]
        info = {
            "hasNextPage": offset + first < len(rows),
            "endCursor": _cursor(offset + first) if page else None,
        }
        connection = {"nodes": page, "pageInfo": info}
        return {"shopifyPaymentsAccount": {"balanceTransactions": connection}}, 2 + 5 * len(page)

    def put_settlements(self, records: Iterable[SettlementRecord]) -> None:
        """Seed payouts from settlement records (``shopify-payout-<n>`` is payout ``<n>``).

        Each line becomes a balance transaction (a ``<line>-fee`` line becomes the fee of
        ``<line>``), and a ``PAYOUT`` transaction moves the total out.
        """
        for record in records:
            tail = record.settlement_id.rsplit("-", 1)[-1]
            if not tail.isdigit():
                self._serial += 1
                tail = str(900000 + self._serial)
            gid = f"gid://shopify/ShopifyPaymentsPayout/{tail}"
            currency = record.currency
            issued = (record.payout and record.payout.paid_at) or record.period_end
            issued = issued or record.period_start
            total = record.total.amount
            self.payouts[gid] = {
                "id": gid,
                "legacyResourceId": tail,
                "issuedAt": stamp(issued),
                "status": _STATUS.get(SettlementStatus(record.status), "SCHEDULED"),
                "transactionType": "DEPOSIT" if total >= 0 else "WITHDRAWAL",
                "externalTraceId": record.payout.trace_id if record.payout else None,
                "net": _money(abs(total), currency),
            }
            fees = {
                line.line_id.removesuffix("-fee"): -line.amount.amount
                for line in record.lines
                if line.line_id.endswith("-fee")
            }
            transactions = []
            for line in record.lines:
                if line.line_id.endswith("-fee"):
                    continue
                number = line.line_id.rsplit("-", 1)[-1]
                if not number.isdigit():
                    self._serial += 1
                    number = str(700000 + self._serial)
                kind, source = _TYPES.get(AmountType(line.amount_type), ("OTHER", "ADJUSTMENT"))
                fee = fees.get(line.line_id, Decimal(0))
                order = line.order_id.removeprefix("shopify-") if line.order_id else None
                transactions.append(
                    {
                        "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{number}",
                        "type": kind,
                        "test": False,
                        "transactionDate": stamp(line.posted_at or record.period_start),
                        "sourceType": source,
                        "sourceId": next(
                            (r.value for r in line.refs if r.scheme == "refund_id"), None
                        ),
                        "sourceOrderTransactionId": None,
                        "adjustmentReason": None,
                        "amount": _money(line.amount.amount, currency),
                        "fee": _money(fee, currency),
                        "net": _money(line.amount.amount - fee, currency),
                        "associatedOrder": {"id": f"gid://shopify/Order/{order}"}
                        if order
                        else None,
                    }
                )
            self._serial += 1
            payout_tx = 800000 + self._serial
            transactions.append(
                {
                    "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{payout_tx}",
                    "type": "PAYOUT",
                    "test": False,
                    "transactionDate": stamp(issued),
                    "sourceType": "TRANSFER",
                    "sourceId": tail,
                    "sourceOrderTransactionId": None,
                    "adjustmentReason": None,
                    "amount": _money(-total, currency),
                    "fee": _money(Decimal(0), currency),
                    "net": _money(-total, currency),
                    "associatedOrder": None,
                }
            )
            self.balance_transactions[gid] = transactions
