"""A team member's answer to showing their name with a card (portfolio.NameConsent, session 12)
is their personal data: it is in their archive, and erasure removes it, so an erased member is
never named with the card again."""

import io
import json
import zipfile

import pytest

from portfolio.models import NameConsent
from privacy import services
from privacy.models import DataExport

pytestmark = pytest.mark.django_db


def test_the_answer_is_in_the_archive_and_erasure_removes_it(world, superuser):
    NameConsent.objects.create(card=world.card, user=world.learner, answer="agreed")
    export = DataExport.objects.create(user=world.learner)
    assert services.data_export_build(export_id=export.pk) is True
    export.refresh_from_db()
    with export.file.storage.open(export.file.name, "rb") as stored:
        rows = json.loads(zipfile.ZipFile(io.BytesIO(stored.read())).read("name_consents.json"))
    assert [(r["fields"]["card"], r["fields"]["answer"]) for r in rows] == [
        (world.card.pk, "agreed")
    ]

    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    services.erasure_carry_out(request=request, by=superuser)
    assert not NameConsent.objects.filter(card=world.card).exists()
