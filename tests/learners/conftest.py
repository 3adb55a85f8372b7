import io

import pytest
from openpyxl import Workbook

from tests import factories


@pytest.fixture(autouse=True)
def _empty_cache():
    """The progress page keeps its filter's choices per cohort id, which SQLite gives again
    after a test's rollback: each test starts with nothing kept."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hameenlinna(db):
    return factories.OrganisationFactory(name="Hämeenlinnan kaupunki")


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, delimiter=","):
    return ("\n".join(delimiter.join(r) for r in rows) + "\n").encode("utf-8")
