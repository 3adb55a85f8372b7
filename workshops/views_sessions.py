"""Workshop sessions: instructors plan them and record attendance; learners get a calendar."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import Role, require_role
from core.http import AuthenticatedHttpRequest
from core.models import User
from learners.access import get_cohort_for_instructor
from learners.models import Membership
from workshops.access import (
    get_session_for_instructor,
    get_session_material_for_instructor,
    get_session_material_for_user,
)

from . import sessions as services
from .forms import SessionForm
from .models import Attendance, CalendarFeed, SessionMaterial, WorkshopSession


@require_role(Role.INSTRUCTOR)
def session_list(request: AuthenticatedHttpRequest, cohort_pk: int) -> HttpResponse:
    """Instructors of the cohort: its workshop sessions with attendance counts."""
    cohort = get_cohort_for_instructor(request.user, cohort_pk)
    sessions = (
        WorkshopSession.objects.filter(cohort=cohort)
        .select_related("workshop")
        .prefetch_related("material_files")
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=Attendance.Status.PRESENT)),
            absent=Count("attendance", filter=Q(attendance__status=Attendance.Status.ABSENT)),
            excused=Count("attendance", filter=Q(attendance__status=Attendance.Status.EXCUSED)),
        )
    )
    return render(
        request,
        "workshops/session_list.html",
        {"cohort": cohort, "sessions": sessions, "now": timezone.now()},
    )


@require_role(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def session_create(request: AuthenticatedHttpRequest, cohort_pk: int) -> HttpResponse:
    """Instructors of the cohort: plan a new session."""
    cohort = get_cohort_for_instructor(request.user, cohort_pk)
    form = SessionForm(request.POST or None, request.FILES or None, cohort=cohort)
    if request.method == "POST":
        if form.is_valid() and _save(request, form, cohort=cohort):
            messages.success(request, _("The session was saved."))
            return redirect("workshops:session_list", cohort_pk=cohort.pk)
        return render(
            request, "workshops/session_form.html", {"cohort": cohort, "form": form}, status=400
        )
    return render(request, "workshops/session_form.html", {"cohort": cohort, "form": form})


@require_role(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def session_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the session's cohort: change it (calendars pick up the new version)."""
    session = get_session_for_instructor(request.user, pk)
    form = SessionForm(
        request.POST or None, request.FILES or None, instance=session, cohort=session.cohort
    )
    if request.method == "POST":
        if form.is_valid() and _save(request, form, cohort=session.cohort):
            messages.success(request, _("The session was saved."))
            return redirect("workshops:session_list", cohort_pk=session.cohort_id)
        status = 400
    else:
        status = 200
    return render(
        request,
        "workshops/session_form.html",
        {
            "cohort": session.cohort,
            "form": form,
            "session": session,
            "material_files": list(session.material_files.all()),
        },
        status=status,
    )


def _save(request: AuthenticatedHttpRequest, form: SessionForm, *, cohort) -> bool:
    """Save the session and its new files together: a file that fails its check saves
    nothing and the reason is shown on the form (the other fields stay filled in)."""
    creating = form.instance._state.adding
    try:
        with transaction.atomic():
            session = form.save(commit=False)
            session.cohort = cohort
            if not creating:
                session.sequence += 1
            session.save()
            services.session_materials_add(
                session=session, by=request.user, uploads=form.cleaned_data["files"]
            )
    except services.SessionError as exc:
        form.add_error("files", exc.message)
        if creating:
            # The row was rolled back; the form must not think it exists.
            form.instance.pk = None
            form.instance._state.adding = True
        return False
    return True


@require_role(Role.INSTRUCTOR)
@require_POST
def session_material_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the session's cohort: remove a shared file."""
    material = get_session_material_for_instructor(request.user, pk)
    services.session_material_delete(material=material)
    messages.success(request, _("The file was removed."))
    return redirect("workshops:session_edit", pk=material.session_id)


@login_required
def session_material(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Learners, instructors and coordinators of the session's cohort, and superusers:
    download a file shared with the session; files have no other address."""
    material: SessionMaterial = get_session_material_for_user(request.user, pk)
    if not material.file:
        raise Http404
    response = FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_role(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def session_attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the session's cohort: present, absent or excused for every learner."""
    session = get_session_for_instructor(request.user, pk)
    learners = list(
        User.objects.filter(
            memberships__cohort_id=session.cohort_id,
            memberships__role=Membership.Role.LEARNER,
        )
        .select_related("organisation")
        .order_by("last_name", "first_name", "email")
    )
    recorded = dict(session.attendance.values_list("learner_id", "status"))
    status = 200
    error = ""
    if request.method == "POST":
        statuses = {}
        for person in learners:
            value = request.POST.get(f"learner_{person.pk}", "")
            if value:
                statuses[person.pk] = value
        try:
            services.attendance_record(session=session, by=request.user, statuses=statuses)
        except services.SessionError as exc:
            error = exc.message
            status = 400
        else:
            messages.success(request, _("Attendance was saved."))
            return redirect("workshops:session_attendance", pk=session.pk)
    rows = [(person, recorded.get(person.pk, "")) for person in learners]
    return render(
        request,
        "workshops/session_attendance.html",
        {
            "session": session,
            "rows": rows,
            "choices": Attendance.Status.choices,
            "error": error,
        },
        status=status,
    )


@login_required
def my_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Any signed-in person; shows the sessions of the cohorts they learn in (nothing else):
    coming and past, with place, agenda, material links and files, and their own attendance."""
    sessions = list(
        services.sessions_for_learner(request.user).prefetch_related(
            Prefetch(
                "attendance",
                queryset=Attendance.objects.filter(learner=request.user),
                to_attr="mine",
            )
        )
    )
    now = timezone.now()
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "workshops/my_sessions.html",
        {
            "coming": [s for s in sessions if s.ends_at >= now],
            "past": [s for s in reversed(sessions) if s.ends_at < now],
            "calendar_url": request.build_absolute_uri(
                reverse("workshops:calendar_feed", args=[feed.token])
            )
            if feed
            else "",
        },
    )


@login_required
@require_POST
def calendar_renew(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Any signed-in person: a new secret calendar address (the old one stops working)."""
    services.calendar_feed_renew(user=request.user)
    messages.success(request, _("Your calendar address was renewed."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "core:home")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the secret token (calendar apps cannot sign in): that learner's
    sessions as iCalendar; an unknown token is a 404."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    sessions = services.sessions_for_learner(feed.user).filter(
        ends_at__gte=timezone.now() - datetime.timedelta(days=180)
    )
    body = services.calendar_ics(sessions, name=_("Alueagentti workshops"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="alueagentti.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
