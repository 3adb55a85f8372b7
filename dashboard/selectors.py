"""Reads for the navigation bar that every page shows.

The bar needs the person's roles and their unread notifications on every page. They come in one
query (three EXISTS and a COUNT on the person's row) whose SQL is compiled by the ORM once per
process and database: every page used to pay two queries and the compiler's work on both,
which was most of what the bar cost a page over a bare view (#13).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from core.access import Role
from core.models import User
from learners.models import Membership
from notifications.selectors import unread_notifications

# Stands for the person's id while the SQL is compiled; never a real primary key.
_PLACEHOLDER = -918_273_645
_ROLES = (Role.LEARNER, Role.INSTRUCTOR, Role.COORDINATOR)
_compiled: dict[str, tuple[str, tuple[Any, ...]]] = {}


@dataclass(frozen=True)
class NavigationState:
    """The roles the person holds in any cohort (as `core.access.roles_of`) and their unread
    notifications (as `notifications.selectors.unread_count`)."""

    roles: frozenset[str]
    unread: int


def _query(user_ref: int) -> QuerySet[User, tuple[Any, ...]]:
    """The navigation's query for the user whose id `user_ref` gives, as a QuerySet."""
    unread = (
        unread_notifications(recipient_id=OuterRef("pk"))
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        User.objects.filter(pk=user_ref)
        .order_by()
        .values_list(
            *(Exists(Membership.objects.filter(user=OuterRef("pk"), role=role)) for role in _ROLES),
            Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
        )
    )


def _sql(alias: str) -> tuple[str, tuple[Any, ...]]:
    compiled = _compiled.get(alias)
    if compiled is None:
        qs = _query(_PLACEHOLDER)
        sql, params = qs.query.get_compiler(using=alias).as_sql()
        if sum(1 for p in params if p == _PLACEHOLDER) != 1:  # pragma: no cover - a guard
            raise AssertionError("the navigation query must name the person exactly once")
        compiled = _compiled[alias] = (sql, tuple(params))
    return compiled


def navigation_state(user: User) -> NavigationState:
    """The person's roles and unread count in one query."""
    alias = router.db_for_read(User)
    sql, params = _sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [user.pk if p == _PLACEHOLDER else p for p in params])
        row = cursor.fetchone()
    if row is None:  # the account was deleted during the request
        return NavigationState(roles=frozenset(), unread=0)
    held = frozenset(role for role, has in zip(_ROLES, row[:3], strict=True) if has)
    return NavigationState(roles=held, unread=int(row[3]))


def navigation_state_for(request: HttpRequest) -> NavigationState:
    """`navigation_state` of the signed-in person, read once per request: the view that needs
    the roles and the navigation bar share the one query."""
    state: NavigationState | None = getattr(request, "_navigation_state", None)
    if state is None:
        state = navigation_state(request.user)  # type: ignore[arg-type]
        request._navigation_state = state  # type: ignore[attr-defined]
    return state
