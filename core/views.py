from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from core.http import AuthenticatedHttpRequest, is_signed_in
from courses import selectors as course_selectors
from learners.access import cohorts_for, learner_cohorts
from learners.models import Membership
from notifications.selectors import notifications_for
from workshops import selectors as workshop_selectors
from workshops import sessions as workshop_sessions
from workshops.models import CalendarFeed

from .access import STAFF_ROLES, has_role


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
    is_instructor = has_role(user, Membership.Role.INSTRUCTOR)
    is_staff_member = any(has_role(user, role) for role in STAFF_ROLES)
    context = {
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
    return render(request, "core/dashboard.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Anyone: switch the interface language; a signed-in person's choice is saved on them."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(
        request.user._meta.get_field("language").choices or ()
    ):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """Anyone (load balancers, compose health checks): JSON with the database, the broker, the
    worker heartbeat and late background work (core.outbox.health); 200 when ok or degraded,
    503 when the database does not answer."""
    from django.http import JsonResponse

    from .outbox import health

    report = health()
    response = JsonResponse(report, status=503 if report["status"] == "down" else 200)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Anyone whose request failed (handler500): the static error page with the request id, so
    the person can quote it and support can find the request's log lines. Renders without the
    request's context, which may be what failed."""
    from django.template import loader

    from .requestid import current

    html = loader.get_template("500.html").render({"request_id": current()})
    return HttpResponse(html, status=500)
