"""Who may read the notification log: coordinators see what was sent to members of their
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
    """The notification log: coordinators see what was sent to members of their cohorts."""
    qs = Notification.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(
        Exists(
            Membership.objects.filter(
                user=OuterRef("recipient_id"),
                cohort__in=cohorts_for(user, Role.COORDINATOR).values("pk"),
            )
        )
    )
