"""`load_once` (tests/seed_once.py), behind the `demo_data` fixture: a replayed seed holds what a
real one writes, and a database unlike the recorded one gets a real seed."""

import io
from contextlib import closing

from django.core.management import call_command
from django.db import connection, transaction

from core.models import Organisation
from tests import factories
from tests.seed_once import _tables, load_once


def _contents(settings) -> tuple[dict[str, int], list[str]]:
    """Rows per table, and the folders of the stored files (their names are random)."""
    rows = {}
    with closing(connection.connection.cursor()) as cursor:
        for table in _tables(cursor):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table.name)}")  # noqa: S608
            rows[table.name] = cursor.fetchone()[0]
    files = sorted(
        str(path.parent.relative_to(root))
        for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
        if root.exists()
        for path in root.rglob("*")
        if path.is_file()
    )
    return rows, files


def _forget_files(settings) -> None:
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        for path in root.rglob("*") if root.exists() else ():
            if path.is_file():
                path.unlink()


def test_a_replayed_demo_has_every_row_and_file_of_a_seeded_one(db, settings):
    seeds = []

    def seed():
        seeds.append(1)
        call_command("seed_demo", stdout=io.StringIO())

    with transaction.atomic():
        seed()
        seeded = _contents(settings)
        transaction.set_rollback(True)
    _forget_files(settings)
    with transaction.atomic():
        load_once("demo", seed)  # recorded here, unless an earlier test of this process did
        transaction.set_rollback(True)
    _forget_files(settings)
    seeds.clear()

    load_once("demo", seed)

    assert not seeds, "the demo was seeded again instead of replayed"
    assert _contents(settings) == seeded
    assert seeded[0]["core_user"] > 0
    assert seeded[1]


def test_a_database_unlike_the_recorded_one_gets_a_real_seed(db):
    seeds = []

    def seed():
        seeds.append(1)
        Organisation.objects.create(name="Kokeilukunta")

    with transaction.atomic():
        load_once("one organisation", seed)
        transaction.set_rollback(True)
    with transaction.atomic():
        load_once("one organisation", seed)
        transaction.set_rollback(True)
    assert len(seeds) == 1, "the second load on the same database should be a replay"

    factories.OrganisationFactory()  # the table the seed writes to holds another row now
    load_once("one organisation", seed)

    assert len(seeds) == 2
    assert Organisation.objects.filter(name="Kokeilukunta").count() == 1
