"""The outbox: a committed write never answers 500 because the broker is down, and the beat
sweepers find what the lost publish left waiting; a second sweep publishes nothing twice.

The broker outage is made by letting every `apply_async` raise kombu's OperationalError, as
Redis refusing the connection does. Time is moved by passing `now` to the sweepers.
"""

from __future__ import annotations

import datetime

import pytest
from celery.app.task import Task
from django.db import OperationalError as DatabaseError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from kombu.exceptions import OperationalError

from core import outbox
from courses import services as course_services
from courses.models import Certificate, CompletionCheckWanted
from courses.outbox import completion_checks_sweep
from learners.models import ExportJob, InvitationImport
from learners.outbox import exports_sweep, invitation_imports_sweep
from tests import factories
from tests.pdfs import pdf_upload
from workshops import services as workshop_services
from workshops.models import PeerAllocationWanted, Submission, SubmissionFile
from workshops.outbox import peer_allocations_sweep, submission_files_sweep

pytestmark = pytest.mark.django_db


class Broker:
    """Counts publishes by task name; `down` makes each one fail like an unreachable Redis."""

    def __init__(self) -> None:
        self.down = False
        self.published: list[str] = []
        self.refused: list[str] = []


@pytest.fixture
def broker(monkeypatch):
    state = Broker()
    real = Task.apply_async

    def apply_async(task, args=None, kwargs=None, **options):
        if state.down:
            state.refused.append(task.name)
            raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")
        state.published.append(task.name)
        return real(task, args, kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", apply_async)
    return state


def later(minutes: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


# --- a learner submits while the broker is down ---------------------------------------------


def test_a_learner_who_submits_during_a_broker_outage_sees_the_version_saved_and_checked_later(
    client_for, learner, cohort, assignment, broker, django_capture_on_commit_callbacks
):
    workshop_services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=cohort, title="Kyyti asemalle"
    )
    client = client_for(learner)
    broker.down = True
    with (
        translation.override("en"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("workshops:assignment", args=[assignment.pk]),
            {
                "text": "Haasteeni on matkaketjut.",
                "attachments": [pdf_upload("eka.pdf"), pdf_upload("toka.pdf", pages=3)],
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302, response.content.decode()[-3000:]
    submission = Submission.objects.get(learner=learner)
    assert response["Location"] == reverse("workshops:submission_detail", args=[submission.pk])
    # Both files' publishes were tried (one failing hook does not drop the others) and failed.
    assert broker.refused.count("workshops.tasks.submission_file_process") == 2
    assert submission.status == Submission.Status.PROCESSING
    assert set(submission.files.values_list("status", flat=True)) == {"pending"}

    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert gettext("Your answer was saved and sent. Its files will be checked shortly.") in text

    # The broker is back; nothing happens until the sweeper's first look at the files.
    broker.down = False
    assert submission_files_sweep() == {"files": 0, "versions": 0}
    assert submission_files_sweep(now=later(2)) == {"files": 2, "versions": 0}

    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert set(submission.files.values_list("status", flat=True)) == {"accepted"}
    # A second sweep, even much later, publishes nothing: nothing is pending any more.
    assert submission_files_sweep(now=later(120)) == {"files": 0, "versions": 0}
    assert broker.published.count("workshops.tasks.submission_file_process") == 2
    # The version now reaches the instructors' queue.
    assert Submission.objects.filter(pk=submission.pk, status="received").exists()


def test_a_version_left_processing_with_no_file_pending_is_settled_by_the_sweeper(
    learner, cohort, assignment
):
    submission = factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.PROCESSING
    )
    SubmissionFile.objects.create(
        submission=submission,
        file="submissions/x.pdf",
        original_name="x.pdf",
        status=SubmissionFile.Status.ACCEPTED,
    )
    Submission.objects.filter(pk=submission.pk).update(submitted_at=later(-5))

    assert submission_files_sweep() == {"files": 0, "versions": 1}
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert submission_files_sweep() == {"files": 0, "versions": 0}


def test_a_file_whose_check_keeps_failing_is_swept_with_growing_intervals_then_left_for_a_person(
    learner, cohort, assignment, broker, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    submission = factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.PROCESSING
    )
    broker.down = True
    attachment = SubmissionFile.objects.create(
        submission=submission, file="submissions/x.pdf", original_name="x.pdf"
    )
    start = timezone.now()
    period = outbox.outbox_period("files")
    waits = []
    now = start + period
    for _ in range(3):
        assert submission_files_sweep(now=now)["files"] == 1
        attachment.refresh_from_db()
        waits.append(attachment.next_attempt_at - now)
        # Nothing more until its next sweep time.
        assert submission_files_sweep(now=now + datetime.timedelta(seconds=1))["files"] == 0
        now = attachment.next_attempt_at
    assert waits == [period, 2 * period, 4 * period]
    assert attachment.attempts == 3
    # Out of attempts: it counts as failed and is no longer swept.
    assert submission_files_sweep(now=later(600))["files"] == 0
    backlog = outbox.get_kind("files").backlog(None, timezone.now())
    assert (backlog.pending, backlog.failed) == (0, 1)


# --- an instructor approves while the broker is down ----------------------------------------


@pytest.fixture
def finishing_submission(learner, cohort, course, assignment):
    """Oona has done every item; approving her answer finishes the course."""
    course.completion_assignments.add(assignment)
    for item in course.modules.all().values_list("items", flat=True):
        from courses.models import Item

        course_services.item_complete(user=learner, item=Item.objects.get(pk=item))
    submission = workshop_services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, text="Vastaus"
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    CompletionCheckWanted.objects.all().delete()  # the submit's own check ran already
    assert not Certificate.objects.exists()
    return submission


def test_an_approval_during_a_broker_outage_redirects_and_the_sweeper_issues_the_certificate(
    client_for,
    instructor,
    learner,
    finishing_submission,
    broker,
    django_capture_on_commit_callbacks,
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(instructor).post(
            reverse("workshops:review", args=[finishing_submission.pk]),
            {"decision": "approve", "feedback": "Hyvä."},
        )
    assert response.status_code == 302
    finishing_submission.refresh_from_db()
    assert finishing_submission.status == Submission.Status.APPROVED
    assert "courses.tasks.completion_check_run" in broker.refused
    assert not Certificate.objects.exists()
    assert CompletionCheckWanted.objects.count() == 1

    broker.down = False
    assert completion_checks_sweep() == []  # not yet due
    with django_capture_on_commit_callbacks(execute=True):
        swept = completion_checks_sweep(now=later(3))
    assert len(swept) == 1
    certificate = Certificate.objects.get(user=learner)
    assert certificate.status == Certificate.Status.ISSUED
    assert not CompletionCheckWanted.objects.exists()
    # Swept again (a doubled beat): nothing is published, still one certificate.
    assert completion_checks_sweep(now=later(60)) == []
    assert Certificate.objects.filter(user=learner).count() == 1


def test_a_completion_check_delivered_twice_issues_one_certificate(
    learner, finishing_submission, broker, django_capture_on_commit_callbacks
):
    Submission.objects.filter(pk=finishing_submission.pk).update(status="approved")
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        course_services.submission_completion_check_later(submission_id=finishing_submission.pk)
    wanted = CompletionCheckWanted.objects.get()
    broker.down = False
    from courses.tasks import completion_check_run

    with django_capture_on_commit_callbacks(execute=True):
        assert completion_check_run(wanted.pk) == 1
    assert completion_check_run(wanted.pk) is None
    assert Certificate.objects.filter(user=learner).count() == 1


# --- peer allocation, imports and exports ---------------------------------------------------


def test_a_peer_allocation_wanted_during_an_outage_is_allocated_by_the_sweeper(
    learner, other_learner, cohort, assignment, broker, django_capture_on_commit_callbacks
):
    assignment.peer_review = True
    assignment.save()
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        for person in (learner, other_learner):
            workshop_services.submission_submit(
                learner=person, assignment=assignment, cohort=cohort, text="Vastaus"
            )
    # Many answers of the phase share one wanted row.
    assert PeerAllocationWanted.objects.count() == 1
    from workshops.models import PeerReview

    assert not PeerReview.objects.exists()

    broker.down = False
    assert len(peer_allocations_sweep(now=later(3))) == 1
    assert not PeerAllocationWanted.objects.exists()
    reviews = list(PeerReview.objects.values_list("submission__learner_id", "reviewer_id"))
    assert sorted(reviews) == sorted(
        [(learner.pk, other_learner.pk), (other_learner.pk, learner.pk)]
    )
    assert peer_allocations_sweep(now=later(60)) == []
    assert PeerReview.objects.count() == 2


def test_an_invitation_upload_whose_worker_died_is_checked_again_only_when_its_claim_is_stale(
    coordinator, cohort, broker, django_capture_on_commit_callbacks
):
    from learners import services as learner_services

    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        upload = learner_services.import_upload(
            cohort=cohort,
            uploaded_by=coordinator,
            file_name="ryhma.csv",
            content=b"email,first_name\nanna@example.fi,Anna\n",
        )
    upload.refresh_from_db()
    assert upload.status == InvitationImport.Status.CHECKING
    broker.down = False
    # A worker took it just now (a fresh claim): the sweeper leaves it alone.
    InvitationImport.objects.filter(pk=upload.pk).update(claimed_at=later(4))
    assert invitation_imports_sweep(now=later(6)) == []
    # The claim went stale (the worker died): checked again, once.
    assert invitation_imports_sweep(now=later(20)) == [upload.pk]
    upload.refresh_from_db()
    assert upload.status == InvitationImport.Status.PREVIEW
    assert invitation_imports_sweep(now=later(60)) == []


def test_an_export_stuck_running_goes_back_to_pending_and_is_made(
    coordinator, cohort, broker, django_capture_on_commit_callbacks
):
    from learners import services as learner_services

    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        job = learner_services.export_request(
            cohort=cohort, user=coordinator, what="progress", fmt="csv"
        )
    # A worker claimed it and died.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, claimed_at=later(0))
    broker.down = False
    assert exports_sweep(now=later(10)) == []
    assert exports_sweep(now=later(40)) == [job.pk]
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    with job.file.open("rb") as made:  # in the private storage, not in the row
        assert made.read()
    assert exports_sweep(now=later(90)) == []


# --- the broker settings --------------------------------------------------------------------


def test_the_visibility_timeout_outlasts_every_tasks_longest_retry_wait_and_time_limit(settings):
    from config.celery import app

    app.loader.import_default_modules()
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    ours = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) > 15
    for task in ours:
        longest_wait = (
            task.retry_backoff_max if getattr(task, "retry_backoff", False) else 0
        ) or task.default_retry_delay
        limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        assert visibility > longest_wait, task.name
        assert visibility > limit, task.name
        assert task.acks_late, f"{task.name} must be acknowledged only after it ran"
        # A database restarting for a moment is retried with backoff by every task.
        assert DatabaseError in getattr(task, "autoretry_for", ()), task.name
        assert task.retry_backoff, task.name


def test_each_kind_of_task_is_routed_to_its_queue(settings):
    from config.celery import app

    router = app.amqp.router

    def queue_of(name):
        return router.route({}, name)["queue"].name

    assert queue_of("workshops.tasks.submission_file_process") == "files"
    assert queue_of("notifications.tasks.notification_send_email") == "email"
    assert queue_of("learners.tasks.invitation_send_email") == "email"
    assert queue_of("learners.tasks.invitation_import_apply") == "bulk"
    assert queue_of("learners.tasks.export_build") == "bulk"
    assert queue_of("notifications.tasks.announcement_send") == "bulk"
    assert queue_of("courses.tasks.completion_check_run") == "default"
    assert queue_of("workshops.tasks.submission_files_sweep") == "default"
    for kind in outbox.kinds():
        assert kind.queue in settings.TASK_QUEUES


def test_every_sweeper_and_the_heartbeat_are_on_the_beat_schedule(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for kind in outbox.kinds():
        assert kind.sweeper in scheduled, kind.key
    assert "core.tasks.worker_heartbeat" in scheduled


def test_a_file_check_interrupted_by_a_database_restart_is_retried_and_done(
    learner, cohort, assignment, monkeypatch
):
    from workshops import services as ws
    from workshops.tasks import submission_file_process

    submission = factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.PROCESSING
    )
    from django.core.files.base import ContentFile

    from tests.pdfs import pdf_bytes

    attachment = SubmissionFile(submission=submission, original_name="haaste.pdf")
    attachment.file.save("haaste.pdf", ContentFile(pdf_bytes(2)), save=True)
    real = ws.submission_file_process
    calls = []

    def flaky(*, file_id):
        calls.append(file_id)
        if len(calls) == 1:
            raise DatabaseError("terminating connection due to administrator command")
        return real(file_id=file_id)

    monkeypatch.setattr(ws, "submission_file_process", flaky)
    result = submission_file_process.apply(args=[attachment.pk])
    assert result.get() == "accepted"
    assert len(calls) == 2
    attachment.refresh_from_db()
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    from courses.tasks import completion_check_run
    from learners.tasks import export_build

    for task in (submission_file_process, completion_check_run, export_build):
        assert DatabaseError in task.autoretry_for, task.name


def test_attendance_recorded_during_an_outage_leaves_a_check_for_those_learners(
    learner, other_learner, cohort, course, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        course_services.completion_check_later(
            course_id=course.pk, user_ids=[other_learner.pk, learner.pk], cohort_id=cohort.pk
        )
    wanted = CompletionCheckWanted.objects.get()
    assert (wanted.cohort_id, wanted.user_ids) == (
        cohort.pk,
        sorted([learner.pk, other_learner.pk]),
    )
    broker.down = False
    assert completion_checks_sweep(now=later(3)) == [wanted.pk]
    # Checked (neither has finished the course yet) and done with: nothing more is swept.
    assert not CompletionCheckWanted.objects.exists()
    assert not Certificate.objects.exists()
    assert completion_checks_sweep(now=later(60)) == []


def test_healthz_reads_a_fixed_number_of_queries_however_much_waits(
    client, cohort, assignment, settings, django_assert_max_num_queries
):
    settings.CELERY_BROKER_URL = ""
    budget = len(outbox.kinds()) + 2  # SELECT 1, one count per kind, the heartbeat not needed

    def fill(n):
        for _ in range(n):
            submission = factories.SubmissionFactory(assignment=assignment, cohort=cohort)
            SubmissionFile.objects.create(
                submission=submission,
                file="x.pdf",
                original_name="x.pdf",
                next_attempt_at=later(-60),
            )

    fill(2)
    with django_assert_max_num_queries(budget):
        assert client.get("/healthz").status_code == 200
    fill(40)
    with django_assert_max_num_queries(budget):
        response = client.get("/healthz")
    assert response.json()["late_work"]["files"]["overdue"] == 42


def test_after_a_failed_publish_the_process_leaves_the_broker_alone_for_a_few_seconds(
    monkeypatch,
):
    from config.celery import app
    from workshops.tasks import submission_file_process

    tries = []

    def refused(*args, **kwargs):
        tries.append(args)
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    clock = [1000.0]
    monkeypatch.setattr(outbox.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(outbox, "_paused_until", 0.0)
    monkeypatch.setattr(submission_file_process, "apply_async", refused)
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # a real broker: the pause applies
    try:
        assert outbox.publish(submission_file_process, 1) is False
        assert outbox.publish(submission_file_process, 2) is False  # not even tried
        assert len(tries) == 1
        clock[0] += outbox.PUBLISH_PAUSE_SECONDS + 1
        assert outbox.publish(submission_file_process, 3) is False
        assert len(tries) == 2
    finally:
        app.conf.task_always_eager = was_eager


def test_an_export_cut_off_by_a_database_restart_is_retried_not_failed(
    coordinator, cohort, monkeypatch
):
    from learners import exports
    from learners.tasks import export_build

    job = ExportJob.objects.create(
        cohort=cohort, requested_by=coordinator, what="progress", fmt="csv"
    )
    real = exports.export_bytes
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise DatabaseError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(exports, "export_bytes", flaky)
    assert export_build.apply(args=[job.pk]).get() is True
    job.refresh_from_db()
    assert len(calls) == 2
    assert job.status == ExportJob.Status.DONE
    assert job.error == ""
