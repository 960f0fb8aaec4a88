"""The store protocol: what the resolver needs from a database, and what both stores share.

A store keeps three tables: refs (one row per normalised ref), links (effective-dated,
``valid_from`` inclusive, ``valid_to`` exclusive, ``NULL`` while open) and an append-only
audit. The database itself enforces the integrity rules, so that no client, ours or a
hand-written one, can break them:

* one row per ref (unique ``system, scheme, scope, value``; no scope is stored as ``''``);
* at most one open link per ref (a partial unique index) and no two links of one ref with
  overlapping validity (an exclusion constraint on PostgreSQL, a trigger on SQLite, where
  writers are serialised);
* a link may only be closed, once; links and audit entries are never deleted, audit
  entries never updated (triggers).

Schema changes are numbered migrations, applied in order when a store opens.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, NamedTuple, Protocol

from retail_canon._exceptions import NaiveTimestamp
from retail_canon.xref._errors import SchemaVersionError
from retail_canon.xref._schemes import Key
from retail_canon.xref._types import Canonical

__all__ = [
    "AuditDraft",
    "AuditRow",
    "ConstraintViolation",
    "LinkRow",
    "Migration",
    "RetryableStoreError",
    "StoreWriter",
    "TargetRow",
    "XrefStore",
    "aware_utc",
    "pending_migrations",
]


class LinkRow(NamedTuple):
    """A link as a store returns it (``scope`` ``None`` when unscoped)."""

    link_id: int
    system: str
    scheme: str
    value: str
    scope: str | None
    entity: str
    canonical_id: str
    valid_from: datetime
    valid_to: datetime | None

    @property
    def key(self) -> Key:
        """The ref of the link."""
        return Key(self.system, self.scheme, self.value, self.scope)

    @property
    def canonical(self) -> Canonical:
        """What the link points to."""
        return Canonical(self.entity, self.canonical_id)


TargetRow = tuple[int, str, str, str | None, str | None, str | None, str | None]
"""What `XrefStore.resolve_keys` returns per row: the key's position in the request, its
``entity`` and ``canonical_id``, then the ref of one other link of that object: ``system``,
``scheme``, ``value`` and ``scope`` (``''`` when unscoped); the four are ``None`` for a ref
outside the target system, or when there is no other link or no target system."""


class AuditDraft(NamedTuple):
    """An audit entry to append."""

    recorded_at: datetime
    actor: str
    reason: str
    action: Literal["link", "unlink"]
    ref_id: int
    link_id: int
    before: Canonical | None
    after: Canonical | None
    effective_at: datetime


class AuditRow(NamedTuple):
    """An audit entry as a store returns it."""

    id: int
    recorded_at: datetime
    actor: str
    reason: str
    action: Literal["link", "unlink"]
    key: Key
    before: Canonical | None
    after: Canonical | None
    effective_at: datetime


class RetryableStoreError(Exception):
    """The write transaction lost a race (serialisation failure, lock timeout): run it again."""


class ConstraintViolation(RetryableStoreError):
    """The database refused a write under one of its integrity rules.

    The resolver checks the rules before writing, inside a transaction that holds the ref's
    lock, so this only happens when another writer got there first in a way the checks
    could not see; running the transaction again turns it into a typed answer.
    """


class StoreWriter(Protocol):
    """The operations of one write transaction. A ref is locked before it is read."""

    def lock_ref(self, key: Key, *, create: bool) -> int | None:
        """Lock ``key``'s row for this transaction, creating it if asked; its id or ``None``."""
        ...

    def latest_link(self, ref_id: int) -> LinkRow | None:
        """The ref's latest link: the open one, or the one closed last."""
        ...

    def insert_link(self, ref_id: int, owner: Canonical, valid_from: datetime) -> int:
        """Open a link; its id."""
        ...

    def close_link(self, link_id: int, valid_to: datetime) -> None:
        """Close an open link."""
        ...

    def append_audit(self, draft: AuditDraft) -> None:
        """Append an audit entry."""
        ...


class XrefStore(Protocol):
    """What `XrefResolver` needs from a store; `SQLiteStore` and `PostgresStore` provide it.

    Reads with ``at=None`` see the open links; with a timestamp, the links valid at it.
    """

    def find_links(
        self, keys: Sequence[Key], *, at: datetime | None, any_system: bool = False
    ) -> list[list[LinkRow]]:
        """The links of each key (with ``any_system``: of its value in every system)."""
        ...

    def resolve_keys(
        self, keys: Sequence[Key], *, at: datetime | None, system: str | None, scheme: str | None
    ) -> list[list[TargetRow]]:
        """The hot path of `XrefResolver.resolve_many`, one query per batch of keys.

        Per key: no row when it is not linked; else rows naming its canonical object, with
        the refs of the object's other links in ``system`` (and ``scheme``).
        """
        ...

    def find_refs(
        self,
        owners: Sequence[Canonical],
        *,
        at: datetime | None,
        system: str | None = None,
        scheme: str | None = None,
    ) -> list[list[LinkRow]]:
        """The links pointing to each canonical object, optionally of one system/scheme."""
        ...

    def history(self, key: Key) -> list[LinkRow]:
        """Every link the ref ever had, oldest first."""
        ...

    def audit(self, *, key: Key | None = None, owner: Canonical | None = None) -> list[AuditRow]:
        """Audit entries, oldest first, optionally of one ref or one canonical object."""
        ...

    def all_links(self, *, at: datetime | None) -> Iterator[LinkRow]:
        """Every link in force (open, or valid at ``at``), sorted by canonical object and ref."""
        ...

    def read(self) -> AbstractContextManager[None]:
        """A block whose reads all see one consistent state of the store."""
        ...

    def write(self) -> AbstractContextManager[StoreWriter]:
        """A write transaction: committed when the block ends, rolled back on an exception."""
        ...

    def change_token(self) -> object:
        """A value that changes whenever the data may have changed since it was taken.

        It must change after writes through any other store object of this process; a
        store that can also see other processes' writes cheaply (SQLite) folds them in.
        """
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


@dataclass(frozen=True)
class Migration:
    """One numbered schema change: the statements run in one transaction."""

    version: int
    description: str
    statements: tuple[str, ...]


def pending_migrations(
    migrations: Sequence[Migration], current: int, where: str
) -> list[Migration]:
    """The migrations newer than ``current``; refuses a database newer than the code."""
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        msg = f"migrations must be numbered 1, 2, 3, ...: {versions}"
        raise ValueError(msg)
    if current > len(versions):
        msg = (
            f"{where}: the xref schema is at version {current}, newer than the latest this "
            f"retail_canon knows ({len(versions)}); upgrade retail_canon"
        )
        raise SchemaVersionError(msg)
    return list(migrations[current:])


def aware_utc(value: datetime, what: str) -> datetime:
    """``value`` in UTC; a naive datetime is refused with `NaiveTimestamp`."""
    if value.tzinfo is None or value.utcoffset() is None:
        msg = f"{what} {value.isoformat()!r} has no time zone"
        raise NaiveTimestamp(msg)
    return value.astimezone(UTC)
