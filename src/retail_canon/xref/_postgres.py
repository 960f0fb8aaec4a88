"""`PostgresStore`: the shared production store, on PostgreSQL with psycopg 3.

psycopg is an optional dependency (``pip install 'retail-canon[postgres]'``) and is only
imported when a `PostgresStore` is created. The overlap rule is an exclusion constraint over
``int8range(ref_id) && tstzrange(valid_from, valid_to)`` (GiST on range types, in core
PostgreSQL, no extension needed); a writer locks the ref's row (``SELECT ... FOR UPDATE``)
before reading its links, so concurrent writers of one ref queue up instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from retail_canon.xref._errors import StoreUnavailable
from retail_canon.xref._migrations import POSTGRES_MIGRATIONS
from retail_canon.xref._schemes import Key
from retail_canon.xref._store import (
    AuditDraft,
    AuditRow,
    ConstraintViolation,
    LinkRow,
    RetryableStoreError,
    TargetRow,
    pending_migrations,
)
from retail_canon.xref._types import Canonical

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

_GENERATIONS: dict[str, int] = {}
"""Commits per DSN made by the stores of this process (the change token)."""

_MIGRATION_LOCK = 0x78726566  # pg_advisory_xact_lock key: "xref"

_LINK_COLUMNS = (
    "l.id, r.system, r.scheme, r.value, r.scope, l.entity, l.canonical_id, l.valid_from, l.valid_to"
)


def _row(row: Sequence[Any]) -> LinkRow:
    return LinkRow(row[0], row[1], row[2], row[3], row[4] or None, row[5], row[6], row[7], row[8])


def _owner(entity: str | None, canonical_id: str | None) -> Canonical | None:
    return Canonical(entity, canonical_id) if entity is not None and canonical_id else None


def _when(at: datetime | None, alias: str = "l") -> tuple[str, list[Any]]:
    if at is None:
        return f"{alias}.valid_to IS NULL", []
    return (
        f"{alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to > %s)",
        [at, at],
    )


class _Writer:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def lock_ref(self, key: Key, *, create: bool) -> int | None:
        params = (key.system, key.scheme, key.scope or "", key.value)
        if create:
            self._conn.execute(
                "INSERT INTO xref_refs (system, scheme, scope, value) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                params,
            )
        row = self._conn.execute(
            "SELECT id FROM xref_refs WHERE system = %s AND scheme = %s AND scope = %s "
            "AND value = %s FOR UPDATE",
            params,
        ).fetchone()
        return cast(int, row[0]) if row is not None else None

    def latest_link(self, ref_id: int) -> LinkRow | None:
        row = self._conn.execute(
            f"SELECT {_LINK_COLUMNS} FROM xref_links AS l JOIN xref_refs AS r ON r.id = l.ref_id "
            "WHERE l.ref_id = %s ORDER BY l.valid_to IS NULL DESC, l.valid_from DESC, l.id DESC "
            "LIMIT 1",
            (ref_id,),
        ).fetchone()
        return _row(row) if row is not None else None

    def insert_link(self, ref_id: int, owner: Canonical, valid_from: datetime) -> int:
        row = self._conn.execute(
            "INSERT INTO xref_links (ref_id, entity, canonical_id, valid_from) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            (ref_id, owner.entity, owner.canonical_id, valid_from),
        ).fetchone()
        assert row is not None
        return cast(int, row[0])

    def close_link(self, link_id: int, valid_to: datetime) -> None:
        self._conn.execute("UPDATE xref_links SET valid_to = %s WHERE id = %s", (valid_to, link_id))

    def append_audit(self, draft: AuditDraft) -> None:
        before, after = draft.before, draft.after
        self._conn.execute(
            "INSERT INTO xref_audit (recorded_at, actor, reason, action, ref_id, link_id, "
            "before_entity, before_id, after_entity, after_id, effective_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                draft.recorded_at,
                draft.actor,
                draft.reason,
                draft.action,
                draft.ref_id,
                draft.link_id,
                before.entity if before else None,
                before.canonical_id if before else None,
                after.entity if after else None,
                after.canonical_id if after else None,
                draft.effective_at,
            ),
        )


class PostgresStore:
    """The cross-reference store in a PostgreSQL database, shared by many processes.

    Args:
        dsn: a libpq connection string or URI, e.g. ``"postgresql://app@db/retail"``.
            The tables go to the connection's default schema (set ``search_path`` in the
            DSN's ``options`` to choose another).

    Raises:
        StoreUnavailable: psycopg is not installed.

    The schema is created or migrated when the store opens (under an advisory lock, so
    several processes may open it at once). A store object holds one connection and
    belongs to one thread. Close it, or use it as a context manager.
    """

    def __init__(self, dsn: str) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the environment
            msg = "PostgresStore needs psycopg 3: pip install 'retail-canon[postgres]'"
            raise StoreUnavailable(msg) from exc
        self._psycopg = psycopg
        self._dsn = dsn
        self._conn: psycopg.Connection[Any] = psycopg.connect(dsn, autocommit=True)
        self._depth = 0
        try:
            self._conn.execute("SET TIME ZONE 'UTC'")
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    def _migrate(self) -> None:
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS xref_schema (version integer PRIMARY KEY, "
                "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            row = self._conn.execute("SELECT coalesce(max(version), 0) FROM xref_schema").fetchone()
            assert row is not None
            for migration in pending_migrations(POSTGRES_MIGRATIONS, row[0], repr(self)):
                for statement in migration.statements:
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT INTO xref_schema (version, description) VALUES (%s, %s)",
                    (migration.version, migration.description),
                )

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        info = self._conn.info
        return f"PostgresStore({info.user}@{info.host}:{info.port}/{info.dbname})"

    def schema_version(self) -> int:
        """The schema version of the database."""
        row = self._conn.execute("SELECT max(version) FROM xref_schema").fetchone()
        assert row is not None
        return cast(int, row[0])

    def change_token(self) -> object:
        """Changes after a commit by any store of this process on the same DSN.

        Other processes' commits are not seen: see `XrefResolver`'s ``cache_ttl``.
        """
        return _GENERATIONS.get(self._dsn, 0)

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[None]:
        """Reads inside the block share one snapshot (a repeatable-read transaction)."""
        if self._depth:
            yield
            return
        with self._conn.transaction():
            self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1

    @contextmanager
    def write(self) -> Iterator[_Writer]:
        """A read-committed write transaction; refs are locked row by row."""
        errors = self._psycopg.errors
        try:
            with self._conn.transaction():
                yield _Writer(self._conn)
        except (errors.SerializationFailure, errors.DeadlockDetected) as exc:
            raise RetryableStoreError(str(exc)) from exc
        except self._psycopg.IntegrityError as exc:
            raise ConstraintViolation(str(exc)) from exc
        _GENERATIONS[self._dsn] = _GENERATIONS.get(self._dsn, 0) + 1

    # -- reads ---------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params).fetchall()

    def find_links(
        self, keys: Sequence[Key], *, at: datetime | None, any_system: bool = False
    ) -> list[list[LinkRow]]:
        """The links of each key (with ``any_system``: of its value in every system)."""
        match = "r.scheme = k.scheme AND r.value = k.value AND r.scope = k.scope"
        if not any_system:
            match = "r.system = k.system AND " + match
        when, extra = _when(at)
        sql = (
            f"SELECT k.i, {_LINK_COLUMNS} FROM unnest(%s::bigint[], %s::text[], %s::text[], "
            "%s::text[], %s::text[]) AS k(i, system, scheme, scope, value) "
            f"JOIN xref_refs AS r ON {match} JOIN xref_links AS l ON l.ref_id = r.id AND {when}"
        )
        columns: list[list[Any]] = [list(range(len(keys))), [], [], [], []]
        for key in keys:
            columns[1].append(key.system)
            columns[2].append(key.scheme)
            columns[3].append(key.scope or "")
            columns[4].append(key.value)
        out: list[list[LinkRow]] = [[] for _ in keys]
        if keys:
            for row in self._query(sql, [*columns, *extra]):
                out[row[0]].append(_row(row[1:]))
        return out

    def resolve_keys(
        self, keys: Sequence[Key], *, at: datetime | None, system: str | None, scheme: str | None
    ) -> list[list[TargetRow]]:
        """Per key, its owner and the owner's other refs in ``system`` (see `XrefStore`)."""
        when, extra = _when(at)
        sql = (
            "SELECT k.i, l.entity, l.canonical_id, {targets} FROM unnest(%s::bigint[], "
            "%s::text[], %s::text[], %s::text[], %s::text[]) AS k(i, system, scheme, scope, value) "
            "JOIN xref_refs AS r ON r.system = k.system AND r.scheme = k.scheme "
            f"AND r.scope = k.scope AND r.value = k.value JOIN xref_links AS l ON l.ref_id = r.id "
            f"AND {when}"
        )
        if system is None:
            sql = sql.format(targets="NULL, NULL, NULL, NULL")
        else:
            target_when, target_extra = _when(at, "lt")
            extra += [*target_extra, system]
            sql = sql.format(targets="t.system, t.scheme, t.value, t.scope") + (
                " LEFT JOIN xref_links AS lt ON lt.entity = l.entity "
                f"AND lt.canonical_id = l.canonical_id AND lt.id <> l.id AND {target_when} "
                "LEFT JOIN xref_refs AS t ON t.id = lt.ref_id AND t.system = %s"
            )
            if scheme is not None:
                sql += " AND t.scheme = %s"
                extra.append(scheme)
        columns: list[list[Any]] = [list(range(len(keys))), [], [], [], []]
        for key in keys:
            columns[1].append(key.system)
            columns[2].append(key.scheme)
            columns[3].append(key.scope or "")
            columns[4].append(key.value)
        out: list[list[TargetRow]] = [[] for _ in keys]
        if keys:
            for row in self._query(sql, [*columns, *extra]):
                out[row[0]].append(row)
        return out

    def find_refs(
        self,
        owners: Sequence[Canonical],
        *,
        at: datetime | None,
        system: str | None = None,
        scheme: str | None = None,
    ) -> list[list[LinkRow]]:
        """The links pointing to each canonical object, optionally of one system/scheme."""
        when, extra = _when(at)
        filters = ""
        if system is not None:
            filters += " AND r.system = %s"
            extra.append(system)
        if scheme is not None:
            filters += " AND r.scheme = %s"
            extra.append(scheme)
        sql = (
            f"SELECT k.i, {_LINK_COLUMNS} FROM unnest(%s::bigint[], %s::text[], %s::text[]) "
            "AS k(i, entity, owner) JOIN xref_links AS l ON l.entity = k.entity "
            f"AND l.canonical_id = k.owner AND {when} JOIN xref_refs AS r ON r.id = l.ref_id"
            f"{filters}"
        )
        columns = [
            list(range(len(owners))),
            [o.entity for o in owners],
            [o.canonical_id for o in owners],
        ]
        out: list[list[LinkRow]] = [[] for _ in owners]
        if owners:
            for row in self._query(sql, [*columns, *extra]):
                out[row[0]].append(_row(row[1:]))
        return out

    def history(self, key: Key) -> list[LinkRow]:
        """Every link the ref ever had, oldest first."""
        rows = self._query(
            f"SELECT {_LINK_COLUMNS} FROM xref_refs AS r JOIN xref_links AS l ON l.ref_id = r.id "
            "WHERE r.system = %s AND r.scheme = %s AND r.scope = %s AND r.value = %s "
            "ORDER BY l.valid_from, l.id",
            (key.system, key.scheme, key.scope or "", key.value),
        )
        return [_row(row) for row in rows]

    def audit(self, *, key: Key | None = None, owner: Canonical | None = None) -> list[AuditRow]:
        """Audit entries, oldest first, optionally of one ref or one canonical object."""
        sql = (
            "SELECT a.id, a.recorded_at, a.actor, a.reason, a.action, r.system, r.scheme, "
            "r.value, r.scope, a.before_entity, a.before_id, a.after_entity, a.after_id, "
            "a.effective_at FROM xref_audit AS a JOIN xref_refs AS r ON r.id = a.ref_id"
        )
        where: list[str] = []
        params: list[Any] = []
        if key is not None:
            where.append("r.system = %s AND r.scheme = %s AND r.scope = %s AND r.value = %s")
            params += (key.system, key.scheme, key.scope or "", key.value)
        if owner is not None:
            where.append(
                "((a.before_entity = %s AND a.before_id = %s) OR "
                "(a.after_entity = %s AND a.after_id = %s))"
            )
            params += (owner.entity, owner.canonical_id) * 2
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [
            AuditRow(
                r[0],
                r[1],
                r[2],
                r[3],
                cast(Literal["link", "unlink"], r[4]),
                Key(r[5], r[6], r[7], r[8] or None),
                _owner(r[9], r[10]),
                _owner(r[11], r[12]),
                r[13],
            )
            for r in self._query(sql + " ORDER BY a.id", params)
        ]

    def all_links(self, *, at: datetime | None) -> Iterator[LinkRow]:
        """Every link in force, sorted by canonical object and ref."""
        when, extra = _when(at)
        sql = (
            f"SELECT {_LINK_COLUMNS} FROM xref_links AS l JOIN xref_refs AS r ON r.id = l.ref_id "
            f"WHERE {when} ORDER BY "  # byte order, as SQLite sorts, whatever the locale
            + ", ".join(
                f'{column} COLLATE "C"'
                for column in (
                    "l.entity",
                    "l.canonical_id",
                    "r.system",
                    "r.scheme",
                    "r.scope",
                    "r.value",
                )
            )
        )
        for row in self._query(sql, extra):
            yield _row(row)
