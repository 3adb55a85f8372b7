"""Gallery search through core.search: the cards' fields, themes and municipality in Finnish
lemmas, in an FTS5 table on SQLite and in the existing tsvector column ('simple'
configuration now, GIN-indexed since 0002) on PostgreSQL; existing cards are analysed here."""

import django.db.models.deletion
from django.db import migrations, models

import core.search.fields
from core.search.operations import fts5_table


def index_cards(apps, schema_editor):
    Card = apps.get_model("portfolio", "Card")
    ids = list(Card.objects.values_list("pk", flat=True))
    if not ids:
        return
    from portfolio.search import CARD_INDEX, card_documents

    through = apps.get_model("workshops", "Experiment").themes.through
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        CARD_INDEX.write(card_documents(chunk, card_model=Card, through=through))


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0003_gallery_order_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="CardSearchText",
            fields=[
                (
                    "card",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_text",
                        serialize=False,
                        to="portfolio.card",
                    ),
                ),
                ("document", core.search.fields.Fts5TableField(db_column="portfolio_card_fts")),
            ],
            options={
                "db_table": "portfolio_card_fts",
                "managed": False,
            },
        ),
        fts5_table(table="portfolio_card_fts", source="portfolio_card"),
        migrations.RunPython(index_cards, migrations.RunPython.noop),
    ]
