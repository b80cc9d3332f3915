"""The team archive's fixed names, importable without loading psycopg (the CLI starts faster)."""

from __future__ import annotations

TEAM_URL_ENV = "BRIEFER_TEAM_URL"
SCHEMA = "briefer"  # the PostgreSQL schema (namespace) that holds Briefer's tables
ROLES = ("reader", "analyst", "editor")  # each role holds the rights of the ones before it
