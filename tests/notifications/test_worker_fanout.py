"""A real Celery worker: an announcement fans out in chunks on the `bulk` queue and its emails go
out in batches on the `email` queue, each person once, even with every chunk delivered twice."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.models import User
from learners.models import Membership
from notifications import services
from notifications.models import Announcement, Notification
from notifications.tasks import announcement_send_chunk
from tests.conftest import skip_or_fail
from tests.e2e_support import celery_worker, wait_until, worker_unavailable_reason

pytestmark = pytest.mark.worker


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    reason = worker_unavailable_reason()
    if reason:
        skip_or_fail(reason)
    with celery_worker(tmp_path=tmp_path, site_url=settings.SITE_URL) as running:
        yield running


def test_a_chunked_announcement_reaches_everyone_once_through_a_real_worker(
    worker, cohort, coordinator, settings
):
    settings.NOTIFICATION_CHUNK_SIZE = 10  # this process decides the chunks
    people = User.objects.bulk_create(
        [User(email=f"tiedote{i}@example.fi", first_name=f"Oppija{i}") for i in range(35)]
    )
    Membership.objects.bulk_create([Membership(cohort=cohort, user=u) for u in people])
    # Due now; this process claims it and fans out (the worker's own chunk size is 250).
    announcement = Announcement.objects.create(
        cohort=cohort,
        author=coordinator,
        subject="Työpaja siirtyy",
        body="Torstaina.",
        send_at=timezone.now(),
    )
    assert services.announcement_send(announcement_id=announcement.pk) == 35
    # The broker delivers one chunk a second time.
    first = sorted(p.pk for p in people)[:10]
    announcement_send_chunk.delay(announcement.pk, first)

    sent = Notification.objects.filter(
        key=f"announcement-{announcement.pk}", email_status=Notification.EmailStatus.SENT
    )
    wait_until(lambda: sent.count() == 35, timeout=90, what="35 sent announcement emails")
    worker.wait_for_log(r"announcement_send_chunk\[[^\]]+\] succeeded", count=5)

    emails = worker.emails()
    assert sorted(str(e["To"]) for e in emails) == sorted(p.email for p in people)
    assert len({str(e["Message-ID"]) for e in emails}) == 35
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT
    assert announcement.recipient_count == 35
