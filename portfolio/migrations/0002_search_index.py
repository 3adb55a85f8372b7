"""A GIN index on the cards' Finnish full-text documents, on PostgreSQL only (SQLite, used in
development, has no tsvector; search there falls back to substring matching)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS portfolio_card_search_gin "
    "ON portfolio_card USING gin (search_document)"
)
DROP = "DROP INDEX IF EXISTS portfolio_card_search_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
