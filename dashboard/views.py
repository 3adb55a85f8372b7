"""The home page: each signed-in person's dashboard, composed from the domain apps.

`core:home` (core/urls.py) answers with `home` through settings.HOME_VIEW, so that `core`
imports no app above it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.access import STAFF_ROLES, Role
from core.http import AuthenticatedHttpRequest, is_signed_in
from core.models import User
from courses import selectors as course_selectors
from learners.access import cohorts_for
from learners.models import Cohort
from workshops import selectors as workshop_selectors
from workshops.models import Assignment, Submission

from . import selectors
from .selectors import navigation_state_for


def _learning_block(
    *,
    user: User,
    cohort: Cohort,
    rows: tuple[list[course_selectors.ModuleWithProgress], list[course_selectors.ItemRow]],
    assignments: list[tuple[Assignment, Submission | None]],
) -> dict[str, Any]:
    """A learner's card for one cohort: the modules with their counts, the progress, where to
    continue (`courses.selectors.next_item`'s rule: the first item not done in a module open to
    the learner) and its `assignments`. The modules and the items with their done flags are
    read for every card at once (`rows`, courses.selectors.cards_rows); the unlock days'
    extensions or prerequisites add a query when the course has them; the counts and the next
    item come from the items."""
    course = cohort.course
    # The card names no item: its items are counted as plain rows, the next one made an Item.
    modules, items = rows
    locked = course_selectors.module_locks(user=user, course=course, modules=modules, cohort=cohort)
    following = next((i for i in items if i.module_id not in locked and not i.is_done), None)
    return {
        "cohort": cohort,
        "course": course,
        "modules": modules,
        "progress": course_selectors.course_progress(modules),
        "next_item": following.as_item() if following else None,
        "assignments": assignments,
    }


def home(request: HttpRequest) -> HttpResponse:
    """Anyone: signed-in people get their dashboard, others the sign-in page."""
    if not is_signed_in(request):
        return redirect("account_login")
    return dashboard(request)


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each signed-in person's own dashboard, with a section for each role they hold."""
    user = request.user
    # The learner's reads are compiled once per process (dashboard/selectors.py).
    cohorts = selectors.learner_card_cohorts(user)
    assignments = selectors.assignments_by_cohort(learner=user, cohorts=cohorts)
    rows = course_selectors.cards_rows(user=user, course_ids=[c.course_id for c in cohorts])
    learning = [
        _learning_block(
            user=user,
            cohort=cohort,
            rows=rows[cohort.course_id],
            assignments=assignments[cohort.pk],
        )
        for cohort in cohorts
    ]
    # The roles as core.access.has_role has them, from the query the navigation bar reads too.
    roles = navigation_state_for(request).roles
    is_instructor = user.is_superuser or Role.INSTRUCTOR in roles
    is_staff_member = user.is_superuser or any(role in roles for role in STAFF_ROLES)
    context: dict[str, Any] = {
        "learning": learning,
        "is_instructor": is_instructor,
        "waiting_count": (
            workshop_selectors.review_queue(user=user).count() if is_instructor else 0
        ),
        "staff_cohorts": (
            list(cohorts_for(user, *STAFF_ROLES).select_related("course")[:10])
            if is_staff_member
            else []
        ),
        # The review card above counts the queue live; the morning's "N answers wait" notice
        # would show an older number beside it.
        "notifications": selectors.unread_on_dashboard(user),
    }
    if learning:
        # The learner's calendar block: the next workshop sessions and their private feed.
        # Read only: a GET never creates the feed; the block offers to create it instead.
        feed = selectors.calendar_feed(user)
        context["upcoming_sessions"] = selectors.upcoming_sessions(user)
        context["calendar_url"] = (
            request.build_absolute_uri(reverse("workshops:calendar_feed", args=[feed.token]))
            if feed
            else ""
        )
    return render(request, "dashboard/dashboard.html", context)
