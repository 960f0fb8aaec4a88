"""`DemoConnector`: the connector for `DemoVendorFake`, and a reference implementation.

It is what a vendor connector looks like on the framework: a configuration model with
secrets as `SecretStr`, an auth hook, one `ReadStream` and one `WriteOperation`, and the
capability methods delegating to ``read``/``aread``/``write``/``awrite``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, SecretStr

from retail_canon.connectors import (
    AsyncRecords,
    AuthProvider,
    Checkpoint,
    ConnectorConfig,
    HttpConnector,
    OAuth2RefreshToken,
    OrderSink,
    OrderSource,
    Page,
    RateLimitHeader,
    ReadStream,
    Records,
    RequestSpec,
    SignalReader,
    TokenCountHeaders,
    WriteOperation,
    WriteReport,
)
from retail_canon.testing._demo import DemoVendorFake, order_from_vendor, order_to_vendor

if TYPE_CHECKING:
    import httpx

    from retail_canon.models import SalesOrder

__all__ = ["DemoConfig", "DemoConnector"]


class DemoConfig(ConnectorConfig):
    """Configuration of `DemoConnector`."""

    base_url: str = DemoVendorFake.base_url
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    refresh_token: SecretStr
    page_size: int = Field(default=50, ge=1, le=100)


class _Orders(ReadStream["SalesOrder"]):
    operation = "listOrders"
    path = "/v1/orders"
    expired_token_codes = frozenset({"ExpiredPageToken"})

    def params(self, *, start: Any, page_token: str | None) -> Mapping[str, Any]:
        config: DemoConfig = self.connector.config
        params: dict[str, Any] = {"page_size": config.page_size}
        if page_token:
            params["page_token"] = page_token
        elif start is not None:
            params["updated_after"] = start.isoformat()
        return params

    def parse_page(self, body: Any, response: httpx.Response) -> Page:
        return Page(body["orders"], body.get("next_token"))

    def to_canonical(self, record: Any) -> SalesOrder:
        order: SalesOrder = order_from_vendor(record)
        return order

    def checkpoint_value(self, record: Any) -> datetime:
        return datetime.fromisoformat(record["updated_at"])


class _CreateOrder(WriteOperation["SalesOrder"]):
    operation = "createOrder"

    def request(self, item: SalesOrder) -> RequestSpec:
        return RequestSpec("POST", "/v1/orders", self.operation, json=order_to_vendor(item))


class DemoConnector(HttpConnector[DemoConfig], OrderSource, OrderSink):
    """Reads and writes orders of the demo vendor (`DemoVendorFake`)."""

    name = "demo"
    config_model = DemoConfig
    rate_limit_signals: ClassVar[tuple[SignalReader, ...]] = (
        RateLimitHeader(),
        TokenCountHeaders(),
    )

    def auth(self) -> AuthProvider:
        """The refresh-token grant at ``{base_url}/oauth/token``."""
        config: DemoConfig = self.config
        return OAuth2RefreshToken(
            token_url=f"{config.base_url.rstrip('/')}/oauth/token",
            client_id=config.client_id,
            client_secret=config.client_secret,
            refresh_token=config.refresh_token,
        )

    def read_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> Records[SalesOrder]:
        """Orders updated at or after ``since``, or after ``checkpoint``."""
        return self.read(_Orders(self), since=since, checkpoint=checkpoint)

    def aread_orders(
        self, *, since: datetime | None = None, checkpoint: Checkpoint | None = None
    ) -> AsyncRecords[SalesOrder]:
        """Async twin of `read_orders`."""
        return self.aread(_Orders(self), since=since, checkpoint=checkpoint)

    def write_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Create each order (idempotently)."""
        return self.write(_CreateOrder(self), orders)

    async def awrite_orders(self, orders: Iterable[SalesOrder]) -> WriteReport:
        """Async twin of `write_orders`."""
        return await self.awrite(_CreateOrder(self), orders)
