from typing import Any

from django.http import HttpRequest

from core.access import Role, has_role
from notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar needs: the person's roles and unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_learner": has_role(user, Role.LEARNER),
        "nav_is_instructor": has_role(user, Role.INSTRUCTOR),
        "nav_is_coordinator": has_role(user, Role.COORDINATOR),
        "nav_unread": unread_count(user),
    }
