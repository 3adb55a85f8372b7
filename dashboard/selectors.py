"""Reads for the navigation bar that every page shows.

The bar needs the person's roles and their unread notifications on every page. They come in one
query (three EXISTS and a COUNT on the person's row) whose SQL is compiled by the ORM once per
process, database and language (core/prepared.py): every page used to pay two queries and the
compiler's work on both, which was most of what the bar cost a page over a bare view (#13).
Since session 13 the signed-in person's own row is read with them (`user_with_navigation`, the
authentication backends of dashboard/auth.py): a page pays no query of its own for the bar.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from core import prepared
from core.access import MembershipSource, Role
from core.models import User
from learners.access import learner_cohorts
from learners.models import Cohort, Membership
from notifications.models import Notification
from notifications.selectors import unread_groups, unread_notifications
from workshops.models import Assignment, CalendarFeed, Submission, WorkshopSession
from workshops.selectors import versions_counting_for
from workshops.sessions import sessions_for_learner

_ROLES = (Role.LEARNER, Role.INSTRUCTOR, Role.COORDINATOR)


@dataclass(frozen=True)
class NavigationState:
    """The roles the person holds in any cohort (as `core.access.roles_of`) and their unread
    notifications (as `notifications.selectors.unread_count`)."""

    roles: frozenset[str]
    unread: int


def _unread() -> Coalesce:
    unread = (
        unread_notifications(recipient_id=OuterRef("pk"))
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))


def _held(role: str) -> Exists:
    return Exists(Membership.objects.filter(user=OuterRef("pk"), role=role))


def _query(user_ref: int) -> QuerySet[User, tuple[Any, ...]]:
    """The navigation's query for the user whose id `user_ref` gives, as a QuerySet."""
    return (
        User.objects.filter(pk=user_ref)
        .order_by()
        .values_list(*(_held(role) for role in _ROLES), _unread())
    )


def _state(row: tuple[Any, ...]) -> NavigationState:
    held = frozenset(role for role, has in zip(_ROLES, row[:3], strict=True) if has)
    return NavigationState(roles=held, unread=int(row[3]))


def navigation_state(user: User) -> NavigationState:
    """The person's roles and unread count in one query."""
    found = prepared.values(User, ("navigation",), _query, user_ref=user.pk)
    if not found:  # the account was deleted during the request
        return NavigationState(roles=frozenset(), unread=0)
    return _state(found[0])


# The annotations that carry the state on the user row (dashboard/auth.py).
_CARRIED = tuple(f"navigation_{role}" for role in _ROLES) + ("navigation_unread",)


def _user_query(user_ref: int) -> QuerySet[User]:
    """The person's row with the navigation's state as annotations."""
    state = (*(_held(role) for role in _ROLES), _unread())
    return User.objects.filter(pk=user_ref).annotate(**dict(zip(_CARRIED, state, strict=True)))


def user_with_navigation(user_id: int) -> User | None:
    """The account with id `user_id` (None if there is none), carrying its navigation state
    for `kept_navigation_state`: what the authentication backends load for `request.user`
    (dashboard/auth.py), so a page reads the person and the bar's roles and unread count in
    one query, its SQL compiled once per process (core.prepared)."""
    found = prepared.objects(User, ("user_with_navigation",), _user_query, user_ref=int(user_id))
    if not found:
        return None
    user = found[0]
    row = tuple(user.__dict__.pop(name) for name in _CARRIED)
    user._navigation_state = _state(row)  # type: ignore[attr-defined]
    return user


def kept_navigation_state(user: User) -> NavigationState:
    """`navigation_state`, read once per user object (so once per request: request.user is one
    object for the request, and a proxy passes attributes through to it). The signed-in
    person's was read with their row (`user_with_navigation`)."""
    state: NavigationState | None = getattr(user, "_navigation_state", None)
    if state is None:
        state = navigation_state(user)
        user._navigation_state = state  # type: ignore[attr-defined]
    return state


def navigation_state_for(request: HttpRequest) -> NavigationState:
    """`navigation_state` of the signed-in person, read once per request: the role guard of
    the view (core.access.roles_of, which reads the roles through `kept_navigation_state`, see
    apps.py) and the navigation bar share the one query."""
    return kept_navigation_state(request.user)  # type: ignore[arg-type]


