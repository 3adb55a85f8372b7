import datetime
from typing import Any

from celery import Task, shared_task

from core.outbox import publish
from core.tasks import EMAIL_TASK_OPTIONS, RETRY_TASK_OPTIONS, SWEEP_TASK_OPTIONS

from . import services


@shared_task(**EMAIL_TASK_OPTIONS)
def notification_send_email(self: Task[Any, Any], notification_id: int) -> bool:
    """Send one queued notification (a mail-server failure is recorded on the row, not raised)."""
    return services.notification_send_email(notification_id=notification_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def notification_send_emails(self: Task[Any, Any], notification_ids: list[int]) -> int:
    """Send a batch over one connection; what its time budget left goes to a task of its own."""
    delivery = services.notifications_send_emails(notification_ids=notification_ids)
    if delivery.left:
        publish(notification_send_emails, delivery.left)
    return len(delivery.sent)


@shared_task(**SWEEP_TASK_OPTIONS)
def notification_retry_stalled() -> int:
    """Beat, every minute: the email sweeper (core/mail.py sweep): stuck `sending` rows back to
    the queue, rows past their 48 hours failed, due retries published in batches."""
    return len(services.notification_emails_sweep().published)


@shared_task(**SWEEP_TASK_OPTIONS)
def notification_build_digests() -> int:
    """Beat, every quarter hour: digests due now in each recipient's own time zone (many
    people are split into chunk tasks)."""
    return services.digests_build_due()


@shared_task(**RETRY_TASK_OPTIONS)
def notification_build_digests_chunk(pairs: list[list[Any]], now: str) -> int:
    """A few hundred people's digests, sent together in one email batch (queue `bulk`)."""
    return services.digests_build(
        pairs=[(int(pk), str(mode)) for pk, mode in pairs],
        now=datetime.datetime.fromisoformat(now),
    )


@shared_task(**RETRY_TASK_OPTIONS)
def announcement_send(announcement_id: int) -> int:
    """Claim the announcement and publish its recipients in chunks (queue `bulk`)."""
    return services.announcement_send(announcement_id=announcement_id)


@shared_task(**RETRY_TASK_OPTIONS)
def announcement_send_chunk(announcement_id: int, user_ids: list[int]) -> int:
    """A few hundred recipients: their rows in one insert, then one email batch."""
    return services.announcement_send_chunk(announcement_id=announcement_id, user_ids=user_ids)


@shared_task(**SWEEP_TASK_OPTIONS)
def announcement_send_due() -> int:
    """Beat, every minute: announcements whose time has come and fan-outs that stood still (a
    scan, never a countdown); announcement_send claims each once."""
    ids = services.announcements_send_due()
    for pk in ids:
        publish(announcement_send, pk)
    return len(ids)
