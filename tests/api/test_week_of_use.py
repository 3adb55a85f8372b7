"""A week of an HR system and a reporting script using the API next to people using the pages:
invitations in, people joining, a team's experiment moving through its phases, an
announcement out, the token revoked. And the writes' bad input: a clear 400, nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from learners import services as learner_services
from learners.models import Invitation, Membership
from notifications.models import Announcement, Notification
from tests import factories
from tests.api.conftest import ids, results
from workshops import services as workshop_services
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db


def test_a_week_of_the_hr_system_and_the_reporting_script(
    client_for,
    api_as,
    cohort,
    assignment,
    coordinator,
    instructor,
    django_capture_on_commit_callbacks,
):
    # Monday: the coordinator creates a read and write token on their page for the HR system.
    page = client_for(coordinator)
    page.post(reverse("api:tokens"), {"name": "HR", "scope": ApiToken.Scope.WRITE})
    secret = page.get(reverse("api:tokens")).context["new_token"]["secret"]
    from rest_framework.test import APIClient

    hr = APIClient()
    hr.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    invitations = reverse("api:invitations", args=[cohort.pk])
    for email in ("aino@kunta.fi", "Bertta@Kunta.fi"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = hr.post(invitations, {"email": email, "first_name": "Uusi"}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["status"] == Invitation.Status.PENDING
        assert response.json()["email_status"] == Invitation.EmailStatus.QUEUED
        assert callbacks, "the invitation email is published after commit"
    assert [row["email"] for row in results(hr.get(invitations))] == [
        "aino@kunta.fi",
        "bertta@kunta.fi",
    ]
    # The same person twice (HR sends its whole list again) is refused and nothing changes.
    # Errors come in the token owner's own language (Finnish here), like the pages'.
    again = hr.post(invitations, {"email": "aino@kunta.fi"}, format="json")
    assert again.status_code == 400
    assert "aino@kunta.fi on jo kutsuttu" in again.json()["non_field_errors"][0]
    assert Invitation.objects.count() == 2

    # Tuesday: both accept on the page; the reporting script sees them as learners.
    people = []
    for invitation in Invitation.objects.order_by("pk"):
        person = factories.UserFactory(email=invitation.email)
        learner_services.invitation_accept(invitation=invitation, user=person)
        people.append(person)
    aino, bertta = people
    report = api_as(coordinator, scope=ApiToken.Scope.READ)
    learners = results(
        report.get(reverse("api:memberships", args=[cohort.pk]), {"role": "learner"})
    )
    assert {row["person"]["email"] for row in learners} == {"aino@kunta.fi", "bertta@kunta.fi"}
    progress = results(report.get(reverse("api:progress", args=[cohort.pk])))
    assert {m["done"] for row in progress for m in row["modules"]} == {0}

    # Wednesday: Aino and Bertta start one experiment as a team and send phase 1.
    experiment = workshop_services.experiment_create(
        learner=aino, workshop=assignment.workshop, cohort=cohort, title="Kyläkyyti"
    )
    workshop_services.experiment_add_member(experiment=experiment, by=aino, email=bertta.email)
    submission = workshop_services.submission_submit(
        learner=aino, assignment=assignment, cohort=cohort, text="Haaste", experiment=experiment
    )
    # Bertta's phase state is the team's: her own token reads the same as the coordinator's.
    bertta_api = api_as(bertta)
    for client in (report, bertta_api):
        (row,) = results(client.get(reverse("api:experiments"), {"cohort": cohort.pk}))
        assert [m["id"] for m in row["team"]] == [aino.pk, bertta.pk]
        assert row["phases"][0] == {
            "phase": 1,
            "label": row["phases"][0]["label"],
            "state": "open",
            "latest_status": Submission.Status.RECEIVED,
            "latest_version": 1,
        }
        assert [p["state"] for p in row["phases"][1:]] == ["locked"] * 5

    # Thursday: the instructor approves; the API follows the page.
    workshop_services.submission_review(
        submission=submission,
        reviewer=instructor,
        decision=Review.Decision.APPROVE,
        feedback="Hyvä",
    )
    row = bertta_api.get(reverse("api:experiment", args=[experiment.pk])).json()
    assert row["phase"] == 2
    assert [p["state"] for p in row["phases"][:2]] == ["approved", "open"]
    statuses = results(report.get(reverse("api:submissions"), {"status": "approved"}))
    assert [s["id"] for s in statuses] == [submission.pk]
    assert "text" not in statuses[0]
    assert report.get(reverse("api:submission", args=[submission.pk])).json()["text"] == "Haaste"

    # Friday: the HR system announces the next session; everyone in the cohort is told.
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            reverse("api:announcements", args=[cohort.pk]),
            {"subject": "Työpaja maanantaina", "body": "Tervetuloa kunnantalolle."},
            format="json",
        )
    assert response.status_code == 201
    announcement = Announcement.objects.get()
    assert announcement.author == coordinator
    told = set(
        Notification.objects.filter(subject="Työpaja maanantaina").values_list(
            "recipient_id", flat=True
        )
    )
    assert {aino.pk, bertta.pk} <= told

    # Saturday: the coordinator leaves the job; the token is revoked on the page.
    token = ApiToken.objects.get(user=coordinator, name="HR")
    page.post(reverse("api:token_revoke", args=[token.pk]))
    assert hr.get(invitations).status_code == 401
    assert hr.post(invitations, {"email": "c@kunta.fi"}, format="json").status_code == 401
    assert Invitation.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "ei-osoite"}, "email", "Anna kelvollinen sähköpostiosoite."),
        ({}, "email", "Tämä kenttä vaaditaan."),
        ({"email": "a@kunta.fi", "role": "rector"}, "role", "ei ole kelvollinen valinta."),
        ({"email": "a@kunta.fi", "language": "de"}, "language", "ei ole kelvollinen valinta."),
    ],
)
def test_a_bad_invitation_is_refused_with_the_field_s_error_and_nothing_saved(
    api_as, coordinator, cohort, body, field, message
):
    client = api_as(coordinator, scope=ApiToken.Scope.WRITE)
    response = client.post(reverse("api:invitations", args=[cohort.pk]), body, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Invitation.objects.exists()


def test_inviting_a_present_member_is_refused(api_as, coordinator, cohort, learner):
    response = api_as(coordinator, scope="write").post(
        reverse("api:invitations", args=[cohort.pk]), {"email": learner.email}, format="json"
    )
    assert response.status_code == 400
    assert learner.email in response.json()["non_field_errors"][0]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"subject": " ", "body": "x"},
        {"subject": "x", "body": "x", "send_at": "2020-01-01T10:00:00Z"},
        {"subject": "x", "body": "x", "send_at": "huomenna"},
        {"subject": "x" * 201, "body": "x"},
    ],
)
def test_a_bad_announcement_is_refused_and_nothing_saved(api_as, instructor, cohort, body):
    response = api_as(instructor, scope="write").post(
        reverse("api:announcements", args=[cohort.pk]), body, format="json"
    )
    assert response.status_code == 400
    assert response.json()
    assert not Announcement.objects.exists()


def test_a_scheduled_announcement_waits_for_its_time(api_as, instructor, cohort):
    later = timezone.now() + timezone.timedelta(days=2)
    response = api_as(instructor, scope="write").post(
        reverse("api:announcements", args=[cohort.pk]),
        {"subject": "Muistutus", "body": "Palautus perjantaina", "send_at": later.isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == Announcement.Status.SCHEDULED


def test_a_malformed_body_or_filter_is_a_clear_400(api_as, coordinator, cohort):
    client = api_as(coordinator, scope="write")
    response = client.post(
        reverse("api:invitations", args=[cohort.pk]), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert client.get(reverse("api:submissions"), {"cohort": "x"}).status_code == 400
    assert client.get(reverse("api:submissions"), {"status": "lost"}).status_code == 400
    assert (
        client.get(reverse("api:memberships", args=[cohort.pk]), {"role": "x"}).status_code == 400
    )
    assert not Invitation.objects.exists()


def test_a_learner_reads_their_team_s_work_and_not_the_cohort_s(
    api_as, learner, other_learner, submission, cohort, assignment
):
    others = factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=other_learner
    )
    client = api_as(learner)
    assert ids(client.get(reverse("api:submissions"))) == [submission.pk]
    assert client.get(reverse("api:submission", args=[others.pk])).status_code == 404
    assert Membership.objects.filter(user=learner, role="learner").exists()