def _roles(user: User) -> frozenset[str]:
    return kept_navigation_state(user).roles


def memberships_with_navigation(source: MembershipSource) -> MembershipSource:
    """The learners app's membership source, whose roles come from the navigation's query: a
    page that checks a role and shows the bar reads both in one query instead of two."""
    return dataclasses.replace(source, roles=_roles)


# --- the learner's dashboard ---------------------------------------------------------------
#
# The dashboard's own reads, each compiled once per process (core/prepared.py) instead of
# built by the ORM on every request: the learner's latest cohorts, the cards' assignments and
# latest versions, the unread notifications, the calendar feed and the upcoming sessions. Each
# is the queryset of the app that owns the rule (learners.access, workshops, notifications),
# or, for the cards' assignments, the queries of
# workshops.selectors.assignments_with_latest_by_cohort (tests/dashboard holds them equal).

CARDS = 3  # the learner's latest cohorts shown as cards
NOTIFICATIONS = 5
SESSIONS = 5


def learner_card_cohorts(user: User) -> list[Cohort]:
    """The learner's latest `CARDS` cohorts (as learners.access.learner_cohorts), with their
    course."""
    return prepared.objects(
        Cohort,
        ("dashboard_cohorts",),
        lambda u: learner_cohorts(User(pk=u)).order_by("-start_date")[:CARDS],
        u=user.pk,
    )


def _assignments(*course_ids: int) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(workshop__course_id__in=course_ids)
        .select_related("workshop")
        .order_by("workshop__title", "phase", "pk")
    )


def assignments_by_cohort(
    *, learner: User, cohorts: list[Cohort]
) -> dict[int, list[tuple[Assignment, Submission | None]]]:
    """workshops.selectors.assignments_with_latest_by_cohort, {cohort id: [(assignment, latest
    version or None)]}, in the same two queries, compiled once per number of courses and
    cohorts."""
    if not cohorts:
        return {}
    course_ids = sorted({c.course_id for c in cohorts})
    cohort_ids = sorted({c.pk for c in cohorts})
    by_course: dict[int, list[Assignment]] = {}
    for assignment in prepared.objects(
        Assignment,
        ("dashboard_assignments", len(course_ids)),
        lambda **c: _assignments(*c.values()),
        **prepared.numbered("c", course_ids),
    ):
        by_course.setdefault(assignment.workshop.course_id, []).append(assignment)
    latest = {
        (s.cohort_id, s.assignment_id): s
        for s in prepared.objects(
            Submission,
            ("dashboard_versions", len(cohort_ids)),
            lambda learner, **c: versions_counting_for(learner, *c.values()),
            learner=learner.pk,
            **prepared.numbered("c", cohort_ids),
        )
    }
    return {
        c.pk: [(a, latest.get((c.pk, a.pk))) for a in by_course.get(c.course_id, [])]
        for c in cohorts
    }


def unread_on_dashboard(user: User) -> list[Notification]:
    """The person's latest `NOTIFICATIONS` groups of unread notifications (as
    notifications.selectors.unread_groups: a line for each, "5 new replies: …"), without the
    morning's "answers wait for review" notices (the review card counts the queue live)."""
    return prepared.objects(
        Notification,
        ("dashboard_notifications",),
        lambda u: unread_groups(recipient_id=u)[:NOTIFICATIONS],
        u=user.pk,
    )


def calendar_feed(user: User) -> CalendarFeed | None:
    """The learner's private calendar feed, if they made one (a GET never makes it)."""
    found = prepared.objects(
        CalendarFeed,
        ("dashboard_feed",),
        lambda u: CalendarFeed.objects.filter(user_id=u).order_by("pk")[:1],
        u=user.pk,
    )
    return found[0] if found else None


def upcoming_sessions(user: User, *, now: datetime.datetime | None = None) -> list[Any]:
    """workshops.sessions.upcoming_for_learner: the learner's next `SESSIONS` sessions with
    their workshop, cohort and materials."""
    return prepared.objects(
        WorkshopSession,
        ("dashboard_sessions",),
        lambda u, moment: sessions_for_learner(User(pk=u)).filter(ends_at__gte=moment)[:SESSIONS],
        u=user.pk,
        moment=now or timezone.now(),
    )
