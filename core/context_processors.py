from typing import Any

from django.http import HttpRequest

from learners.models import Membership

from .access import has_role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar needs: the person's roles and unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.selectors import unread_count

    return {
        "nav_is_learner": has_role(user, Membership.Role.LEARNER),
        "nav_is_instructor": has_role(user, Membership.Role.INSTRUCTOR),
        "nav_is_coordinator": has_role(user, Membership.Role.COORDINATOR),
        "nav_unread": unread_count(user),
    }
