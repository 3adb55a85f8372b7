import datetime
import uuid
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from core import mail
from core.models import User

from .models import Announcement, Notification


def unread_notifications(*, recipient_id: Any) -> QuerySet[Notification]:
    """The person's unread notifications (what the badge counts); `recipient_id` may be an
    OuterRef (the navigation's query, dashboard/selectors.py)."""
    return Notification.objects.filter(
        recipient_id=recipient_id, read_at__isnull=True, kind=Notification.Kind.EVENT
    )


def unread_count(user: User) -> int:
    return unread_notifications(recipient_id=user.pk).count()


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.EVENT).order_by(
        "-created_at", "-pk"
    )


def needs_attention(now: datetime.datetime | None = None) -> Q:
    """Emails a person may need to act on: failed, unconfirmed, retrying after a failure, or
    stuck `sending` past the time its worker could still be on it."""
    now = now or timezone.now()
    return (
        Q(email_status__in=[Notification.EmailStatus.FAILED, Notification.EmailStatus.UNCERTAIN])
        | Q(email_status=Notification.EmailStatus.QUEUED, email_attempts__gt=0)
        | Q(
            email_status=Notification.EmailStatus.SENDING,
            claimed_at__lt=now - mail.sending_stale_after(),
        )
    )


def can_resend(notification: Notification, now: datetime.datetime | None = None) -> bool:
    """Whether the log offers "Send again" (the same rule as services.notification_resend)."""
    now = now or timezone.now()
    status = notification.email_status
    if status in (Notification.EmailStatus.FAILED, Notification.EmailStatus.UNCERTAIN):
        return True
    if status == Notification.EmailStatus.QUEUED:
        return notification.email_attempts > 0
    if status == Notification.EmailStatus.SENDING:
        claimed = notification.claimed_at
        return claimed is not None and claimed < now - mail.sending_stale_after()
    return False


EMAIL_STATES = ("queued", "sending", "failed", "uncertain")


def email_outbox_summary(
    *, notifications: QuerySet[Any] | None = None, invitations: QuerySet[Any] | None = None
) -> dict[str, dict[str, Any]]:
    """For the stuck-work page and /healthz: per kind of email (notification, invitation) and
    state (queued, sending, failed, uncertain), how many rows and the oldest one's time.

    Pass querysets already narrowed to what the person may see (a coordinator's cohorts); the
    defaults count everything. Two queries, whatever the number of rows.
    """
    from learners.models import Invitation

    kinds = {
        "notification_email": notifications
        if notifications is not None
        else Notification.objects.all(),
        "invitation_email": invitations
        if invitations is not None
        else Invitation.objects.filter(status=Invitation.Status.PENDING),
    }
    summary: dict[str, dict[str, Any]] = {}
    for kind, qs in kinds.items():
        rows = (
            qs.filter(email_status__in=EMAIL_STATES)
            .order_by()
            .values("email_status")
            .annotate(count=Count("pk"), oldest=Min("created_at"))
        )
        found = {row["email_status"]: row for row in rows}
        summary[kind] = {
            state: {
                "count": found.get(state, {}).get("count", 0),
                "oldest": found.get(state, {}).get("oldest"),
            }
            for state in EMAIL_STATES
        }
    return summary


def announcement_created_with(*, cohort: Any, token: uuid.UUID | None) -> Announcement | None:
    """The announcement of this cohort that the form with this one-time token wrote, if any."""
    if token is None:
        return None
    return Announcement.objects.filter(cohort=cohort, form_token=token).first()
