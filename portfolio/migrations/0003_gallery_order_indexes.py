"""Indexes in the gallery's order (newest published first, NULLS LAST as the queries sort), so
a page is read from an index instead of sorting every visible card; PostgreSQL only (SQLite,
used in development, cannot index NULLS LAST)."""

from django.db import migrations

INDEXES = {
    "portfolio_card_recent": "(published_at DESC NULLS LAST, id DESC)",
    "portfolio_card_scope_recent": "(scope, published_at DESC NULLS LAST, id DESC)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON portfolio_card {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0002_search_index")]

    operations = [migrations.RunPython(create, drop)]
