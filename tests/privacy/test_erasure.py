"""Erasure: asked for by the person (or the superuser on their behalf), seen by the
coordinators of the person's cohorts, carried out by the superuser or after the grace period.
Afterwards no text column anywhere holds the person's name or email, while the team's
experiment and the cohort's counts stay right."""

import datetime
import json

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone, translation

from core.models import User
from courses.models import Certificate
from learners import selectors as learner_selectors
from privacy import services
from privacy.models import ErasureRequest
from tests import factories
from workshops.models import Experiment, ExperimentMember, Submission, SubmissionFile

from .conftest import EMAIL, NAME, learner_count


def traces(terms: list[str]) -> list[str]:
    """Every (model, column, pk) whose text holds one of `terms`: each Char, Text, Email and
    JSON column of every model (JSON also as JSON escapes non-ASCII)."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed:
            continue
        kinds = (models.CharField, models.TextField, models.EmailField, models.JSONField)
        for f in model._meta.concrete_fields:
            if not isinstance(f, kinds):
                continue
            match = Q()
            for t in terms:
                if isinstance(f, models.JSONField):
                    match |= Q(_t__icontains=t) | Q(_t__icontains=json.dumps(t)[1:-1])
                else:
                    match |= Q(**{f"{f.name}__icontains": t})
            qs = model._default_manager.all()
            if isinstance(f, models.JSONField):
                qs = qs.annotate(_t=Cast(f.name, models.TextField()))
            found += [
                f"{model._meta.label}.{f.name}#{pk}"
                for pk in qs.filter(match).values_list("pk", flat=True)
            ]
    return found


def _counts(cohort):
    summary = learner_selectors.cohort_summary(cohort=cohort)
    return {
        "learners": learner_count(cohort),
        "summary": (summary.learners, summary.percent, summary.finished, summary.waiting_reviews),
        "experiments": Experiment.objects.filter(cohort=cohort).count(),
        "submissions": Submission.objects.filter(cohort=cohort).count(),
    }


def test_the_checker_finds_the_person_before_erasure(world):
    # The scan must be able to fail: before erasure it finds the name and email all over.
    found = traces([EMAIL, " ".join(NAME), NAME[1]])
    assert any(t.startswith("core.User.email") for t in found)
    assert any(t.startswith("courses.Certificate.learner_name") for t in found)
    assert any(t.startswith("courses.Certificate.credential") for t in found)
    assert any(t.startswith("notifications.Notification.body") for t in found)


def test_erasure_leaves_no_trace_of_the_name_or_email_while_the_team_keeps_its_work(
    world, superuser, django_capture_on_commit_callbacks
):
    learner, team = world.learner, world.team_experiment
    before = _counts(world.cohort)
    team_versions = set(team.submissions.values_list("pk", "text"))
    solo_file = SubmissionFile.objects.get(submission=world.solo_answer)
    solo_stored = (solo_file.file.storage, solo_file.file.name)
    team_file = SubmissionFile.objects.get(submission=world.answer)
    request = services.erasure_request(user=learner, requested_by=learner)
    # The stored files go once the erasure has committed.
    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_carry_out(request=request, by=superuser)

    assert traces([EMAIL, " ".join(NAME), NAME[0], NAME[1]]) == []
    # The cohort's counts stay right.
    assert _counts(world.cohort) == before
    # The team's experiment, both versions of its answer and its file stay for Olli.
    team.refresh_from_db()
    assert set(team.submissions.values_list("pk", "text")) == team_versions
    assert ExperimentMember.objects.filter(experiment=team, user=world.team_mate).exists()
    assert SubmissionFile.objects.filter(pk=team_file.pk).exists()
    assert team_file.file.storage.exists(team_file.file.name)
    # Oona's solo answer lost its text and its file.
    world.solo_answer.refresh_from_db()
    assert "vastaukseni" not in world.solo_answer.text
    assert not SubmissionFile.objects.filter(submission=world.solo_answer).exists()
    assert not solo_stored[0].exists(solo_stored[1])
    # The certificate stays as a revoked record with no personal data.
    cert = Certificate.objects.get(pk=world.certificate.pk)
    assert cert.is_revoked
    assert cert.learner_name == ""
    assert cert.credential == {}
    assert not cert.pdf
    # The account cannot be used.
    person = User.objects.get(pk=learner.pk)
    assert not person.is_active
    assert not person.has_usable_password()
    assert person.email.endswith("@erased.invalid")
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.ERASED
    assert request.summary["submission_files"] == 1


def test_the_team_mate_still_sees_the_experiment_page(world, superuser, client_for):
    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    services.erasure_carry_out(request=request, by=superuser)
    page = client_for(world.team_mate).get(
        reverse("workshops:experiment", args=[world.team_experiment.pk])
    )
    assert page.status_code == 200
    assert "Kyläkyydit" in page.content.decode()
    assert "Oona" not in page.content.decode()


def test_the_certificate_verification_answers_revoked_after_erasure(world, superuser, client):
    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    services.erasure_carry_out(request=request, by=superuser)
    url = reverse("certificates:verify", args=[world.certificate.code])
    page = client.get(url)
    assert page.status_code == 200
    assert b'data-testid="certificate-revoked"' in page.content
    assert b'data-testid="certificate-valid"' not in page.content
    assert "Mäkelä" not in page.content.decode()


def test_a_request_is_carried_out_automatically_after_the_grace_period(world, settings):
    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    assert request.due_at > timezone.now() + datetime.timedelta(days=29)
    assert services.erasures_carry_out_due() == 0
    later = timezone.now() + datetime.timedelta(days=settings.PRIVACY_ERASURE_GRACE_DAYS, hours=1)
    assert services.erasures_carry_out_due(now=later) == 1
    assert services.erasures_carry_out_due(now=later) == 0
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.ERASED
    assert request.erased_by is None
    assert traces([EMAIL]) == []


def test_a_cancelled_request_is_never_carried_out(world, client_for, settings):
    client = client_for(world.learner)
    client.post(reverse("privacy:erasure_request"), {"confirm": "yes"})
    request = ErasureRequest.objects.get(user=world.learner)
    assert client.post(reverse("privacy:erasure_cancel", args=[request.pk])).status_code == 302
    later = timezone.now() + datetime.timedelta(days=settings.PRIVACY_ERASURE_GRACE_DAYS + 1)
    assert services.erasures_carry_out_due(now=later) == 0
    world.learner.refresh_from_db()
    assert world.learner.email == EMAIL
    # Cancelling twice is refused with a clear answer, not a 500.
    again = client.post(reverse("privacy:erasure_cancel", args=[request.pk]))
    assert again.status_code == 409


def test_asking_without_confirming_is_refused_and_records_nothing(world, client_for):
    client = client_for(world.learner)
    with translation.override("en"):
        response = client.post(reverse("privacy:erasure_request"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert not ErasureRequest.objects.exists()


def test_the_coordinator_sees_the_request_and_only_the_superuser_may_erase(
    world, client_for, coordinator, instructor, superuser, other_instructor
):
    client = client_for(world.learner)
    assert client.post(reverse("privacy:erasure_request"), {"confirm": "yes"}).status_code == 302
    request = ErasureRequest.objects.get(user=world.learner)
    page = client_for(coordinator).get(reverse("privacy:erasures"))
    assert page.status_code == 200
    assert f'data-testid="erasure-{request.pk}"' in page.content.decode()
    assert "Syksy 2026" in page.content.decode()
    assert b"erasure-carry-out" not in page.content
    # Instructors and learners have no such list.
    assert client_for(instructor).get(reverse("privacy:erasures")).status_code == 403
    assert client_for(world.team_mate).get(reverse("privacy:erasures")).status_code == 403
    # Nobody but the superuser carries it out.
    for person in (coordinator, instructor, world.learner, other_instructor):
        response = client_for(person).post(reverse("privacy:erasure_carry_out", args=[request.pk]))
        assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REQUESTED
    admin = client_for(superuser)
    assert b"erasure-carry-out" in admin.get(reverse("privacy:erasures")).content
    response = admin.post(reverse("privacy:erasure_carry_out", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.ERASED
    # A second click is a conflict, not a 500.
    again = admin.post(reverse("privacy:erasure_carry_out", args=[request.pk]))
    assert again.status_code == 409


def test_a_coordinator_of_another_cohort_does_not_see_the_request(world, client_for, other_cohort):
    other_coordinator = factories.UserFactory(email="muu@example.fi")
    factories.MembershipFactory(cohort=other_cohort, user=other_coordinator, role="coordinator")
    services.erasure_request(user=world.learner, requested_by=world.learner)
    page = client_for(other_coordinator).get(reverse("privacy:erasures"))
    assert page.status_code == 200
    assert b'data-testid="erasures-empty"' in page.content


def test_the_superuser_asks_on_a_persons_behalf(world, client_for, superuser, coordinator):
    admin = client_for(superuser)
    response = admin.post(reverse("privacy:erasure_request_for"), {"email": EMAIL.upper()})
    assert response.status_code == 302
    request = ErasureRequest.objects.get(user=world.learner)
    assert request.requested_by == superuser
    unknown = admin.post(reverse("privacy:erasure_request_for"), {"email": "ei@ole.fi"})
    assert unknown.status_code == 400
    assert ErasureRequest.objects.count() == 1
    # A coordinator may not ask on someone's behalf.
    denied = client_for(coordinator).post(
        reverse("privacy:erasure_request_for"), {"email": "olli@example.fi"}
    )
    assert denied.status_code == 403
    assert ErasureRequest.objects.count() == 1


@pytest.mark.parametrize("people", [1, 12])
def test_the_erasure_list_reads_a_fixed_number_of_queries(
    cohort, coordinator, client_for, django_assert_num_queries, people
):
    for n in range(people):
        person = factories.UserFactory(email=f"pyyntö{n}@example.fi")
        factories.MembershipFactory(cohort=cohort, user=person, role="learner")
        services.erasure_request(user=person, requested_by=person)
    client = client_for(coordinator)
    # The session, and the coordinator with the navigation's roles and unread badge (2); the
    # requests' count (1) and page (1); the requesters' memberships in her cohorts (1), for one
    # request or twelve. (10 allowed before.)
    with django_assert_num_queries(5):
        page = client.get(reverse("privacy:erasures"))
    assert page.content.decode().count('data-testid="erasure-') == people


def test_another_person_with_the_same_first_name_keeps_theirs(world, superuser, course):
    from learners.models import InvitationImport

    namesake = factories.UserFactory(
        email="oona.virtanen@example.fi", first_name="Oona", last_name="Virtanen"
    )
    factories.MembershipFactory(cohort=world.cohort, user=namesake, role="learner")
    other_course = factories.CourseFactory(title="Toinen kurssi")
    Certificate.objects.create(
        user=namesake,
        course=other_course,
        code="BBBB-CERT-0002",
        status=Certificate.Status.ISSUED,
        learner_name="Oona Virtanen",
    )
    upload = InvitationImport.objects.create(
        cohort=world.cohort,
        file_name="kutsut.csv",
        content=b"",
        status=InvitationImport.Status.DONE,
        rows=[
            {"line": 2, "first_name": "Oona", "last_name": "Mäkelä", "email": EMAIL},
            {"line": 3, "first_name": "Oona", "last_name": "Virtanen", "email": namesake.email},
        ],
    )
    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    services.erasure_carry_out(request=request, by=superuser)

    namesake.refresh_from_db()
    assert (namesake.first_name, namesake.last_name) == ("Oona", "Virtanen")
    assert Certificate.objects.get(code="BBBB-CERT-0002").learner_name == "Oona Virtanen"
    upload.refresh_from_db()
    assert upload.rows == [
        {"line": 3, "first_name": "Oona", "last_name": "Virtanen", "email": namesake.email}
    ]
    # The erased person's full name, last name and email are gone from every column.
    assert traces([EMAIL, " ".join(NAME), NAME[1]]) == []


def test_nobody_may_ask_or_cancel_for_someone_else(world, client_for, client, coordinator):
    # Anonymous: to the sign-in page, nothing recorded.
    response = client.post(reverse("privacy:erasure_request"), {"confirm": "yes"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not ErasureRequest.objects.exists()
    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    # Neither a team mate nor a coordinator can withdraw it.
    for person in (world.team_mate, coordinator):
        cancel = client_for(person).post(reverse("privacy:erasure_cancel", args=[request.pk]))
        assert cancel.status_code == 404
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REQUESTED
    # A GET never changes anything.
    assert client_for(world.learner).get(reverse("privacy:erasure_request")).status_code == 405


def test_the_superuser_cannot_erase_themselves_here(client_for, superuser):
    with translation.override("en"):
        response = client_for(superuser).post(
            reverse("privacy:erasure_request"), {"confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 400
    assert not ErasureRequest.objects.exists()


def test_the_privacy_notice_only_answers_reading(client, db):
    assert client.post(reverse("privacy:notice")).status_code == 405


def test_erasure_removes_the_files_the_person_sent_ahead_of_a_form_and_never_used(
    world, superuser, client_for, django_capture_on_commit_callbacks
):
    from pathlib import Path
    from urllib.parse import quote

    from django.conf import settings

    from core.models import StagedUpload
    from core.uploads import INCOMING

    def stage(person, name):
        response = client_for(person).post(
            "/uploads/",
            data=b"%PDF-1.4 luonnos",
            content_type="application/pdf",
            headers={"X-File-Name": quote(name)},
        )
        assert response.status_code == 201
        return StagedUpload.objects.get(token=response.json()["token"])

    hers = stage(world.learner, "oonan-budjetti.pdf")
    his = stage(world.team_mate, "ollin-liite.pdf")
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / INCOMING
    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.erasure_carry_out(request=request, by=superuser)

    assert done["staged_files"] == 1
    assert not StagedUpload.objects.filter(pk=hers.pk).exists()
    assert not (folder / hers.stored_name).exists()
    # The team mate's file waiting for his form stays.
    assert StagedUpload.objects.filter(pk=his.pk).exists()
    assert (folder / his.stored_name).exists()
