"""Migration operations for a search index: the SQLite FTS5 table (a no-op on PostgreSQL,
where the model's tsvector column and its GIN index do the work)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from .index import SQLITE_RANK


def fts5_table(*, table: str, source: str) -> migrations.RunPython:
    """Create `table` (columns a, b, c; rowid = `source`'s id) with its rank function, its
    vocabulary (`<table>_vocab`: in how many rows each term is) and a trigger that forgets a
    row when its source row is deleted."""

    def create(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
            "a, b, c, tokenize = 'unicode61 remove_diacritics 0')"
        )
        schema_editor.execute(
            f"INSERT INTO {table} ({table}, rank) VALUES ('rank', '{SQLITE_RANK}')"  # noqa: S608
        )
        # How many rows hold each term, for leaving out the commonest ones (Vocabulary).
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table}_vocab USING fts5vocab({table}, row)"
        )
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_forget AFTER DELETE ON {source} "  # noqa: S608
            f"BEGIN DELETE FROM {table} WHERE rowid = old.id; END"
        )

    def drop(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_forget")
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}_vocab")
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")

    return migrations.RunPython(create, drop)


def gin_index(*, name: str, table: str, column: str) -> migrations.RunPython:
    """A GIN index on a tsvector column, on PostgreSQL only."""

    def create(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column})"
            )

    def drop(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop)
