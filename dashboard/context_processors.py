from typing import Any

from django.http import HttpRequest

from core.access import Role, has_role, roles_of
from notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar needs: the person's roles and unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_learner": has_role(user, Role.LEARNER),
        # Learns in a cohort for real (the superuser passes every has_role): "My results" shows
        # a person's own row, which only a learner has.
        "nav_learns": Role.LEARNER in roles_of(user),
        "nav_is_instructor": has_role(user, Role.INSTRUCTOR),
        "nav_is_coordinator": has_role(user, Role.COORDINATOR),
        "nav_unread": unread_count(user),
    }
