"""KPIs computed from envelopes, audit entries and exception records.

Plain functions over what the other building blocks already hold, so they run on a
trail read back from either store, in a batch job or a dashboard.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from retail_canon.workflow._audit import AuditEntry
from retail_canon.workflow._envelope import Envelope
from retail_canon.workflow._exception_queue import ExceptionRecord, ExceptionStatus, ReplayReport

__all__ = [
    "DurationStats",
    "duplicate_rate",
    "exception_resolution_time",
    "interface_failure_rate",
    "inventory_freshness",
    "replay_volume",
    "step_latency",
]


@dataclass(frozen=True, slots=True)
class DurationStats:
    """Count, mean, nearest-rank p50 / p95 and max of a set of durations."""

    count: int
    mean: timedelta
    p50: timedelta
    p95: timedelta
    max: timedelta

    @classmethod
    def of(cls, durations: Iterable[timedelta]) -> DurationStats:
        values = sorted(durations)
        if not values:
            zero = timedelta(0)
            return cls(0, zero, zero, zero, zero)

        def rank(p: float) -> timedelta:
            return values[max(0, math.ceil(p * len(values)) - 1)]

        mean = sum(values, timedelta(0)) / len(values)
        return cls(len(values), mean, rank(0.50), rank(0.95), values[-1])


def step_latency(entries: Iterable[AuditEntry], start: str, end: str) -> DurationStats:
    """Time from the first ``start`` step to the first ``end`` step, per correlation id.

    Order processing latency is ``step_latency(trail, "ingested", "erp_posted")``; shipment
    status propagation time is e.g. ``("shipment_confirmed", "channel_confirmed")``. Flows
    that have not reached ``end`` are left out.
    """
    first: dict[tuple[str, str], datetime] = {}
    for entry in entries:
        if entry.step in (start, end) and entry.status == "ok":
            first.setdefault((entry.correlation_id, entry.step), entry.recorded_at)
    return DurationStats.of(
        first[(corr, end)] - began
        for (corr, step), began in first.items()
        if step == start and (corr, end) in first
    )


def interface_failure_rate(entries: Iterable[AuditEntry]) -> float:
    """Share of audit entries whose status is not ``"ok"`` (0.0 for an empty trail)."""
    statuses = [entry.status for entry in entries]
    return sum(1 for s in statuses if s != "ok") / len(statuses) if statuses else 0.0


def duplicate_rate(envelopes: Iterable[Envelope]) -> float:
    """Share of deliveries that repeat an earlier (source, idempotency key)."""
    keys = [(env.source, env.idempotency_key) for env in envelopes]
    return (len(keys) - len(set(keys))) / len(keys) if keys else 0.0


def replay_volume(reports: Iterable[ReplayReport]) -> int:
    """Records handed to replay handlers, over the given replay runs."""
    return sum(report.attempted for report in reports)


def exception_resolution_time(records: Iterable[ExceptionRecord]) -> DurationStats:
    """Time from queueing to resolution, over the resolved records."""
    return DurationStats.of(
        rec.resolved_at - rec.created_at
        for rec in records
        if rec.status is ExceptionStatus.RESOLVED and rec.resolved_at is not None
    )


def inventory_freshness(
    envelopes: Iterable[Envelope], now: datetime, *, type_prefix: str = ""
) -> dict[tuple[str, str | None], timedelta]:
    """Age of the newest event per (source, subject), e.g. per location's stock feed.

    Only envelopes whose ``type`` starts with ``type_prefix`` count.
    """
    newest: dict[tuple[str, str | None], datetime] = {}
    for env in envelopes:
        if env.type.startswith(type_prefix):
            key = (env.source, env.subject)
            if key not in newest or env.time > newest[key]:
                newest[key] = env.time
    return {key: now - when for key, when in sorted(newest.items(), key=lambda kv: str(kv[0]))}
