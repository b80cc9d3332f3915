"""The team archive's schema: versioned migrations, applied in order, each once, in one transaction.

`migrate` brings a database up to `SCHEMA_VERSION` and refuses one a newer Briefer migrated
(`TeamSchemaTooNew`): an older client would misread tables it does not know.  Two analysts
running `briefer team init` at once are serialised by an advisory lock.  A migration is never
edited once released: a change is a new migration appended to `MIGRATIONS`.

Permissions live in the database, not only in the client: three group roles, each holding the
one before it, get the grants, and row-level security decides whose rows a role may change.
- `briefer_reader`: search and read everything (documents, briefings, shared saved searches);
- `briefer_analyst`: also import, tag, save searches, write their own briefings;
- `briefer_editor`: also change and release others' briefings and remove documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from briefer.core.team.errors import TeamNotInitialised, TeamPermissionDenied, TeamSchemaTooNew
from briefer.core.team.names import ROLES, SCHEMA

_LOCK_KEY = 0x42726965  # "Brie": the advisory lock serialising migrations


def group_role(role: str) -> str:
    return f"briefer_{role}"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_GROUP_ROLES = (
    *(
        f"""DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{group_role(role)}') THEN
        CREATE ROLE {group_role(role)} NOLOGIN;
    END IF;
