"""A week with an unreliable broker, as the people using the platform live it.

Monday the broker is away while Oona sends her answer with two files and Olli his without; the
coordinator sees the work waiting and late, /healthz says degraded. Tuesday the broker is back
and beat's sweepers finish everything exactly once. Wednesday the broker is away again while the
instructor approves Oona's answer, which finishes her course; the sweeper issues her
certificate. Thursday an export's worker dies mid-build; it is made again. Friday the page is
quiet, /healthz is ok, and nothing was done twice.
"""

from __future__ import annotations

import datetime
import json

import pytest
from celery.app.task import Task
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import outbox
from courses import services as course_services
from courses.models import Certificate, CompletionCheckWanted, Item
from learners.models import ExportJob
from notifications.models import Notification
from tests.pdfs import pdf_upload
from workshops import services as workshop_services
from workshops.models import Submission, SubmissionFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    state = {"down": False, "published": []}
    real = Task.apply_async

    def apply_async(task, args=None, kwargs=None, **options):
        if state["down"]:
            raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")
        state["published"].append(task.name)
        return real(task, args, kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", apply_async)
    return state


def test_a_week_with_an_unreliable_broker_loses_nothing_and_does_nothing_twice(
    client_for,
    client,
    learner,
    other_learner,
    instructor,
    coordinator,
    cohort,
    course,
    assignment,
    broker,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.CELERY_BROKER_URL = ""  # in-process, as in `make run`; the outage is simulated
    course.completion_assignments.add(assignment)
    for item in Item.objects.filter(module__course=course):
        course_services.item_complete(user=learner, item=item)
    for person in (learner, other_learner):
        workshop_services.experiment_create(
            learner=person, workshop=assignment.workshop, cohort=cohort, title="Kyyti"
        )
    monday = timezone.now()

    # Monday: the broker is away while both send their answers.
    broker["down"] = True
    for person, files in (
        (learner, [pdf_upload("a.pdf"), pdf_upload("b.pdf")]),
        (other_learner, []),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(person).post(
                reverse("workshops:assignment", args=[assignment.pk]),
                {"text": "Vastaukseni", "attachments": files},
            )
        assert response.status_code == 302
    oona = Submission.objects.get(learner=learner)
    assert oona.status == Submission.Status.PROCESSING
    assert Submission.objects.get(learner=other_learner).status == Submission.Status.RECEIVED

    # An hour later the coordinator looks: two file checks wait, and they are late.
    hour_later = monday + datetime.timedelta(hours=1)
    files = outbox.get_kind("files").backlog([cohort.pk], hour_later)
    assert (files.pending, files.overdue) == (2, 2)
    assert outbox.health(hour_later)["status"] == "degraded"

    # Tuesday: the broker is back; beat runs the sweepers, twice as it happens.
    broker["down"] = False
    tuesday = monday + datetime.timedelta(days=1)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep_all(tuesday)
    oona.refresh_from_db()
    assert oona.status == Submission.Status.RECEIVED
    assert set(oona.files.values_list("status", flat=True)) == {SubmissionFile.Status.ACCEPTED}
    assert broker["published"].count("workshops.tasks.submission_file_process") == 2

    # Wednesday: the broker is away again while the instructor approves Oona's answer.
    broker["down"] = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(instructor).post(
            reverse("workshops:review", args=[oona.pk]),
            {"decision": "approve", "feedback": "Hyvä."},
        )
    assert response.status_code == 302
    assert not Certificate.objects.exists()
    broker["down"] = False
    wednesday = monday + datetime.timedelta(days=2)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep_all(wednesday)
    certificate = Certificate.objects.get(user=learner)
    assert certificate.status == Certificate.Status.ISSUED
    assert not CompletionCheckWanted.objects.exists()

    # Thursday: the coordinator's export is claimed by a worker that dies.
    with django_capture_on_commit_callbacks(execute=False):
        job = ExportJob.objects.create(
            cohort=cohort, requested_by=coordinator, what="progress", fmt="csv"
        )
    thursday = monday + datetime.timedelta(days=3)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, claimed_at=thursday, next_attempt_at=thursday
    )
    outbox.sweep_all(thursday + datetime.timedelta(minutes=5))
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.RUNNING  # maybe alive
    outbox.sweep_all(thursday + datetime.timedelta(hours=1))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE

    # Friday: nothing waits, /healthz is ok, and nobody got anything twice.
    page = client_for(coordinator).get(reverse("core:stuck_work"))
    assert page.status_code == 200
    assert 'data-testid="stuck-overdue"' not in page.content.decode()
    assert 'data-testid="stuck-retry"' not in page.content.decode()
    report = json.loads(client.get("/healthz").content)
    assert report["status"] == "ok", report
    assert Certificate.objects.count() == 1
    keys = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys))
    assert Notification.objects.filter(key=f"certificate-issued:{certificate.pk}").count() == 1
