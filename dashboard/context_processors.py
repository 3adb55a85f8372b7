from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.access import Role

from .selectors import NavigationState, navigation_state_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar needs: the person's roles and unread notifications.

    Read on first use, in one query (dashboard/selectors.py), and once per request: a fragment
    that shows no navigation (an htmx partial) pays nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def read() -> NavigationState:
        return navigation_state_for(request)

    def held(role: str) -> bool:
        # As core.access.has_role: the superuser passes every role.
        return user.is_superuser or role in read().roles

    return {
        "nav_is_learner": SimpleLazyObject(lambda: held(Role.LEARNER)),
        # Learns in a cohort for real (the superuser passes every has_role): "My results" shows
        # a person's own row, which only a learner has.
        "nav_learns": SimpleLazyObject(lambda: Role.LEARNER in read().roles),
        "nav_is_instructor": SimpleLazyObject(lambda: held(Role.INSTRUCTOR)),
        "nav_is_coordinator": SimpleLazyObject(lambda: held(Role.COORDINATOR)),
        "nav_unread": SimpleLazyObject(lambda: read().unread),
    }