END $$"""
        for role in ROLES
    ),
    "GRANT briefer_reader TO briefer_analyst",
    "GRANT briefer_analyst TO briefer_editor",
)

_ARCHIVE_TABLES = (
    # Text versions are content-addressed and immutable: nobody may update one, and one that a
    # briefing cites (cited_texts) cannot be deleted.
    """CREATE TABLE texts (
        sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        body text NOT NULL,
        added_by text NOT NULL DEFAULT current_user,
        added_at timestamptz NOT NULL DEFAULT now())""",
    # One document per file content: the same file imported (or pushed) by two analysts, even at
    # the same moment, is one document; the second one's personal id becomes an alias of it.
    """CREATE TABLE documents (
        id text PRIMARY KEY,
        content_sha256 text NOT NULL UNIQUE,
        text_sha256 text NOT NULL REFERENCES texts,
        title text NOT NULL DEFAULT '',
        source text NOT NULL DEFAULT '',
        author text NOT NULL DEFAULT '',
        url text NOT NULL DEFAULT '',
        published timestamptz,
        language text NOT NULL DEFAULT '',
        source_type text NOT NULL DEFAULT '',
        imported_by text NOT NULL DEFAULT current_user,
        imported_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE document_aliases (
        alias text PRIMARY KEY,
        doc_id text NOT NULL REFERENCES documents ON DELETE CASCADE)""",
    """CREATE TABLE document_versions (
        doc_id text NOT NULL REFERENCES documents ON DELETE CASCADE,
        text_sha256 text NOT NULL REFERENCES texts,
        since timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (doc_id, text_sha256))""",
    """CREATE TABLE locations (
        machine text NOT NULL,
        path text NOT NULL,
        doc_id text NOT NULL REFERENCES documents ON DELETE CASCADE,
        size bigint NOT NULL,
        mtime_ns bigint NOT NULL,
        PRIMARY KEY (machine, path))""",
    """CREATE TABLE tags (
        doc_id text NOT NULL REFERENCES documents ON DELETE CASCADE,
        tag text NOT NULL,
        added_by text NOT NULL DEFAULT current_user,
        PRIMARY KEY (doc_id, tag))""",
    """CREATE TABLE signatures (
        doc_id text PRIMARY KEY REFERENCES documents ON DELETE CASCADE,
        minhash bytea NOT NULL)""",
    """CREATE TABLE clusters (
        doc_id text PRIMARY KEY REFERENCES documents ON DELETE CASCADE,
        cluster_id text NOT NULL)""",
    "CREATE INDEX clusters_by_cluster ON clusters (cluster_id)",
    """CREATE TABLE saved_searches (
        owner text NOT NULL DEFAULT current_user,
        name text NOT NULL,
        request jsonb NOT NULL,
        shared boolean NOT NULL DEFAULT false,
        PRIMARY KEY (owner, name))""",
    """CREATE TABLE import_runs (
        id bigserial PRIMARY KEY,
        analyst text NOT NULL DEFAULT current_user,
        machine text NOT NULL,
        started timestamptz NOT NULL DEFAULT now(),
        finished timestamptz,
        summary jsonb)""",
    """CREATE TABLE import_files (
        run_id bigint NOT NULL REFERENCES import_runs ON DELETE CASCADE,
        path text NOT NULL,
        status text NOT NULL,
        reason text NOT NULL DEFAULT '',
        doc_id text)""",
)

_BRIEFING_TABLES = (
    """CREATE TABLE briefings (
        id text PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        owner text NOT NULL DEFAULT current_user,
        version integer NOT NULL DEFAULT 1 CHECK (version > 0),
        state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'in_review', 'released')),
        body jsonb NOT NULL,
        saved_by text NOT NULL DEFAULT current_user,
        saved_at timestamptz NOT NULL DEFAULT now())""",
    # Append-only: analysts may add a revision of a briefing they may write, nobody may change one.
    """CREATE TABLE briefing_revisions (
        briefing_id text NOT NULL REFERENCES briefings ON DELETE CASCADE,
        version integer NOT NULL,
        body jsonb NOT NULL,
        author text NOT NULL DEFAULT current_user,
        saved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (briefing_id, version))""",
    """CREATE TABLE cited_texts (
        briefing_id text NOT NULL REFERENCES briefings ON DELETE CASCADE,
        text_sha256 text NOT NULL REFERENCES texts ON DELETE RESTRICT,
        PRIMARY KEY (briefing_id, text_sha256))""",
    # "X is editing this section": short leases, not locks.
    """CREATE TABLE section_leases (
        briefing_id text NOT NULL REFERENCES briefings ON DELETE CASCADE,
        section_id text NOT NULL,
        analyst text NOT NULL DEFAULT current_user,
        expires timestamptz NOT NULL,
        PRIMARY KEY (briefing_id, section_id, analyst))""",
)

_IS_EDITOR = "pg_has_role(current_user, 'briefer_editor', 'MEMBER')"
_MAY_WRITE_BRIEFING = f"(owner = current_user OR {_IS_EDITOR})"

_PERMISSIONS = (
    f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC",
    f"GRANT USAGE ON SCHEMA {SCHEMA} TO briefer_reader",
    f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO briefer_reader",
    # analysts: import (documents, texts, versions, locations, signatures, clusters, the report)
    "GRANT INSERT ON texts, documents, document_aliases, document_versions, import_runs, import_files"
    " TO briefer_analyst",
    "GRANT INSERT, UPDATE, DELETE ON locations, signatures, clusters, tags TO briefer_analyst",
    "GRANT UPDATE ON documents, import_runs TO briefer_analyst",
    "GRANT INSERT, UPDATE, DELETE ON saved_searches, section_leases TO briefer_analyst",
    "GRANT INSERT, UPDATE ON briefings TO briefer_analyst",
    "GRANT INSERT ON briefing_revisions TO briefer_analyst",
    "GRANT INSERT, DELETE ON cited_texts TO briefer_analyst",
    f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO briefer_analyst",
    # editors: remove documents and briefings
    "GRANT DELETE ON documents, document_aliases, document_versions, briefings TO briefer_editor",
    # row-level security: whose rows a role may see and change
    "ALTER TABLE saved_searches ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY saved_read ON saved_searches FOR SELECT USING (owner = current_user OR shared)",
    "CREATE POLICY saved_add ON saved_searches FOR INSERT WITH CHECK (owner = current_user)",
    "CREATE POLICY saved_change ON saved_searches FOR UPDATE USING (owner = current_user)",
    "CREATE POLICY saved_remove ON saved_searches FOR DELETE USING (owner = current_user)",
    "ALTER TABLE briefings ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY briefing_read ON briefings FOR SELECT USING (true)",
    "CREATE POLICY briefing_add ON briefings FOR INSERT WITH CHECK (owner = current_user)",
    f"CREATE POLICY briefing_change ON briefings FOR UPDATE USING {_MAY_WRITE_BRIEFING}",
    f"CREATE POLICY briefing_remove ON briefings FOR DELETE USING {_MAY_WRITE_BRIEFING}",
    "ALTER TABLE briefing_revisions ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY revision_read ON briefing_revisions FOR SELECT USING (true)",
    f"""CREATE POLICY revision_add ON briefing_revisions FOR INSERT WITH CHECK (
        author = current_user AND EXISTS (
            SELECT FROM briefings b
            WHERE b.id = briefing_id AND (b.owner = current_user OR {_IS_EDITOR})))""",
    "ALTER TABLE section_leases ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY lease_read ON section_leases FOR SELECT USING (true)",
    "CREATE POLICY lease_own ON section_leases FOR ALL USING (analyst = current_user)"
    " WITH CHECK (analyst = current_user)",
    # Only editors release a briefing (or take one back from released).
    f"""CREATE FUNCTION only_editors_release() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF {_IS_EDITOR} THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'INSERT' THEN
            IF NEW.state = 'released' THEN
                RAISE EXCEPTION 'only an editor may release a briefing'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        ELSIF (NEW.state = 'released') <> (OLD.state = 'released') THEN
            RAISE EXCEPTION 'only an editor may release a briefing or withdraw a released one'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER briefings_release BEFORE INSERT OR UPDATE OF state ON briefings
        FOR EACH ROW EXECUTE FUNCTION only_editors_release()""",
)

# The PostgreSQL search engine's tables (briefer/core/search/postgres.py, which explains them): the
# documents it indexes (title, names and the list of their words as tsvectors, facets, dates), the
# body in parts of at most 16,000 positions, document frequencies and lengths for BM25, and the
# vocabulary for did-you-mean.
_SEARCH_TABLES = (
    f"CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA {SCHEMA}",  # trusted since PostgreSQL 13
    """CREATE TABLE search_docs (
        doc_id text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        title tsvector NOT NULL,
        title_length integer NOT NULL,
        body_length integer NOT NULL,
        source text NOT NULL,
        author text NOT NULL,
        url text NOT NULL,
        names tsvector NOT NULL,
        words tsvector,
        outlet text,
        language text,
        type text,
        tags text[] NOT NULL,
        published timestamptz,
        day integer)""",
    "CREATE INDEX search_docs_title ON search_docs USING gin (title)",
    "CREATE INDEX search_docs_names ON search_docs USING gin (names)",
    "CREATE INDEX search_docs_words ON search_docs USING gin (words)",
    "CREATE INDEX search_docs_unlisted ON search_docs (seq) WHERE words IS NULL",
    "CREATE INDEX search_docs_tags ON search_docs USING gin (tags)",
    "CREATE INDEX search_docs_day ON search_docs (day)",
    "CREATE INDEX search_docs_published ON search_docs (published)",
    """CREATE TABLE search_parts (
        doc_id text NOT NULL REFERENCES search_docs ON DELETE CASCADE,
        part integer NOT NULL,
        start integer NOT NULL,
        body tsvector NOT NULL,
        PRIMARY KEY (doc_id, part))""",
    "CREATE INDEX search_parts_body ON search_parts USING gin (body)",
    """CREATE TABLE search_terms (
        field text NOT NULL,
        term text COLLATE "C" NOT NULL,
        docs integer NOT NULL,
        occurrences bigint NOT NULL,
        PRIMARY KEY (field, term))""",
    'CREATE TABLE search_words (word text COLLATE "C" PRIMARY KEY)',
    "CREATE INDEX search_words_trgm ON search_words USING gin (word gin_trgm_ops)",
    """CREATE TABLE search_stats (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        docs bigint NOT NULL,
        title_length bigint NOT NULL,
        body_length bigint NOT NULL)""",
    "INSERT INTO search_stats VALUES (true, 0, 0, 0)",
    "GRANT SELECT ON search_docs, search_parts, search_terms, search_words, search_stats TO briefer_reader",
    "GRANT INSERT, UPDATE, DELETE ON search_docs, search_parts, search_terms, search_words, search_stats"
    " TO briefer_analyst",
    f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO briefer_analyst",
)

# What the personal catalog keeps of a document that migration 1 left out: a quote taken from the
# team archive cites the same page ("p. 7": the offset where each page starts), date and format.
_CITED = (
    """ALTER TABLE documents
        ADD COLUMN published_raw text NOT NULL DEFAULT '',
        ADD COLUMN format text NOT NULL DEFAULT '',
        ADD COLUMN pages integer[] NOT NULL DEFAULT '{}',
        ADD COLUMN flags text[] NOT NULL DEFAULT '{}',
        ADD COLUMN parent_id text""",
)

# The archive's settings every analyst's Briefer follows (the near-duplicate threshold an editor
# set with `cluster --threshold`): readers read them, editors change them.
_SETTINGS = (
    """CREATE TABLE settings (
        key text PRIMARY KEY,
        value text NOT NULL,
        set_by text NOT NULL DEFAULT current_user,
        set_at timestamptz NOT NULL DEFAULT now())""",
    "GRANT SELECT ON settings TO briefer_reader",
    "GRANT INSERT, UPDATE ON settings TO briefer_editor",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "documents, text versions, tags, saved searches, clusters, import reports, briefings, roles",
        _GROUP_ROLES + _ARCHIVE_TABLES + _BRIEFING_TABLES + _PERMISSIONS,
    ),
    Migration(2, "the search engine's tables: documents, parts, term statistics, vocabulary", _SEARCH_TABLES),
    Migration(
        3, "what a citation and a hit say of a document: its page offsets, date as written, format", _CITED
    ),
    Migration(4, "the archive's settings (the near-duplicate threshold), set by editors", _SETTINGS),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def schema_version(connection: psycopg.Connection[Any]) -> int:
    """The version the database is at; 0 when it holds no Briefer schema.  TeamPermissionDenied
    when the user may not even look into Briefer's schema: a login that is no analyst there."""
    try:
        exists = connection.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.schema_migrations",)).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        refusal = f"{connection.info.user} is not an analyst of this team archive"  # no query: it failed
        raise TeamPermissionDenied(refusal, needed="reader") from None
    if not exists or exists[0] is None:
        return 0
    row = connection.execute(f"SELECT max(version) FROM {SCHEMA}.schema_migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def require_current(connection: psycopg.Connection[Any]) -> int:
    """The schema version, when this Briefer can use it; else TeamNotInitialised / TeamSchemaTooNew."""
    found = schema_version(connection)
    if found == 0:
        raise TeamNotInitialised("this database holds no team archive yet", found=0)
    if found > SCHEMA_VERSION:
        raise TeamSchemaTooNew(found, SCHEMA_VERSION)
    if found < SCHEMA_VERSION:
        raise TeamNotInitialised(
            f"the team archive's schema is version {found}; this Briefer needs {SCHEMA_VERSION}", found=found
        )
    return found


def migrate(connection: psycopg.Connection[Any]) -> list[Migration]:
    """Apply the migrations the database lacks, all in one transaction; returns those applied.

    Needs a role that may create schemas and roles (the database owner with CREATEROLE, or a
    superuser): the one who sets the team archive up, not an analyst.
    """
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        found = schema_version(connection)
        if found > SCHEMA_VERSION:
            raise TeamSchemaTooNew(found, SCHEMA_VERSION)
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        connection.execute(f"SET LOCAL search_path = {SCHEMA}")
        connection.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                description text NOT NULL,
                applied_by text NOT NULL DEFAULT current_user,
                applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        applied = [m for m in MIGRATIONS if m.version > found]
        for migration in applied:
            for statement in migration.statements:
                connection.execute(statement.encode())  # bytes: no %-placeholders in DDL
            connection.execute(
                "INSERT INTO schema_migrations (version, description) VALUES (%s, %s)",
                (migration.version, migration.description),
            )
        connection.execute("GRANT SELECT ON schema_migrations TO briefer_reader")
    return applied
