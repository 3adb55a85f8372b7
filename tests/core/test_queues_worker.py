"""A real worker started with `-Q files` checks a learner's file while an email waits on its own
queue: a slow or absent email worker never delays file checks (CELERY_TASK_ROUTES)."""

from __future__ import annotations

import pytest

from core.outbox import publish
from notifications.models import Notification
from notifications.tasks import notification_send_email
from tests import factories
from tests.conftest import skip_or_fail
from tests.e2e_support import celery_worker, wait_until, worker_unavailable_reason
from tests.pdfs import pdf_bytes
from workshops.models import Submission, SubmissionFile
from workshops.tasks import submission_file_process

pytestmark = pytest.mark.worker


@pytest.fixture
def files_worker(transactional_db, settings, tmp_path):
    reason = worker_unavailable_reason()
    if reason:
        skip_or_fail(reason)
    with celery_worker(tmp_path=tmp_path, site_url=settings.SITE_URL, queues="files") as running:
        yield running


def test_a_worker_of_the_files_queue_checks_files_and_leaves_email_to_its_own_worker(
    files_worker, learner, cohort, assignment
):
    from django.core.files.base import ContentFile

    submission = factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.PROCESSING
    )
    attachment = SubmissionFile(submission=submission, original_name="haaste.pdf")
    attachment.file.save("haaste.pdf", ContentFile(pdf_bytes(2)), save=True)
    notification = Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="queues-email-waits",
        subject="Vastauksesi on arvioitu",
        body="Ohjaaja on antanut palautetta.",
        url="/notifications/",
    )

    assert publish(notification_send_email, notification.pk)
    assert publish(submission_file_process, attachment.pk)

    # The file's verdict and the version's settling are two commits: wait for the second.
    def settled():
        submission.refresh_from_db()
        return submission.status != Submission.Status.PROCESSING

    wait_until(
        settled, timeout=60, what="the files worker to check the file and settle the version"
    )
    attachment.refresh_from_db()
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    assert submission.status == Submission.Status.RECEIVED
    # The email went to the `email` queue, which this worker does not consume.
    assert files_worker.succeeded("workshops.tasks.submission_file_process") == 1
    assert "notifications.tasks.notification_send_email[" not in files_worker.log()
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.QUEUED
