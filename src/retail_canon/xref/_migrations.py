"""The versioned schema of both stores: migration *n* takes a database from *n-1* to *n*.

A migration is never edited once released: a change to the schema is a new migration
appended to both tuples, with the same number and meaning for SQLite and PostgreSQL.
Each store records the migrations it applied in its ``xref_schema`` table.
"""

from __future__ import annotations

from retail_canon.xref._store import Migration

__all__ = ["POSTGRES_MIGRATIONS", "SQLITE_MIGRATIONS"]

SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "refs, effective-dated links, append-only audit",
        (
            """CREATE TABLE xref_refs (
                id INTEGER PRIMARY KEY,
                system TEXT NOT NULL CHECK (system <> ''),
                scheme TEXT NOT NULL CHECK (scheme <> ''),
                scope TEXT NOT NULL DEFAULT '',
                value TEXT NOT NULL CHECK (value <> ''),
                UNIQUE (system, scheme, scope, value)
            )""",
            "CREATE INDEX xref_refs_by_value ON xref_refs (scheme, value, scope)",
            """CREATE TABLE xref_links (
                id INTEGER PRIMARY KEY,
                ref_id INTEGER NOT NULL REFERENCES xref_refs (id),
                entity TEXT NOT NULL CHECK (entity <> ''),
                canonical_id TEXT NOT NULL CHECK (canonical_id <> ''),
                valid_from TEXT NOT NULL,
                valid_to TEXT CHECK (valid_to IS NULL OR valid_to >= valid_from)
            )""",
            "CREATE UNIQUE INDEX xref_links_one_open ON xref_links (ref_id) WHERE valid_to IS NULL",
            # covering indexes of the lookups: by ref, and by canonical object
            "CREATE INDEX xref_links_by_ref ON xref_links (ref_id, valid_to, entity, canonical_id)",
            "CREATE INDEX xref_links_by_owner "
            "ON xref_links (entity, canonical_id, valid_to, ref_id)",
            """CREATE TRIGGER xref_links_no_overlap BEFORE INSERT ON xref_links
            WHEN EXISTS (
                SELECT 1 FROM xref_links AS o WHERE o.ref_id = NEW.ref_id
                AND (o.valid_to IS NULL OR o.valid_to > NEW.valid_from)
                AND (NEW.valid_to IS NULL OR o.valid_from < NEW.valid_to)
            )
            BEGIN SELECT RAISE(ABORT, 'xref: overlapping links of one ref'); END""",
            """CREATE TRIGGER xref_links_close_once BEFORE UPDATE ON xref_links
            WHEN OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL
                OR NEW.id IS NOT OLD.id OR NEW.ref_id IS NOT OLD.ref_id
                OR NEW.entity IS NOT OLD.entity OR NEW.canonical_id IS NOT OLD.canonical_id
                OR NEW.valid_from IS NOT OLD.valid_from
            BEGIN SELECT RAISE(ABORT, 'xref: a link can only be closed, once'); END""",
            """CREATE TRIGGER xref_links_no_delete BEFORE DELETE ON xref_links
            BEGIN SELECT RAISE(ABORT, 'xref: links are never deleted'); END""",
            """CREATE TABLE xref_audit (
                id INTEGER PRIMARY KEY,
                recorded_at TEXT NOT NULL,
                actor TEXT NOT NULL CHECK (actor <> ''),
                reason TEXT NOT NULL CHECK (reason <> ''),
                action TEXT NOT NULL CHECK (action IN ('link', 'unlink')),
                ref_id INTEGER NOT NULL REFERENCES xref_refs (id),
                link_id INTEGER NOT NULL REFERENCES xref_links (id),
                before_entity TEXT,
                before_id TEXT,
                after_entity TEXT,
                after_id TEXT,
                effective_at TEXT NOT NULL
            )""",
            "CREATE INDEX xref_audit_by_ref ON xref_audit (ref_id)",
            """CREATE TRIGGER xref_audit_no_update BEFORE UPDATE ON xref_audit
            BEGIN SELECT RAISE(ABORT, 'xref: the audit is append-only'); END""",
            """CREATE TRIGGER xref_audit_no_delete BEFORE DELETE ON xref_audit
            BEGIN SELECT RAISE(ABORT, 'xref: the audit is append-only'); END""",
        ),
    ),
)
"""The schema, version by version."""

