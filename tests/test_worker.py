"""A real Celery worker: a notification email task delivered twice sends one email.

Brokers deliver at least once, and `notification_retry_stalled` may re-enqueue a task that is
still on its way, so the same notification can reach a worker twice.
"""

from __future__ import annotations

import re

import pytest

from notifications.models import Notification
from notifications.tasks import notification_send_email
from tests.conftest import skip_or_fail
from tests.e2e_support import celery_worker, worker_unavailable_reason

pytestmark = pytest.mark.worker

EMAIL_TASK = r"Task notifications\.tasks\.notification_send_email\[[^\]]+\] succeeded in [\d.e-]+s"


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    reason = worker_unavailable_reason()
    if reason:
        skip_or_fail(reason)
    with celery_worker(tmp_path=tmp_path, site_url=settings.SITE_URL) as running:
        yield running


def test_a_duplicated_email_task_sends_exactly_one_email(worker, learner):
    notification = Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="worker-duplicate-delivery",
        subject="Vastauksesi on arvioitu",
        body="Ohjaaja on antanut palautetta vastauksestasi.",
        url="/notifications/",
    )
    assert notification.email_status == Notification.EmailStatus.QUEUED

    notification_send_email.delay(notification.pk)
    notification_send_email.delay(notification.pk)

    worker.wait_for_log(EMAIL_TASK, count=2)
    log = worker.log()
    assert len(re.findall(EMAIL_TASK + r": True", log)) == 1, log[-4000:]
    assert len(re.findall(EMAIL_TASK + r": False", log)) == 1, log[-4000:]
    emails = worker.emails()
    assert len(emails) == 1, f"expected one email, the worker wrote {len(emails)}"
    assert str(emails[0]["To"]) == learner.email
    assert "Vastauksesi on arvioitu" in str(emails[0]["Subject"])
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.email_attempts == 1
    assert notification.emailed_at is not None
