from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.tasks import EMAIL_TASK_OPTIONS, MAX_EMAIL_RETRIES, RETRY_TASK_OPTIONS

from . import reminders, services
from .models import Notification


@shared_task(**EMAIL_TASK_OPTIONS)
def notification_send_email(self, notification_id: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        return services.notification_send_email(notification_id=notification_id)
    except Exception as exc:
        if self.request.retries >= MAX_EMAIL_RETRIES:
            services.notification_mark_failed(notification_id=notification_id, error=str(exc))
            return False
        raise


@shared_task(acks_late=True)
def notification_retry_stalled() -> int:
    """Re-enqueue emails still queued after ten minutes (a lost message or a broker outage)."""
    cutoff = timezone.now() - timedelta(minutes=10)
    ids = list(
        Notification.objects.filter(
            email_status=Notification.EmailStatus.QUEUED,
            created_at__lt=cutoff,
            email_attempts__lt=MAX_EMAIL_RETRIES,
        ).values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        notification_send_email.delay(pk)
    return len(ids)


@shared_task(acks_late=True)
def notification_build_digests() -> int:
    """Beat, every quarter hour: digests due now in each recipient's own time zone."""
    return services.digests_build_due()


@shared_task(**RETRY_TASK_OPTIONS)
def announcement_send(announcement_id: int) -> int:
    return services.announcement_send(announcement_id=announcement_id)


@shared_task(acks_late=True)
def announcement_send_due() -> int:
    """Beat, every minute: announcements whose time has come (a scan, never a countdown)."""
    ids = services.announcements_send_due()
    for pk in ids:
        announcement_send.delay(pk)
    return len(ids)


@shared_task(acks_late=True)
def deadline_reminders_send() -> int:
    """Beat, hourly: remind learners of phases due in 3 and 1 days (a scan, never a countdown)."""
    return reminders.deadline_reminders_send()


@shared_task(acks_late=True)
def review_notices_send() -> int:
    """Beat, hourly: the day's grouped review-waiting notice per instructor, and escalations to
    coordinators for answers waiting past the cohort's review target."""
    return reminders.review_waiting_notices_send() + reminders.review_escalations_send()