_REFUSE = """CREATE FUNCTION xref_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'xref: %', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$"""

_CLOSE_ONCE = """CREATE FUNCTION xref_close_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL OR NEW.id <> OLD.id
        OR NEW.ref_id <> OLD.ref_id OR NEW.entity <> OLD.entity
        OR NEW.canonical_id <> OLD.canonical_id OR NEW.valid_from <> OLD.valid_from THEN
        RAISE EXCEPTION 'xref: a link can only be closed, once'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$"""

POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "refs, effective-dated links, append-only audit",
        (
            """CREATE TABLE xref_refs (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                system text NOT NULL CHECK (system <> ''),
                scheme text NOT NULL CHECK (scheme <> ''),
                scope text NOT NULL DEFAULT '',
                value text NOT NULL CHECK (value <> ''),
                UNIQUE (system, scheme, scope, value)
            )""",
            "CREATE INDEX xref_refs_by_value ON xref_refs (scheme, value, scope)",
            """CREATE TABLE xref_links (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                ref_id bigint NOT NULL REFERENCES xref_refs (id),
                entity text NOT NULL CHECK (entity <> ''),
                canonical_id text NOT NULL CHECK (canonical_id <> ''),
                valid_from timestamptz NOT NULL,
                valid_to timestamptz CHECK (valid_to IS NULL OR valid_to >= valid_from),
                CONSTRAINT xref_links_no_overlap EXCLUDE USING gist (
                    int8range(ref_id, ref_id, '[]') WITH &&,
                    tstzrange(valid_from, valid_to, '[)') WITH &&
                )
            )""",
            "CREATE UNIQUE INDEX xref_links_one_open ON xref_links (ref_id) WHERE valid_to IS NULL",
            # covering indexes of the lookups: by ref, and by canonical object
            "CREATE INDEX xref_links_by_ref ON xref_links (ref_id, valid_to, entity, canonical_id)",
            "CREATE INDEX xref_links_by_owner "
            "ON xref_links (entity, canonical_id, valid_to, ref_id)",
            """CREATE TABLE xref_audit (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                recorded_at timestamptz NOT NULL,
                actor text NOT NULL CHECK (actor <> ''),
                reason text NOT NULL CHECK (reason <> ''),
                action text NOT NULL CHECK (action IN ('link', 'unlink')),
                ref_id bigint NOT NULL REFERENCES xref_refs (id),
                link_id bigint NOT NULL REFERENCES xref_links (id),
                before_entity text,
                before_id text,
                after_entity text,
                after_id text,
                effective_at timestamptz NOT NULL
            )""",
            "CREATE INDEX xref_audit_by_ref ON xref_audit (ref_id)",
            _REFUSE,
            _CLOSE_ONCE,
            "CREATE TRIGGER xref_links_close_once BEFORE UPDATE ON xref_links "
            "FOR EACH ROW EXECUTE FUNCTION xref_close_once()",
            "CREATE TRIGGER xref_links_no_delete BEFORE DELETE ON xref_links "
            "FOR EACH ROW EXECUTE FUNCTION xref_refuse('links are never deleted')",
            "CREATE TRIGGER xref_links_no_truncate BEFORE TRUNCATE ON xref_links "
            "FOR EACH STATEMENT EXECUTE FUNCTION xref_refuse('links are never deleted')",
            "CREATE TRIGGER xref_audit_no_update BEFORE UPDATE OR DELETE ON xref_audit "
            "FOR EACH ROW EXECUTE FUNCTION xref_refuse('the audit is append-only')",
            "CREATE TRIGGER xref_audit_no_truncate BEFORE TRUNCATE ON xref_audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION xref_refuse('the audit is append-only')",
        ),
    ),
)
"""The schema, version by version."""
