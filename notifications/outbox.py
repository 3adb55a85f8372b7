"""Notification emails and announcements on the background-work page (core/outbox.py).

The rows and their sweepers are core/mail.py's and notifications/services.py's: a queued or
sending Notification is the outbox row of its email (`notification_emails_sweep`), a scheduled
or sending Announcement that of its fan-out (`announcements_send_due`). This module only counts
them and lets a person retry them.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.outbox import Backlog, CohortScope

from .models import Announcement, Notification


def _notifications(scope: CohortScope) -> QuerySet[Notification]:
    rows = Notification.objects.all()
    if scope is None:
        return rows
    from learners.models import Membership

    return rows.filter(
        Exists(Membership.objects.filter(user=OuterRef("recipient_id"), cohort_id__in=list(scope)))
    )


def _emails_sweep(now: datetime.datetime) -> object:
    from .services import notification_emails_sweep

    return notification_emails_sweep(now=now)


def _emails_retry(scope: CohortScope) -> int:
    from core.outbox import publish

    from .tasks import notification_send_emails

    return outbox.email_retry(
        _notifications(scope), publish_batch=lambda ids: publish(notification_send_emails, ids)
    )


outbox.register(
    outbox.Kind(
        key="emails",
        label=_("Notification emails"),
        queue="email",
        backlog=lambda scope, now: outbox.email_backlog(_notifications(scope), now),
        retry=_emails_retry,
        sweeper="notifications.tasks.notification_retry_stalled",
        sweep=_emails_sweep,
        order=70,
    )
)


def _announcements_backlog(scope: CohortScope, now: datetime.datetime) -> Backlog:
    from .services import ANNOUNCEMENT_STALE

    rows = outbox.scoped(Announcement.objects.all(), scope)
    due = Q(status=Announcement.Status.SCHEDULED, send_at__lte=now)
    sending = Q(status=Announcement.Status.SENDING)
    late = now - datetime.timedelta(minutes=2)
    stats = rows.filter(due | sending).aggregate(
        pending=Count("pk", filter=due),
        queued=Count("pk", filter=sending),
        overdue=Count(
            "pk",
            filter=Q(due, send_at__lt=late) | Q(sending, claimed_at__lt=late - ANNOUNCEMENT_STALE),
        ),
        oldest=Min("send_at"),
    )
    return Backlog(
        pending=stats["pending"],
        queued=stats["queued"],
        oldest=stats["oldest"],
        overdue=stats["overdue"],
    )


def _announcements_sweep(now: datetime.datetime) -> list[int]:
    """What the beat task announcement_send_due does, at `now`."""
    from .services import announcements_send_due
    from .tasks import announcement_send

    ids = announcements_send_due(now=now)
    for pk in ids:
        outbox.publish(announcement_send, pk)
    return ids


def _announcements_retry(scope: CohortScope) -> int:
    from .services import announcements_send_due
    from .tasks import announcement_send

    ids = set(announcements_send_due(now=timezone.now()))
    if scope is not None:
        ids &= set(
            Announcement.objects.filter(pk__in=ids, cohort_id__in=list(scope)).values_list(
                "pk", flat=True
            )
        )
    for pk in sorted(ids):
        outbox.publish(announcement_send, pk)
    return len(ids)


outbox.register(
    outbox.Kind(
        key="announcements",
        label=_("Announcements"),
        queue="bulk",
        backlog=_announcements_backlog,
        retry=_announcements_retry,
        sweeper="notifications.tasks.announcement_send_due",
        sweep=_announcements_sweep,
        order=80,
    )
)
