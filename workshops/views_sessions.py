"""Workshop sessions: instructors plan them and record attendance; learners get a calendar."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
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
from core.ids import parse_id
from core.models import User
from courses import video as course_video
from learners.access import get_cohort_for_instructor
from learners.models import Membership
from workshops.access import (
    get_session_for_instructor,
    get_session_for_member,
    get_session_material_for_instructor,
    get_session_material_for_user,
    is_session_staff,
)

from . import sessions as services
from .forms import SessionForm, SessionRecordingForm
from .models import Attendance, CalendarFeed, SessionMaterial, Workshop, WorkshopSession


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
            watched=Count("attendance", filter=Q(attendance__status=Attendance.Status.WATCHED)),
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
def session_recording(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the session's cohort: its recording (a link, or a video with captions)
    and its slides; a refused file saves nothing and says why."""
    session = get_session_for_instructor(request.user, pk)
    form = SessionRecordingForm(
        request.POST or None,
        request.FILES or None,
        initial={"recording_url": session.recording_url},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.session_recording_save(
                    session=session,
                    by=request.user,
                    url=form.cleaned_data["recording_url"],
                    video=form.cleaned_data.get("recording_video") or None,
                    captions=form.cleaned_data.get("recording_captions") or None,
                    slides=form.cleaned_data.get("slides") or None,
                    remove=form.cleaned_data["remove"],
                )
            except services.SessionError as exc:
                form.add_error(None, exc.message)
                session.refresh_from_db()
            else:
                messages.success(request, _("The recording and slides were saved."))
                return redirect("workshops:session_detail", pk=session.pk)
    return render(
        request,
        "workshops/session_recording.html",
        {"session": session, "form": form},
        status=status,
    )


@login_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The members of the session's cohort and the superuser: the session with its materials;
    its recording and slides once it has started (its staff see them at once)."""
    session = get_session_for_member(request.user, pk)
    staff = is_session_staff(request.user, session)
    shown = staff or services.recording_started(session)
    return render(
        request,
        "workshops/session_detail.html",
        {
            "session": session,
            "s": session,
            "staff": staff,
            "may_manage": staff
            and Membership.objects.filter(
                cohort_id=session.cohort_id, user=request.user, role=Membership.Role.INSTRUCTOR
            ).exists(),
            "shown": shown,
            "started": services.recording_started(session),
            "embed_url": course_video.embed_url(session.recording_url) if shown else None,
            "video_provider": course_video.provider(session.recording_url),
        },
    )


RECORDING_FIELDS = {
    "video": "recording_video",
    "captions": "recording_captions",
    "slides": "slides",
}


@login_required
def session_file(request: AuthenticatedHttpRequest, pk: int, which: str) -> FileResponse:
    """The members of the session's cohort: its video, captions or slides; learners only once
    the session has started (404 before). Sent with a fixed media type, never rendered as a
    page of ours."""
    session = get_session_for_member(request.user, pk)
    field = RECORDING_FIELDS.get(which)
    if field is None or not getattr(session, field):
        raise Http404
    if not services.recording_started(session) and not is_session_staff(request.user, session):
        raise Http404
    stored = getattr(session, field)
    if which == "slides":
        response = FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=session.slides_name or "slides",
            content_type="application/octet-stream",
        )
    elif which == "captions":
        response = FileResponse(stored.open("rb"), content_type="text/vtt; charset=utf-8")
    else:
        suffix = stored.name.rsplit(".", 1)[-1].lower()
        kind = {"webm": "video/webm", "ogv": "video/ogg"}.get(suffix, "video/mp4")
        response = FileResponse(stored.open("rb"), content_type=kind)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# A page of the attendance form sends two fields a learner (what the page showed and the
# choice): 100 learners stay far below DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000), above which the
# whole save is refused; a cohort of 600 on one page was.
ATTENDANCE_PER_PAGE = 100


@require_role(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def session_attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the session's cohort: present, absent or excused for every learner, 100
    learners a page in name order, optionally found by name or email (`q`)."""
    session = get_session_for_instructor(request.user, pk)
    status = 200
    error = ""
    if request.method == "POST":
        statuses = {}
        # What the page showed for each learner: only what was changed on it is saved. The
        # page holds some of the cohort's learners; the others send nothing and keep theirs.
        seen = {}
        # The learners the form names (learner_<id>, seen_<id>), kept when they are the
        # cohort's: anything else posted is ignored, and the cohort is not read whole.
        posted = {
            learner_id
            for key in request.POST
            if key.startswith(("learner_", "seen_"))
            and (learner_id := parse_id(key.partition("_")[2]))
        }
        for learner_id in Membership.objects.filter(
            cohort_id=session.cohort_id, role=Membership.Role.LEARNER, user_id__in=posted
        ).values_list("user_id", flat=True):
            value = request.POST.get(f"learner_{learner_id}", "")
            if value:
                statuses[learner_id] = value
            if f"seen_{learner_id}" in request.POST:
                seen[learner_id] = request.POST[f"seen_{learner_id}"]
        try:
            result = services.attendance_record(
                session=session, by=request.user, statuses=statuses, seen=seen
            )
        except services.SessionError as exc:
            error = exc.message
            status = 400
        else:
            for row in result.changed_meanwhile:
                messages.warning(
                    request,
                    _(
                        "%(learner)s: %(name)s recorded “%(status)s” after you opened the page, "
                        "so your choice was not saved. Check it below."
                    )
                    % {
                        "learner": row.learner.display_name,
                        "name": row.recorded_by.display_name,
                        "status": row.get_status_display(),
                    },
                )
            if result.saved or not result.changed_meanwhile:
                messages.success(request, _("Attendance was saved."))
            # Back to the same learners (page and search), or on to the page asked for.
            query = request.GET.copy()
            then = parse_id(request.POST.get("then", ""))
            if then:
                query["page"] = str(then)
            url = reverse("workshops:session_attendance", args=[session.pk])
            return redirect(f"{url}?{query.urlencode()}" if query else url)
    search = request.GET.get("q", "").strip()[:100]
    learners = (
        User.objects.filter(
            memberships__cohort_id=session.cohort_id,
            memberships__role=Membership.Role.LEARNER,
        )
        .select_related("organisation")
        .order_by("last_name", "first_name", "email", "pk")
    )
    if search:
        learners = learners.filter(
            Q(first_name__unicode_icontains=search)
            | Q(last_name__unicode_icontains=search)
            | Q(email__unicode_icontains=search)
        )
    page = Paginator(learners, ATTENDANCE_PER_PAGE).get_page(request.GET.get("page"))
    people = list(page.object_list)
    recorded = dict(
        session.attendance.filter(learner__in=[person.pk for person in people]).values_list(
            "learner_id", "status"
        )
    )
    rows = [(person, recorded.get(person.pk, "")) for person in people]
    return render(
        request,
        "workshops/session_attendance.html",
        {
            "session": session,
            "rows": rows,
            "page": page,
            "query": search,
            "choices": [
                (value, label)
                for value, label in Attendance.Status.choices
                if value != Attendance.Status.WATCHED
                or session.workshop.recording_counts_as_attendance
            ],
            "error": error,
        },
        status=status,
    )


class RecordingAttendanceForm(forms.Form):
    """One checkbox per workshop of the course: does watching the recording count?"""

    def __init__(self, *args, workshops: list[Workshop], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for workshop in workshops:
            self.fields[f"workshop_{workshop.pk}"] = forms.BooleanField(
                label=_("%(workshop)s: watching the recording counts as attendance")
                % {"workshop": workshop.title},
                help_text=_(
                    "Instructors may then mark a learner who watched a session's recording "
                    "as “watched the recording”, and it counts as attending the "
                    "session, also towards the course's required attendance."
                ),
                required=False,
                initial=workshop.recording_counts_as_attendance,
            )


@require_role(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def session_settings(request: AuthenticatedHttpRequest, cohort_pk: int) -> HttpResponse:
    """Instructors of the cohort and the superuser: whether watching a session's recording
    counts as attendance in the course's workshops (the setting is the workshop's, so it
    applies to every cohort of the course, which the page says); 404 for anyone else."""
    cohort = get_cohort_for_instructor(request.user, cohort_pk)
    workshops = list(Workshop.objects.filter(course_id=cohort.course_id).order_by("title", "pk"))
    # An unticked box sends nothing: an empty POST still binds the form.
    data = request.POST if request.method == "POST" else None
    form = RecordingAttendanceForm(data, workshops=workshops)
    if request.method == "POST":
        if form.is_valid():
            for workshop in workshops:
                services.workshop_recording_attendance_set(
                    workshop=workshop,
                    by=request.user,
                    counts=form.cleaned_data[f"workshop_{workshop.pk}"],
                )
            messages.success(request, _("The session settings were saved."))
            return redirect("workshops:session_list", cohort_pk=cohort.pk)
        status = 400
    else:
        status = 200
    others = list(cohort.course.cohorts.exclude(pk=cohort.pk).order_by("-start_date", "name", "pk"))
    return render(
        request,
        "workshops/session_settings.html",
        {"cohort": cohort, "form": form, "workshops": workshops, "other_cohorts": others},
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
            "now": now,
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
