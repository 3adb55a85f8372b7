import datetime
import uuid
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
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


def _grouped(qs: QuerySet[Notification]) -> QuerySet[Notification]:
    """One row for each group (notifications.grouping) among `qs`: the group's first unread
    notification, or its newest once all are read, carrying the group's size (`group_total`),
    its unread ones (`group_unread`) and its newest moment (`group_latest_at`); the groups
    newest first. One query, in the database (window functions), however many rows the person
    has: the pages read a slice of it."""
    # A notification without a group is a group of its own (its key is unique to the person).
    partition: list[Any] = [
        F("group_key"),
        Case(When(group_key="", then=F("key")), default=Value("")),
    ]
    unread = Case(When(read_at__isnull=True, then=Value(1)), default=Value(0))

    def over(expression: Any, **kwargs: Any) -> Window:
        return Window(expression, partition_by=partition, **kwargs)

    return (
        qs.annotate(
            group_rank=over(
                RowNumber(),
                order_by=[
                    # The first unread one, or the newest when all are read.
                    Case(When(read_at__isnull=True, then=Value(0)), default=Value(1)).asc(),
                    Case(
                        When(read_at__isnull=True, then=F("pk")),
                        default=F("pk") * Value(-1),
                        output_field=IntegerField(),
                    ).asc(),
                ],
            ),
            group_total=over(Count("pk")),
            group_unread=over(Sum(unread, output_field=IntegerField())),
            group_latest_at=over(Max("created_at")),
            group_latest_pk=over(Max("pk")),
        )
        .filter(group_rank=1)
        .order_by("-group_latest_at", "-group_latest_pk")
    )


def notification_groups(user: User) -> QuerySet[Notification]:
    """The notification list: the person's notifications, a line for each group."""
    return _grouped(notifications_for(user))


def unread_groups(*, recipient_id: Any) -> QuerySet[Notification]:
    """The dashboard's news: the person's unread notifications, a line for each group, without
    the morning's "answers wait for review" notices (the review card counts the queue live)."""
    return _grouped(
        unread_notifications(recipient_id=recipient_id).exclude(key__startswith="reviews-waiting-")
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
