"""A certificate stuck pending or issuing (a worker died, an enqueue was lost) is queued again
by a periodic task, once, and then issued."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from courses import services, tasks
from courses.models import Certificate
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def stuck(learner, course, cohort):
    """A certificate a worker claimed 11 minutes ago and never finished."""
    certificate = Certificate.objects.create(
        user=learner, course=course, cohort=cohort, code="STUC-KCER-T001"
    )
    Certificate.objects.filter(pk=certificate.pk).update(
        status=Certificate.Status.ISSUING,
        claimed_at=timezone.now() - datetime.timedelta(minutes=11),
    )
    return certificate


def test_a_certificate_stuck_issuing_is_queued_again_and_issued(
    stuck, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificate_retry_stalled() == [stuck.pk]
    stuck.refresh_from_db()
    assert stuck.status == Certificate.Status.ISSUED
    assert stuck.credential["proof"]
    assert Notification.objects.filter(recipient=learner).count() == 1


def test_a_second_run_queues_nothing_while_the_first_retry_is_fresh(
    stuck, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.certificate_retry_stalled() == [stuck.pk]
        assert services.certificate_retry_stalled() == []
    assert len(callbacks) == 1
    stuck.refresh_from_db()
    # Re-claimed with a fresh timestamp, back to pending for the queued task to claim.
    assert stuck.status == Certificate.Status.PENDING
    assert timezone.now() - stuck.claimed_at < datetime.timedelta(minutes=1)


def test_a_certificate_claimed_recently_is_left_to_its_worker(
    stuck, django_capture_on_commit_callbacks
):
    Certificate.objects.filter(pk=stuck.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.certificate_retry_stalled() == []
    assert callbacks == []
    stuck.refresh_from_db()
    assert stuck.status == Certificate.Status.ISSUING


def test_a_pending_certificate_whose_enqueue_was_lost_is_queued(
    learner, course, cohort, django_capture_on_commit_callbacks
):
    old = Certificate.objects.create(user=learner, course=course, cohort=cohort, code="OLDP-1")
    Certificate.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certificate_retry_stalled() == [old.pk]
    old.refresh_from_db()
    assert old.status == Certificate.Status.ISSUED


def test_issued_certificates_are_never_touched(stuck, django_capture_on_commit_callbacks):
    Certificate.objects.filter(pk=stuck.pk).update(status=Certificate.Status.ISSUED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.certificate_retry_stalled() == 0
    assert callbacks == []


def test_a_duplicate_delivery_after_the_retry_issues_only_once(stuck):
    """The original task is delivered again (acks_late) besides the retry: one of the two
    claims the row, the other finds nothing to claim."""
    services.certificate_retry_stalled()
    stuck.refresh_from_db()
    retry_claim = stuck.claimed_at
    # A duplicate delivery of the original task finds the row pending and claims it anew:
    assert services.certificate_issue(certificate_id=stuck.pk) is True
    # and the queued retry then finds nothing to claim.
    assert services.certificate_issue(certificate_id=stuck.pk) is False
    stuck.refresh_from_db()
    assert stuck.status == Certificate.Status.ISSUED
    assert stuck.claimed_at != retry_claim


def test_the_retry_runs_on_the_beat_schedule():
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "courses.tasks.certificate_retry_stalled" in entries
    # Longer than a task may run, so a live worker is never overtaken.
    assert services.CERTIFICATE_STALLED_AFTER.total_seconds() > settings.CELERY_TASK_TIME_LIMIT
