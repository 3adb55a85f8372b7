"""Erasure finds the person's name in any letter case on the embedded SQLite too (session 12).

SQLite's LIKE folds ASCII letters only, and SQLite keeps JSON with "ä" written as "\\u00e4":
an instructor's "MÄKELÄ" in the team's phase thread, "mäkelä" in a kept impact snapshot, and
an invitation upload's line for "Asa@Åland.fi" stayed after Oona Mäkelä's (and Åsa's)
erasure on SQLite, while PostgreSQL redacted them.
"""

import pytest

from impact.models import PlanSnapshot
from learners.models import InvitationImport
from privacy import services
from tests import factories
from workshops.models import PhaseComment

pytestmark = pytest.mark.django_db


def test_the_name_in_other_letter_cases_is_redacted_in_text_and_json(
    world, superuser, django_capture_on_commit_callbacks
):
    comment = PhaseComment.objects.create(
        experiment=world.team_experiment,
        phase=1,
        author=world.instructor,
        text="Kiitos MÄKELÄ, ja Ollille myös.",
    )
    snapshot = PlanSnapshot.objects.get(plan__experiment=world.team_experiment)
    snapshot.data = {"note": "mäkelä kokoaa mittarit", "kept": "Olli"}
    snapshot.save()
    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_carry_out(request=request, by=superuser)

    comment.refresh_from_db()
    assert "mäkelä" not in comment.text.casefold()
    assert comment.text.endswith("ja Ollille myös.")
    snapshot.refresh_from_db()
    assert "mäkelä" not in str(snapshot.data).casefold()
    assert snapshot.data["kept"] == "Olli"


def test_an_upload_line_with_the_address_in_other_letter_cases_is_dropped(
    cohort, superuser, django_capture_on_commit_callbacks
):
    asa = factories.UserFactory(email="asa@åland.fi", first_name="Åsa", last_name="Åström")
    factories.MembershipFactory(cohort=cohort, user=asa)
    other = {"line": 3, "first_name": "Pia", "last_name": "Ahonen", "email": "pia@example.fi"}
    upload = InvitationImport.objects.create(
        cohort=cohort,
        file_name="kutsut.csv",
        content=b"",
        status=InvitationImport.Status.DONE,
        rows=[
            {"line": 2, "first_name": "Åsa", "last_name": "Åström", "email": "Asa@ÅLAND.fi"},
            other,
        ],
    )
    request = services.erasure_request(user=asa, requested_by=asa)
    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_carry_out(request=request, by=superuser)

    upload.refresh_from_db()
    assert upload.rows == [other]
