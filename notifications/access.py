"""Who may read the notification log: coordinators see what was sent to the learners of their
cohorts, the superuser everything. (A person's own notifications are read through
notifications.selectors.notifications_for.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from core.access import Role
from learners.access import cohorts_for
from learners.models import Membership

from .models import Notification

if TYPE_CHECKING:
    from core.models import User


def notifications_visible_to_staff(user: User) -> QuerySet[Notification]:
    """The notification log: coordinators see what was sent to the learners of their cohorts.
    Not what was sent to the staff of those cohorts: an instructor or a coordinator of one of
    them may also run other cohorts, and their messages (reviews waiting, reminders to nudge)
    name those cohorts' learners, whom this coordinator must not see."""
    qs = Notification.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(
        Exists(
            Membership.objects.filter(
                user=OuterRef("recipient_id"),
                role=Membership.Role.LEARNER,
                cohort__in=cohorts_for(user, Role.COORDINATOR).values("pk"),
            )
        )
    )
