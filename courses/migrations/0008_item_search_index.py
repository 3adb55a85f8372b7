"""Course search through core.search: Finnish lemmas in an FTS5 table on SQLite, and in the
items' tsvector column ('simple' configuration, GIN-indexed) on PostgreSQL; existing items
are analysed here."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

import core.search.fields
from core.search.operations import fts5_table, gin_index


def index_items(apps, schema_editor):
    Item = apps.get_model("courses", "Item")
    ids = list(Item.objects.values_list("pk", flat=True))
    if not ids:
        return
    from courses.search import ITEM_INDEX, item_documents

    for start in range(0, len(ids), 500):
        ITEM_INDEX.write(item_documents(ids[start : start + 500], item_model=Item))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0007_outbox_sweeps"),
    ]

    operations = [
        migrations.CreateModel(
            name="ItemSearchText",
            fields=[
                (
                    "item",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_text",
                        serialize=False,
                        to="courses.item",
                    ),
                ),
                ("document", core.search.fields.Fts5TableField(db_column="courses_item_fts")),
            ],
            options={
                "db_table": "courses_item_fts",
                "managed": False,
            },
        ),
        migrations.AddField(
            model_name="item",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        fts5_table(table="courses_item_fts", source="courses_item"),
        gin_index(name="courses_item_search_gin", table="courses_item", column="search_document"),
        migrations.RunPython(index_items, migrations.RunPython.noop),
    ]
