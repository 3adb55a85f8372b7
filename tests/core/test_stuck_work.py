"""The background-work page (superuser: everything; coordinators: their cohorts) and /healthz.

A week of use in miniature: files wait while the broker is away, the coordinator sees them as
waiting and late, retries them, and the page (and /healthz) turn quiet again.
"""

from __future__ import annotations

import datetime
import json

import pytest
from celery.app.task import Task
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import outbox
from courses.models import CompletionCheckWanted
from learners.models import ExportJob, InvitationImport
from tests import factories
from workshops.models import PeerAllocationWanted, Submission, SubmissionFile

pytestmark = pytest.mark.django_db

URL = reverse("core:stuck_work")


def retry_url(key: str) -> str:
    return reverse("core:stuck_work_retry", args=[key])


@pytest.fixture
def published(monkeypatch):
    """Task names published (not run): the sweepers' work is seen without doing it."""
    names: list[tuple[str, tuple]] = []

    def apply_async(task, args=None, kwargs=None, **options):
        names.append((task.name, tuple(args or ())))

    monkeypatch.setattr(Task, "apply_async", apply_async)
    return names


def waiting_file(cohort, assignment, *, ago_minutes=30, attempts=0):
    submission = factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, status=Submission.Status.PROCESSING
    )
    created = timezone.now() - datetime.timedelta(minutes=ago_minutes)
    return SubmissionFile.objects.create(
        submission=submission,
        file="submissions/x.pdf",
        original_name="x.pdf",
        created_at=created,
        next_attempt_at=created + outbox.outbox_period("files"),
        attempts=attempts,
    )


def row(page, key):
    """The cells of one kind's row, by test id."""
    html = page.content.decode()
    start = html.index(f'data-kind="{key}"')
    chunk = html[start : html.index("</tr>", start)]
    cells = {}
    for name in ("pending", "queued", "failed", "oldest"):
        at = chunk.index(f'data-testid="stuck-{name}">') + len(f'data-testid="stuck-{name}">')
        cells[name] = chunk[at : chunk.index("</td>", at)]
    cells["late"] = 'data-testid="stuck-overdue"' in chunk
    cells["retry"] = 'data-testid="stuck-retry"' in chunk
    return cells


def test_a_coordinator_sees_only_their_cohorts_waiting_work_and_retries_it(
    client_for, coordinator, cohort, other_cohort, assignment, published
):
    mine = waiting_file(cohort, assignment)
    theirs = waiting_file(other_cohort, assignment)
    client = client_for(coordinator)

    page = client.get(URL)
    assert page.status_code == 200
    files = row(page, "files")
    assert files["pending"] == "1"  # not the other cohort's file
    assert files["late"]  # its sweep time is a period behind
    assert files["oldest"].startswith("30\xa0")  # "30 minuuttia sitten"
    assert files["retry"]
    assert row(page, "exports") == {
        "pending": "0",
        "queued": "0",
        "failed": "0",
        "oldest": "–",
        "late": False,
        "retry": False,
    }

    response = client.post(retry_url("files"))
    assert response.status_code == 302
    assert response["Location"] == URL
    assert published == [("workshops.tasks.submission_file_process", (mine.pk,))]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.attempts == 1
    assert mine.next_attempt_at > timezone.now()
    assert theirs.attempts == 0  # another cohort's work is not touched

    after = client.get(URL)
    assert not row(after, "files")["late"]


