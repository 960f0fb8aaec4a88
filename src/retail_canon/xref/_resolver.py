"""`XrefResolver`: link external refs to canonical ids, and resolve them across systems."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar

from retail_canon.models import ExternalRef
from retail_canon.xref import _csv
from retail_canon.xref._cache import ResolutionCache
from retail_canon.xref._errors import EffectiveDateError, ImportRejected, XrefInputError
from retail_canon.xref._lookup import lookup_direct, resolve_chain_many
from retail_canon.xref._schemes import Key, Scheme, SchemeRegistry
from retail_canon.xref._store import StoreWriter, XrefStore, aware_utc
from retail_canon.xref._types import (
    AuditEntry,
    Canonical,
    FallbackChain,
    Link,
    Resolution,
)
from retail_canon.xref._writes import (
    WriteContext,
    do_link,
    do_relink,
    do_unlink,
    link_of,
    ref_of,
    run_write,
    text_arg,
)

__all__ = ["XrefResolver"]

T = TypeVar("T")


class _DryRun(Exception):
    """Raised inside a dry run's transaction so that it rolls back."""


def _name(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    name = value.strip().lower()
    if not name:
        msg = f"{what} is empty"
        raise XrefInputError(msg)
    return name


class XrefResolver:
    """The cross-reference resolver: durable, audited links between external refs and ids.

    Args:
        store: where links live: `SQLiteStore` or `PostgresStore` (any `XrefStore`).
        schemes: the schemes refs may use (default `DEFAULT_SCHEMES`).
        cache_size: how many resolutions to keep in memory (``0``: no cache).
        cache_ttl: seconds after which cached resolutions are dropped (``None``: never).
            Writes made through this process are seen at once, and on SQLite writes by other
            processes too; set a ttl when other processes write to a `PostgresStore`.
        clock: returns the current time (aware); for tests.

    A resolver does not own its store: close the store yourself. Like its store, a
    resolver belongs to one thread.
    """

    def __init__(
        self,
        store: XrefStore,
        *,
        schemes: Iterable[Scheme] | SchemeRegistry | None = None,
        cache_size: int = 100_000,
        cache_ttl: float | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        if isinstance(schemes, SchemeRegistry):
            self.schemes = schemes
        else:
            self.schemes = SchemeRegistry() if schemes is None else SchemeRegistry(schemes)
        self._cache = ResolutionCache(cache_size, cache_ttl, store.change_token)
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- helpers -------------------------------------------------------------------------

    def normalise(self, ref: ExternalRef) -> ExternalRef:
        """``ref`` as it is stored: normalised value, checked scope.

        Raises:
            XrefInputError: an `UnknownScheme`, `MissingScope`, `UnexpectedScope` or
                `MalformedValue`.
        """
        return ref_of(self.schemes.key(ref))

    def clear_cache(self) -> None:
        """Forget every cached resolution."""
        self._cache.clear()

    def _now(self) -> datetime:
        return aware_utc(self._clock(), "clock()")

    def _at(self, at: datetime | None, *, write: bool = False) -> datetime | None:
        if at is None:
            return None
        value = aware_utc(at, "at")
        if write and value > self._now():
            msg = f"effective date {value.isoformat()} is in the future"
            raise EffectiveDateError(msg)
        return value

    def _write(self, op: Callable[[StoreWriter, WriteContext], T], actor: str, reason: str) -> T:
        try:
            return run_write(self.store, op, WriteContext(actor, reason, self._now()), self._now)
        finally:
            self._cache.clear()

    def _target(
        self, entity: str, canonical_id: str, ref: ExternalRef, at: datetime | None
    ) -> tuple[Key, Canonical, datetime | None]:
        owner = Canonical(text_arg(entity, "entity"), text_arg(canonical_id, "canonical_id"))
        return self.schemes.key(ref), owner, self._at(at, write=True)

    # -- writes --------------------------------------------------------------------------

    def link(
        self,
        entity: str,
        canonical_id: str,
        ref: ExternalRef,
        *,
        actor: str,
        reason: str,
        at: datetime | None = None,
    ) -> Link:
        """Link ``ref`` to ``(entity, canonical_id)``; nothing is written if it already is.

        Args:
            entity: the kind of object (``product``, ``order``, ...).
            canonical_id: its canonical id.
            ref: the external ref; normalised before it is stored.
            actor: who makes the change (recorded in the audit).
            reason: why (recorded in the audit).
            at: when the link takes effect (default: now); not in the future, and not
                before the ref's previous link ended.

        Returns:
            The open link.

        Raises:
            XrefConflict: the ref is linked to another canonical id (use `relink`).
            XrefInputError: bad input; nothing was written.
        """
        key, owner, when = self._target(entity, canonical_id, ref, at)
        return self._write(lambda w, ctx: do_link(w, key, owner, when, ctx)[0], actor, reason)

    def unlink(
        self,
        entity: str,
        canonical_id: str,
        ref: ExternalRef,
        *,
        actor: str,
        reason: str,
        at: datetime | None = None,
    ) -> Link | None:
        """End ``ref``'s link to ``(entity, canonical_id)`` (at ``at``, default now).

        Returns:
            The closed link, or ``None`` if the ref was not linked (nothing written).

        Raises:
            XrefConflict: the ref is linked to another canonical id.
            XrefInputError: bad input; nothing was written.
        """
        key, owner, when = self._target(entity, canonical_id, ref, at)
        return self._write(lambda w, ctx: do_unlink(w, key, owner, when, ctx)[0], actor, reason)

    def relink(
        self,
        entity: str,
        canonical_id: str,
        ref: ExternalRef,
        *,
        actor: str,
        reason: str,
        at: datetime | None = None,
    ) -> Link:
        """Point ``ref`` at ``(entity, canonical_id)``, ending its link to another id.

        The old link ends when the new one starts (``at``, default now): a reused barcode.
        """
        key, owner, when = self._target(entity, canonical_id, ref, at)
        return self._write(lambda w, ctx: do_relink(w, key, owner, when, ctx)[0], actor, reason)

    # -- resolution ----------------------------------------------------------------------

    def resolve(
        self,
        ref: ExternalRef,
        *,
        to_system: str | None = None,
        to_scheme: str | None = None,
        at: datetime | None = None,
    ) -> Resolution:
        """What ``ref`` means: its canonical id and, with ``to_system``, its ref there.

        Args:
            ref: the external ref to look up.
            to_system: the system whose ref of the same object is wanted (e.g. ``erp``);
                ``None`` for the canonical id only. The looked-up ref itself never counts.
            to_scheme: only refs of this scheme in ``to_system``.
            at: answer as of this time ("what did this barcode mean on date D");
                default: the links in force now.

        Returns:
            A `Resolution`: ``none``, ``one`` or ``conflict``, never an exception for
            "not found".

        Raises:
            XrefInputError: the ref is malformed (unknown scheme, missing scope, ...).
        """
        return self.resolve_many([ref], to_system=to_system, to_scheme=to_scheme, at=at)[0]

    def resolve_many(
        self,
        refs: Iterable[ExternalRef],
        *,
        to_system: str | None = None,
        to_scheme: str | None = None,
        at: datetime | None = None,
    ) -> list[Resolution]:
        """`resolve` for many refs in a few queries; the answers are in the order of ``refs``.

        Raises:
            XrefInputError: one of the refs is malformed (nothing is resolved).
        """
        system, scheme = _name(to_system, "to_system"), _name(to_scheme, "to_scheme")
        if scheme is not None and scheme not in self.schemes:
            self.schemes.key_of("any", scheme, "", None)  # raises UnknownScheme
        when = self._at(at)
        cache = self._cache
        if when is None:
            cache.refresh()
        refs = refs if isinstance(refs, list) else list(refs)
        raws = [(r.system, r.scheme, r.value, r.scope, system, scheme) for r in refs]
        out: list[Resolution | None] = (
            cache.get_many(raws) if when is None and cache.size else [None] * len(raws)
        )
        first: dict[tuple[str, str, str, str | None, str | None, str | None], int] = {}
        repeats: list[int] = []  # positions of a ref asked for earlier in the same call
        for i, hit in enumerate(out):
            if hit is None and first.setdefault(raws[i], i) != i:
                repeats.append(i)
        if first:
            key_of = self.schemes.key_of
            keys: list[Key] = []
            matched: list[ExternalRef] = []
            for raw, i in first.items():
                key = key_of(raw[0], raw[1], raw[2], raw[3])
                keys.append(key)
                matched.append(refs[i] if key == raw[:4] else ref_of(key))  # normal: reuse
            answers = lookup_direct(
                self.store, keys, matched, to_system=system, to_scheme=scheme, at=when
            )
            for i, answer in zip(first.values(), answers, strict=True):
                out[i] = answer
            for i in repeats:
                out[i] = out[first[raws[i]]]
            if when is None:
                cache.put_many(zip(first, answers, strict=True))
        return out  # type: ignore[return-value]

    def resolve_chain(
        self,
        chain: FallbackChain,
        refs: Iterable[ExternalRef],
        *,
        to_system: str | None = None,
        to_scheme: str | None = None,
        at: datetime | None = None,
    ) -> Resolution:
        """Resolve a line known by several refs, trying ``chain``'s steps in order.

        The first step whose refs identify a canonical object answers, and its name is
        the resolution's ``rule``; steps tried before it are in ``tried``.
        """
        line = [tuple(refs)]
        return self.resolve_chain_many(
            chain, line, to_system=to_system, to_scheme=to_scheme, at=at
        )[0]

    def resolve_chain_many(
        self,
        chain: FallbackChain,
        lines: Iterable[Iterable[ExternalRef]],
        *,
        to_system: str | None = None,
        to_scheme: str | None = None,
        at: datetime | None = None,
    ) -> list[Resolution]:
        """`resolve_chain` for many lines, step by step in a few queries; in input order."""
        system, scheme = _name(to_system, "to_system"), _name(to_scheme, "to_scheme")
        todo = [tuple(line) for line in lines]
        return resolve_chain_many(
            self.store,
            self.schemes,
            chain,
            todo,
            to_system=system,
            to_scheme=scheme,
            at=self._at(at),
        )

    # -- reading links and audit ---------------------------------------------------------

    def refs_of(
        self, entity: str, canonical_id: str, *, at: datetime | None = None
    ) -> tuple[Link, ...]:
        """The links of one canonical object in force now (or at ``at``), by system and scheme."""
        owner = Canonical(text_arg(entity, "entity"), text_arg(canonical_id, "canonical_id"))
        rows = self.store.find_refs([owner], at=self._at(at))[0]
        return tuple(
            link_of(row)
            for row in sorted(rows, key=lambda r: (r.system, r.scheme, r.scope or "", r.value))
        )

    def history(self, ref: ExternalRef) -> tuple[Link, ...]:
        """Every link ``ref`` ever had, oldest first: what it meant when."""
        return tuple(link_of(row) for row in self.store.history(self.schemes.key(ref)))

    def audit(
        self,
        *,
        ref: ExternalRef | None = None,
        entity: str | None = None,
        canonical_id: str | None = None,
    ) -> tuple[AuditEntry, ...]:
        """The audit trail, oldest first: all of it, of one ref, or of one canonical object."""
        if (entity is None) != (canonical_id is None):
            msg = "give both entity and canonical_id, or neither"
            raise XrefInputError(msg)
        key = self.schemes.key(ref) if ref is not None else None
        owner = None
        if entity is not None and canonical_id is not None:
            owner = Canonical(text_arg(entity, "entity"), text_arg(canonical_id, "canonical_id"))
        return tuple(
            AuditEntry(
                row.id,
                row.recorded_at,
                row.actor,
                row.reason,
                row.action,
                ref_of(row.key),
                row.before,
                row.after,
                row.effective_at,
            )
            for row in self.store.audit(key=key, owner=owner)
        )

    # -- CSV -----------------------------------------------------------------------------

    def import_csv(
        self, source: _csv.Source, *, actor: str, reason: str, dry_run: bool = True
    ) -> _csv.ImportReport:
        """Import links from CSV; a dry run unless ``dry_run=False``.

        Columns: ``entity``, ``canonical_id``, ``system``, ``scheme``, ``value``, and
        optionally ``scope``, ``action`` (``link``, ``relink`` or ``unlink``) and
        ``valid_from`` (ISO 8601 with an offset); no others.

        A dry run reports the adds, changes and conflicts the import would make, without
        writing. With ``dry_run=False`` the import is applied in one transaction: all of
        it, or, when there is any conflict or error, none of it (`ImportRejected`).

        Args:
            source: a path or an open text file.
            actor: who imports (recorded in the audit for each change).
            reason: why (recorded in the audit).
            dry_run: only report.

        Raises:
            ImportRejected: not a dry run, and the import has conflicts or errors.
        """
        rows, issues = _csv.parse_csv(source, self.schemes)
        result: list[_csv.ImportReport] = []

        def run(w: StoreWriter, ctx: WriteContext) -> None:
            result[:] = [_csv.build_report(w, rows, issues, ctx, dry_run=dry_run)]
            if dry_run:
                raise _DryRun
            if not result[0].ok:
                raise ImportRejected(result[0])

        with contextlib.suppress(_DryRun):
            self._write(run, actor, reason)
        return result[0]

    def export_csv(self, target: _csv.Source, *, at: datetime | None = None) -> int:
        """Write the links in force (now, or at ``at``) as CSV; the number of links written."""
        return _csv.write_csv(self.store.all_links(at=self._at(at)), target)
