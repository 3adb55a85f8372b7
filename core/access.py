"""Access primitives shared by every app: the roles a person holds, and the role guard for views.

Each app keeps its own rules in `<app>/access.py`: views load objects through its
`get_<thing>_for_user` helpers, which raise 404 for anything the person may not reach (so
nobody can probe for existence). This module holds only what all of them share.

Roles are held in cohorts (`learners.Membership`), but `core` imports no domain app: the
learners app registers where memberships are read (`register_membership_source`, called from
its AppConfig.ready), and the role names live here so that every layer can name them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from core.http import AuthenticatedHttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from core.models import User

# Anyone who may call a view: a signed-in person or an anonymous visitor.
AnyUser: TypeAlias = "User | AnonymousUser"


class Role(models.TextChoices):
    """A person's role in a cohort (`learners.Membership.Role` is this class)."""

    LEARNER = "learner", _("Learner")
    INSTRUCTOR = "instructor", _("Instructor")
    COORDINATOR = "coordinator", _("Coordinator")


STAFF_ROLES = (Role.INSTRUCTOR, Role.COORDINATOR)


@dataclass(frozen=True)
class MembershipSource:
    """Where cohort memberships are read: the roles a person holds in any cohort, and the ids
    of the cohorts in which they hold one of some roles (every cohort for the superuser)."""

    roles: Callable[[User], Iterable[str]]
    cohort_ids: Callable[[User, tuple[str, ...]], list[int]]


_membership_source: MembershipSource | None = None


def register_membership_source(source: MembershipSource) -> None:
    # The one registry slot, set once at start-up by learners' AppConfig.ready.
    global _membership_source
    _membership_source = source


def _source() -> MembershipSource:
    if _membership_source is None:
        raise ImproperlyConfigured(
            "No membership source is registered with core.access (is learners installed?)"
        )
    return _membership_source


def roles_of(user: AnyUser) -> frozenset[str]:
    """The roles a person holds in any cohort, computed once per request."""
    if not user.is_authenticated:
        return frozenset()
    # Cached on the user through attribute access (request.user is a lazy proxy: its own
    # __dict__ is not the user's), an attribute the User type does not declare.
    cached: frozenset[str] | None = getattr(user, "_cohort_roles", None)
    if cached is None:
        cached = frozenset(_source().roles(user))
        user._cohort_roles = cached  # type: ignore[attr-defined]
    return cached


def has_role(user: AnyUser, role: str) -> bool:
    return user.is_authenticated and (user.is_superuser or role in roles_of(user))


def cohort_ids_for(user: User, *roles: str) -> list[int]:
    """Ids of the cohorts in which the person holds one of `roles` (all for the superuser)."""
    return _source().cohort_ids(user, roles)


def require_role(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Let a signed-in person in only if they hold one of `roles` somewhere (or are superuser)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
