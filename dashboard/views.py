"""The home page: each signed-in person's dashboard, composed from the domain apps.

`core:home` (core/urls.py) answers with `home` through settings.HOME_VIEW, so that `core`
imports no app above it.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.access import STAFF_ROLES, Role, has_role
from core.http import AuthenticatedHttpRequest, is_signed_in
from courses import selectors as course_selectors
from learners.access import cohorts_for, learner_cohorts
from notifications.selectors import notifications_for
from workshops import selectors as workshop_selectors
from workshops import sessions as workshop_sessions
from workshops.models import CalendarFeed


def home(request: HttpRequest) -> HttpResponse:
    """Anyone: signed-in people get their dashboard, others the sign-in page."""
    if not is_signed_in(request):
        return redirect("account_login")
    return dashboard(request)


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each signed-in person's own dashboard, with a section for each role they hold."""
    user = request.user
    learning = []
    for cohort in learner_cohorts(user).order_by("-start_date")[:3]:
        modules = list(course_selectors.modules_with_progress(user=user, course=cohort.course))
        learning.append(
            {
                "cohort": cohort,
                "course": cohort.course,
                "modules": modules,
                "progress": course_selectors.course_progress(modules),
                "next_item": course_selectors.next_item(
                    user=user, course=cohort.course, modules=modules, cohort=cohort
                ),
                "assignments": workshop_selectors.assignments_with_latest(
                    learner=user, cohort=cohort
                ),
            }
        )
    is_instructor = has_role(user, Role.INSTRUCTOR)
    is_staff_member = any(has_role(user, role) for role in STAFF_ROLES)
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
        "notifications": list(
            notifications_for(user)
            .filter(read_at__isnull=True)
            .exclude(key__startswith="reviews-waiting-")[:5]
        ),
    }
    if learning:
        # The learner's calendar block: the next workshop sessions and their private feed.
        # Read only: a GET never creates the feed; the block offers to create it instead.
        feed = CalendarFeed.objects.filter(user=user).first()
        context["upcoming_sessions"] = workshop_sessions.upcoming_for_learner(user)
        context["calendar_url"] = (
            request.build_absolute_uri(reverse("workshops:calendar_feed", args=[feed.token]))
            if feed
            else ""
        )
    return render(request, "dashboard/dashboard.html", context)
