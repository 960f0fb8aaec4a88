"""Bulk operations of `ShopifyFake`: ``bulkOperationRunQuery``, polling, the JSONL file."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from retail_canon.testing._fake import FakeRequest, route

if TYPE_CHECKING:
    from retail_canon.testing._clock import FakeClock

__all__ = ["BulkOperations"]

_SINCE = re.compile(r"updated_at:>='?([^' ]+)'?")


class BulkOperations:
    """Mixed into `ShopifyFake`: a bulk query finishes ``bulk_seconds`` after it starts."""

    clock: FakeClock
    orders: dict[str, dict[str, Any]]
    bulk_seconds: float
    bulk_operations: dict[str, dict[str, Any]]
    _serial: int

    def _op_BulkRun(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        self._serial += 1
        gid = f"gid://shopify/BulkOperation/{self._serial}"
        match = _SINCE.search(variables["query"])
        self.bulk_operations[gid] = {
            "since": match.group(1) if match else None,
            "started": self.clock.monotonic(),
        }
        payload = {"bulkOperation": {"id": gid, "status": "CREATED"}, "userErrors": []}
        return {"bulkOperationRunQuery": payload}, 10

    def _op_BulkStatus(self, variables: dict[str, Any], version: str) -> tuple[Any, float]:
        gid = variables["id"]
        op = self.bulk_operations[gid]
        done = self.clock.monotonic() - op["started"] >= self.bulk_seconds
        rows = self._bulk_rows(op["since"])
        node = {
            "id": gid,
            "status": "COMPLETED" if done else "RUNNING",
            "errorCode": None,
            "objectCount": str(len(rows)) if done else "0",
            "url": f"https://storage.rc-test.example/bulk/{gid.rsplit('/', 1)[-1]}.jsonl"
            if done and rows
            else None,
        }
        return {"node": node}, 1

    def _bulk_rows(self, since: str | None) -> list[dict[str, Any]]:
        orders = sorted(
            self.orders.values(),
            key=lambda o: (datetime.fromisoformat(o["updatedAt"]), int(o["id"].rsplit("/")[-1])),
        )
        if since:
            start = datetime.fromisoformat(since)
            orders = [o for o in orders if datetime.fromisoformat(o["updatedAt"]) >= start]
        rows: list[dict[str, Any]] = []
        for order in orders:
            rows.append({k: v for k, v in order.items() if k != "lineItems"})
            rows.extend({**item, "__parentId": order["id"]} for item in order["lineItems"]["nodes"])
        return rows

    @route("GET", r"/bulk/(?P<serial>\d+)\.jsonl")
    def bulk_result(self, request: FakeRequest) -> httpx.Response:
        """The JSONL file of a finished bulk operation (a signed URL: no access token)."""
        gid = f"gid://shopify/BulkOperation/{request.path_params['serial']}"
        op = self.bulk_operations.get(gid)
        if op is None:
            return httpx.Response(404)
        lines = "".join(json.dumps(row) + "\n" for row in self._bulk_rows(op["since"]))
        return httpx.Response(
            200, content=lines.encode(), headers={"content-type": "application/jsonl"}
        )
