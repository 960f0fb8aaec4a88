"""The write operations, each run inside one store transaction that holds the ref's lock.

Every operation checks before it writes: a conflict or a bad effective date raises before
the first statement that changes anything, and the transaction is rolled back anyway.
An operation that changes nothing (linking a ref to the id it already has) writes nothing,
not even an audit entry.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, TypeVar

from retail_canon.models import ExternalRef
from retail_canon.xref._errors import (
    EffectiveDateError,
    XrefConflict,
    XrefInputError,
    XrefStoreError,
)
from retail_canon.xref._schemes import Key
from retail_canon.xref._store import (
    AuditDraft,
    LinkRow,
    RetryableStoreError,
    StoreWriter,
    XrefStore,
)
from retail_canon.xref._types import Canonical, Link

__all__ = [
    "Outcome",
    "WriteContext",
    "do_link",
    "do_relink",
    "do_unlink",
    "link_of",
    "ref_of",
    "run_write",
    "text_arg",
]

T = TypeVar("T")
ATTEMPTS = 8
"""How many times a write transaction that lost a race is run."""

Outcome = Literal["added", "changed", "unchanged"]


def ref_of(key: Key) -> ExternalRef:
    """The `ExternalRef` of a normalised key."""
    return ExternalRef(system=key.system, scheme=key.scheme, value=key.value, scope=key.scope)


def link_of(row: LinkRow) -> Link:
    """The public `Link` of a store row."""
    return Link(row.entity, row.canonical_id, ref_of(row.key), row.valid_from, row.valid_to)


def text_arg(value: str, what: str) -> str:
    """``value`` trimmed; `XrefInputError` unless it is a non-empty string."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        msg = f"{what} must be a non-empty string, not {value!r}"
        raise XrefInputError(msg)
    return text


@dataclass(frozen=True)
class WriteContext:
    """Who writes, why, and the transaction's wall-clock time."""

    actor: str
    reason: str
    now: datetime


def run_write(
    store: XrefStore,
    op: Callable[[StoreWriter, WriteContext], T],
    ctx: WriteContext,
    now: Callable[[], datetime],
) -> T:
    """Run ``op`` in a write transaction, again (with a fresh ``now``) if it lost a race."""
    ctx = WriteContext(text_arg(ctx.actor, "actor"), text_arg(ctx.reason, "reason"), ctx.now)
    for attempt in range(ATTEMPTS):
        try:
            with store.write() as writer:
                return op(writer, ctx)
        except RetryableStoreError as exc:
            if attempt == ATTEMPTS - 1:
                msg = f"{store!r}: write failed {ATTEMPTS} times: {exc}"
                raise XrefStoreError(msg) from exc
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
            ctx = replace(ctx, now=now())
    raise AssertionError("unreachable")  # pragma: no cover


def _not_future(key: Key, at: datetime, now: datetime) -> None:
    if at > now:
        msg = f"{key.scheme} {key.value!r}: effective date {at.isoformat()} is in the future"
        raise EffectiveDateError(msg)


def _start(key: Key, at: datetime | None, now: datetime, latest: LinkRow | None) -> datetime:
    """When a new link starts: ``at``, or now (never before the ref's last link ended)."""
    last_end = latest.valid_to if latest is not None else None
    if at is None:
        return max(now, last_end) if last_end is not None else now
    _not_future(key, at, now)
    if last_end is not None and at < last_end:
        assert latest is not None
        msg = (
            f"{key.scheme} {key.value!r}: was linked to {latest.entity} "
            f"{latest.canonical_id!r} until {last_end.isoformat()}; a new link cannot start "
            f"at {at.isoformat()}, before that"
        )
        raise EffectiveDateError(msg)
    return at


def _end(key: Key, at: datetime | None, now: datetime, current: LinkRow) -> datetime:
    """When the open link ``current`` ends: ``at``, or now (never before it started)."""
    if at is None:
        return max(now, current.valid_from)
    _not_future(key, at, now)
    if at < current.valid_from:
        msg = (
            f"{key.scheme} {key.value!r}: the link to {current.entity} "
            f"{current.canonical_id!r} started at {current.valid_from.isoformat()}; it "
            f"cannot end at {at.isoformat()}, before that"
        )
        raise EffectiveDateError(msg)
    return at


def do_link(
    w: StoreWriter, key: Key, owner: Canonical, at: datetime | None, ctx: WriteContext
) -> tuple[Link, Outcome]:
    """Link ``key`` to ``owner``; `XrefConflict` if it is linked to another id."""
    ref_id = w.lock_ref(key, create=True)
    assert ref_id is not None
    latest = w.latest_link(ref_id)
    if latest is not None and latest.valid_to is None:
        if latest.canonical == owner:
            return link_of(latest), "unchanged"
        raise XrefConflict(ref_of(key), latest.canonical, owner)
    start = _start(key, at, ctx.now, latest)
    link_id = w.insert_link(ref_id, owner, start)
    w.append_audit(
        AuditDraft(ctx.now, ctx.actor, ctx.reason, "link", ref_id, link_id, None, owner, start)
    )
    return Link(owner.entity, owner.canonical_id, ref_of(key), start, None), "added"


def do_unlink(
    w: StoreWriter, key: Key, owner: Canonical, at: datetime | None, ctx: WriteContext
) -> tuple[Link | None, Outcome]:
    """Close ``key``'s open link to ``owner``; `XrefConflict` if it points elsewhere."""
    ref_id = w.lock_ref(key, create=False)
    latest = w.latest_link(ref_id) if ref_id is not None else None
    if ref_id is None or latest is None or latest.valid_to is not None:
        return None, "unchanged"
    if latest.canonical != owner:
        raise XrefConflict(ref_of(key), latest.canonical, owner)
    end = _end(key, at, ctx.now, latest)
    w.close_link(latest.link_id, end)
    w.append_audit(
        AuditDraft(
            ctx.now, ctx.actor, ctx.reason, "unlink", ref_id, latest.link_id, owner, None, end
        )
    )
    return replace(link_of(latest), valid_to=end), "changed"


def do_relink(
    w: StoreWriter, key: Key, owner: Canonical, at: datetime | None, ctx: WriteContext
) -> tuple[Link, Outcome, Canonical | None]:
    """Point ``key`` at ``owner``, closing its link to another id at the same instant."""
    ref_id = w.lock_ref(key, create=True)
    assert ref_id is not None
    latest = w.latest_link(ref_id)
    if latest is None or latest.valid_to is not None:
        link, outcome = do_link(w, key, owner, at, ctx)
        return link, outcome, None
    if latest.canonical == owner:
        return link_of(latest), "unchanged", owner
    switch = _end(key, at, ctx.now, latest)
    w.close_link(latest.link_id, switch)
    link_id = w.insert_link(ref_id, owner, switch)
    w.append_audit(
        AuditDraft(
            ctx.now, ctx.actor, ctx.reason, "link", ref_id, link_id, latest.canonical, owner, switch
        )
    )
    link = Link(owner.entity, owner.canonical_id, ref_of(key), switch, None)
    return link, "changed", latest.canonical