def test_the_superuser_sees_every_cohort_and_retries_failed_items(
    client_for, superuser, cohort, other_cohort, assignment, published, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    waiting_file(cohort, assignment)
    failed = waiting_file(other_cohort, assignment, attempts=3)
    client = client_for(superuser)

    page = client.get(URL)
    assert row(page, "files")["pending"] == "1"
    assert '<span class="badge text-bg-danger">1</span>' in row(page, "files")["failed"]

    client.post(retry_url("files"))
    assert sorted(args[0] for _name, args in published) == sorted(
        SubmissionFile.objects.values_list("pk", flat=True)
    )
    failed.refresh_from_db()
    assert failed.attempts == 1  # counted again from the start, no longer failed
    assert row(client.get(URL), "files")["failed"] == "0"


@pytest.mark.parametrize(
    "key",
    [
        "completion",
        "peer",
        "imports",
        "exports",
        "certificates",
        "emails",
        "invitation_emails",
        "announcements",
    ],
)
def test_every_kind_can_be_retried_by_the_superuser(client_for, superuser, key, published):
    response = client_for(superuser).post(retry_url(key))
    assert response.status_code == 302


def test_failed_and_stuck_emails_are_shown_per_cohort_and_retried_with_a_fresh_window(
    client_for, coordinator, learner, outsider_learner, cohort, published
):
    from learners.models import Invitation
    from notifications.models import Notification

    def note(person, key, **fields):
        return Notification.objects.create(
            recipient=person,
            category=Notification.Category.REVIEWS,
            key=key,
            subject="Vastauksesi on arvioitu",
            body="Palautetta.",
            url="/",
            **fields,
        )

    failed = note(learner, "a", email_status="failed", email_error="421 try later")
    note(outsider_learner, "b", email_status="failed")  # another cohort's learner
    Invitation.objects.create(
        cohort=cohort,
        email="uusi@example.fi",
        invited_by=coordinator,
        expires_at=timezone.now() + datetime.timedelta(days=30),
        email_status="sending",
        claimed_at=timezone.now() - datetime.timedelta(hours=1),
    )
    client = client_for(coordinator)
    page = client.get(URL)
    emails = row(page, "emails")
    assert (emails["pending"], emails["queued"]) == ("0", "0")
    assert '<span class="badge text-bg-danger">1</span>' in emails["failed"]
    invitations = row(page, "invitation_emails")
    assert invitations["queued"] == "1"
    assert invitations["late"]  # sending for an hour: its worker is gone

    assert client.post(retry_url("emails")).status_code == 302
    assert published == [("notifications.tasks.notification_send_emails", ([failed.pk],))]
    failed.refresh_from_db()
    assert failed.email_status == "queued"
    assert failed.retry_until > timezone.now() + datetime.timedelta(hours=40)
    assert Notification.objects.get(key="b").email_status == "failed"

    client.post(retry_url("invitation_emails"))
    assert published[-1][0] == "learners.tasks.invitation_send_emails"
    assert Invitation.objects.get().email_status == "queued"


def test_people_who_do_not_coordinate_are_refused(
    client, client_for, learner, instructor, cohort, assignment, published
):
    waiting_file(cohort, assignment)
    assert client.get(URL).status_code == 302  # to the sign-in page
    assert client.post(retry_url("files")).status_code == 302
    for person in (learner, instructor):
        signed_in = client_for(person)
        assert signed_in.get(URL).status_code == 403
        assert signed_in.post(retry_url("files")).status_code == 403
    assert published == []


def test_an_unknown_kind_is_404_and_a_get_is_not_a_retry(client_for, coordinator, published):
    client = client_for(coordinator)
    assert client.post(retry_url("nonsense")).status_code == 404
    assert client.get(retry_url("files")).status_code == 405
    assert published == []


def test_the_page_reads_a_fixed_number_of_queries_however_much_waits(
    client_for, superuser, cohort, assignment, coordinator, django_assert_num_queries
):
    def fill(n):
        for _ in range(n):
            waiting_file(cohort, assignment)
            CompletionCheckWanted.objects.create(course=cohort.course, cohort=cohort)
            InvitationImport.objects.create(cohort=cohort, file_name="a.csv", content=b"x")
            ExportJob.objects.create(cohort=cohort, requested_by=coordinator, what="x", fmt="csv")

    # The session, and the person with the navigation's roles and unread badge (2); for a
    # coordinator the cohorts she coordinates (1, the superuser sees every cohort's); then one
    # count per kind of work, with its waiting and failed rows in the same query, and the
    # files' kind one more (the submitted and the feedback files are counted apart). (kinds +
    # 8 allowed before.)
    kinds = len(outbox.kinds())
    for person, budget in ((superuser, kinds + 3), (coordinator, kinds + 4)):
        client = client_for(person)
        fill(2)
        with django_assert_num_queries(budget):
            assert client.get(URL).status_code == 200
        fill(30)
        with django_assert_num_queries(budget):
            page = client.get(URL)
        assert int(row(page, "files")["pending"]) >= 32


def test_a_person_who_coordinates_sees_the_link_in_their_menu(client_for, coordinator, learner):
    assert 'data-testid="nav-stuck-work"' in client_for(coordinator).get("/").content.decode()
    assert 'data-testid="nav-stuck-work"' not in client_for(learner).get("/").content.decode()


# --- /healthz -------------------------------------------------------------------------------


def health(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


@pytest.fixture
def no_broker(settings):
    settings.CELERY_BROKER_URL = ""  # the embedded default: tasks run in-process


def test_health_is_ok_without_a_broker_and_degraded_when_work_is_late(
    client, cohort, assignment, no_broker
):
    status, report = health(client)
    assert status == 200
    assert report["status"] == "ok"
    assert report["database"] == "ok"
    assert report["broker"] == "in-process"
    assert report["late_work"] == {}

    # A file waits two sweeper periods past its sweep time: the sweeper is not doing its job.
    waiting_file(cohort, assignment, ago_minutes=10)
    status, report = health(client)
    assert status == 200
    assert report["status"] == "degraded"
    assert report["late_work"]["files"]["overdue"] == 1
    assert report["late_work"]["files"]["oldest_age_seconds"] >= 599


def test_a_file_within_its_period_is_not_late(client, cohort, assignment, no_broker):
    waiting_file(cohort, assignment, ago_minutes=0)
    assert health(client)[1]["status"] == "ok"


def test_health_reports_the_worker_heartbeat_and_an_unreachable_broker(
    client, settings, monkeypatch
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    status, report = health(client)
    assert status == 200
    assert report["broker"] == "unavailable"
    assert report["worker"] == {"status": "not seen"}
    assert report["status"] == "degraded"

    monkeypatch.setattr(outbox, "_broker_status", lambda: "ok")
    from core.tasks import worker_heartbeat

    worker_heartbeat()
    status, report = health(client)
    assert report["worker"]["status"] == "ok"
    assert report["status"] == "ok"

    outbox.heartbeat_write(timezone.now() - datetime.timedelta(minutes=5))
    assert health(client)[1]["worker"]["status"] == "late"


def test_health_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(connection, "cursor", broken)
    status, report = health(client)
    assert status == 503
    assert report == {"status": "down", "database": "unavailable"}


def test_other_kinds_late_also_degrade_health(client, cohort, assignment):
    CompletionCheckWanted.objects.create(
        course=cohort.course,
        cohort=cohort,
        next_attempt_at=timezone.now() - datetime.timedelta(hours=1),
    )
    PeerAllocationWanted.objects.create(
        assignment=assignment,
        cohort=cohort,
        next_attempt_at=timezone.now() - datetime.timedelta(hours=1),
    )
    report = health(client)[1]
    assert set(report["late_work"]) == {"completion", "peer"}


def test_sweep_all_runs_every_kinds_sweeper_and_a_second_run_publishes_nothing(
    cohort, assignment, coordinator, published
):
    waiting_file(cohort, assignment)
    CompletionCheckWanted.objects.create(course=cohort.course, cohort=cohort)
    PeerAllocationWanted.objects.create(assignment=assignment, cohort=cohort)
    InvitationImport.objects.create(cohort=cohort, file_name="a.csv", content=b"x")
    ExportJob.objects.create(cohort=cohort, requested_by=coordinator, what="x", fmt="csv")
    assert {k.key for k in outbox.kinds() if k.sweep is None} == set()

    later = timezone.now() + datetime.timedelta(hours=2)
    outbox.sweep_all(later)
    names = sorted(name for name, _args in published)
    assert names == [
        "courses.tasks.completion_check_run",
        "learners.tasks.export_build",
        "learners.tasks.invitation_import_check",
        "workshops.tasks.peer_allocation_run",
        "workshops.tasks.submission_file_process",
    ]
    outbox.sweep_all(later)  # beat doubled: the claims hold
    assert len(published) == 5
