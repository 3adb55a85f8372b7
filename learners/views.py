import functools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import STAFF_ROLES, Role, require_role
from core.http import AuthenticatedHttpRequest, content_disposition, set_language_cookie
from core.ids import parse_id
from core.models import User
from core.responses import action_refused
from courses.models import Course
from learners.access import (
    can_create_cohorts,
    cohorts_for,
    coordinates,
    get_cohort_for_coordinator,
    get_cohort_for_staff,
    get_import_for_coordinator,
    get_invitation_for_coordinator,
    get_learner_for_staff,
)
from learners.adapters import ENROLMENT_CODE_SESSION_KEY, INVITATION_SESSION_KEY

from . import forms, rollup, selectors, services
from .models import Invitation, InvitationImport, Membership
from .progress_page import cohort_progress_page


@require_role(*STAFF_ROLES)
def cohort_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators and instructors: the cohorts they are attached to."""
    cohorts = selectors.cohorts_with_counts(cohorts_for(request.user, *STAFF_ROLES))
    return render(
        request,
        "learners/cohort_list.html",
        {"cohorts": cohorts, "can_create": can_create_cohorts(request.user)},
    )


# Rows on one page of the progress heatmap: enough to scan, small enough to render at once.
LEARNERS_PER_PAGE = 50


@require_role(*STAFF_ROLES)
def cohort_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators and instructors of this cohort: progress and submissions per learner, as a
    heatmap or a plain table, 50 learners a page, filtered by name or organisation."""
    cohort = get_cohort_for_staff(request.user, pk)
    query = request.GET.get("q", "").strip()[:100]
    org = request.GET.get("org", "")
    organisation_id = parse_id(org)
    view = "table" if request.GET.get("view") == "table" else "grid"
    page, overview = cohort_progress_page(
        cohort=cohort,
        query=query,
        organisation_id=organisation_id,
        number=request.GET.get("page"),
        per_page=LEARNERS_PER_PAGE,
    )
    # Read with the cohort (learners.access): no query of its own.
    is_coordinator = bool(cohort.viewer_coordinates)  # type: ignore[attr-defined]
    is_author = bool(cohort.viewer_is_author)  # type: ignore[attr-defined] # read with it
    course_links = {
        "author": is_author,
        "extensions": is_author or any(u.pk == request.user.pk for u in overview.instructors),
        "certificates": is_coordinator,
    }
    return render(
        request,
        "learners/cohort_detail.html",
        {
            "cohort": cohort,
            "overview": overview,
            "is_coordinator": is_coordinator,
            "course_links": course_links,
            "page": page,
            "query": query,
            "organisation_id": organisation_id,
            "organisations": selectors.cohort_organisation_choices(cohort=cohort),
            "view": view,
            "filtered": bool(query or organisation_id),
        },
    )


def _courses_for_new_cohort(user: User):
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(cohorts__in=cohorts_for(user, Role.COORDINATOR)).distinct()


@require_role(Role.COORDINATOR)
def cohort_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators: start a new cohort for a course they already coordinate."""
    if not can_create_cohorts(request.user):
        raise PermissionDenied
    form = forms.CohortForm(request.POST or None, courses=_courses_for_new_cohort(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(creator=request.user, **form.cleaned_data)
        except services.EnrolmentError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Cohort created."))
            return redirect("learners:cohort_detail", cohort.pk)
    return render(
        request,
        "learners/cohort_form.html",
        {"form": form, "source": None},
        status=400 if request.method == "POST" else 200,
    )


@require_role(Role.COORDINATOR)
def cohort_copy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of this cohort: a new run with shifted dates and the same staff."""
    source = get_cohort_for_coordinator(request.user, pk)
    form = forms.CohortCopyForm(
        request.POST or None,
        source=source,
        initial={
            "name": _("%(title)s (copy)") % {"title": source.name},
            "start_date": forms.default_copy_start(source),
        },
    )
    if request.method == "POST" and form.is_valid():
        cohort = services.cohort_copy(source=source, creator=request.user, **form.cleaned_data)
        messages.success(request, _("Cohort copied. Invite its learners next."))
        return redirect("learners:cohort_detail", cohort.pk)
    return render(
        request,
        "learners/cohort_form.html",
        {"form": form, "source": source},
        status=400 if request.method == "POST" else 200,
    )


@require_role(Role.COORDINATOR)
def cohort_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of this cohort: self-enrolment code and at-risk limits."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = forms.CohortSettingsForm(request.POST or None, instance=cohort)
    if request.method == "POST":
        if request.POST.get("new_code"):
            services.cohort_new_code(cohort=cohort)
            messages.success(request, _("A new code was made; the old one no longer works."))
            return redirect("learners:cohort_settings", cohort.pk)
        if form.is_valid():
            services.cohort_update_settings(cohort=cohort, **form.cleaned_data)
            messages.success(request, _("Settings saved."))
            return redirect("learners:cohort_settings", cohort.pk)
    join_url = (
        request.build_absolute_uri(reverse("learners:join_code", args=[cohort.enrolment_code]))
        if cohort.enrolment_code
        else ""
    )
    return render(
        request,
        "learners/cohort_settings.html",
        {"cohort": cohort, "form": form, "join_url": join_url},
        status=400 if request.method == "POST" else 200,
    )


# --- invitations -----------------------------------------------------------------------------


# Invitations on one page of the list.
INVITATIONS_PER_PAGE = 50


@require_role(Role.COORDINATOR)
def invitation_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of this cohort: invite people one by one or from a file; resend, revoke.
    The list, 50 a page, is filtered by name, email or organisation (`q`) and by organisation
    (`org`, the organisations the cohort's invitations name)."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = forms.InvitationForm(request.POST or None, prefix="one")
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_invite(cohort=cohort, invited_by=request.user, **form.cleaned_data)
        except services.EnrolmentError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("learners:invitations", cohort.pk)
    query = request.GET.get("q", "").strip()[:100]
    organisation_id = parse_id(request.GET.get("org", ""))
    invitations = cohort.invitations.select_related("organisation").order_by("-created_at", "-pk")
    if query:
        # unicode_icontains (core/lookups.py): "åström" finds Åström on SQLite too.
        invitations = invitations.filter(
            Q(email__unicode_icontains=query)
            | Q(first_name__unicode_icontains=query)
            | Q(last_name__unicode_icontains=query)
            | Q(organisation__name__unicode_icontains=query)
        )
    if organisation_id:
        invitations = invitations.filter(organisation_id=organisation_id)
    page = Paginator(invitations, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "learners/invitation_list.html",
        {
            "cohort": cohort,
            "form": form,
            "upload_form": forms.InvitationUploadForm(),
            "page": page,
            "query": query,
            "organisation_id": organisation_id,
            "organisations": selectors.invitation_organisation_choices(cohort=cohort),
            "filtered": bool(query or organisation_id),
            "imports": cohort.imports.defer("content", "rows")[:5],
        },
        status=400 if request.method == "POST" else 200,
    )


@require_role(Role.COORDINATOR)
@require_POST
def invitation_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of this cohort: upload a file; Celery checks it and a preview follows."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    form = forms.InvitationUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = services.import_upload(
                cohort=cohort,
                uploaded_by=request.user,
                file_name=upload.name,
                content=upload.read(),
            )
        except services.EnrolmentError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("learners:import_detail", record.pk)
    return action_refused(
        request,
        " ".join(str(e) for errs in form.errors.values() for e in errs),
        back_url=reverse("learners:invitations", args=[cohort.pk]),
    )


@require_role(Role.COORDINATOR)
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of the upload's cohort: progress, then the preview with each row's problems."""
    upload = get_import_for_coordinator(request.user, pk)
    context = {
        "upload": upload,
        "cohort": upload.cohort,
        "row_errors": services.ROW_ERRORS,
        "role_labels": dict(Membership.Role.choices),
        "polling": upload.status
        in (InvitationImport.Status.CHECKING, InvitationImport.Status.APPLYING),
    }
    template = (
        "learners/includes/_import_status.html" if request.htmx else "learners/import_detail.html"
    )
    return render(request, template, context)


@require_role(Role.COORDINATOR)
@require_POST
def import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of the upload's cohort: send the invitations of the valid rows."""
    upload = get_import_for_coordinator(request.user, pk)
    if not services.import_confirm(upload=upload):
        messages.info(request, _("This file has already been confirmed."))
    return redirect("learners:import_detail", upload.pk)


@require_role(Role.COORDINATOR)
@require_POST
def import_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of the upload's cohort: drop a previewed file without inviting anyone."""
    upload = get_import_for_coordinator(request.user, pk)
    services.import_cancel(upload=upload)
    return redirect("learners:invitations", upload.cohort_id)


def _invitations_back(request: HttpRequest, cohort_id: int) -> str:
    """Where an action on one invitation returns: the list as the coordinator left it (its page
    and filters, sent as `next`), or the list's first page. Only the cohort's own list is
    accepted, so the parameter cannot lead anywhere else."""
    base = reverse("learners:invitations", args=[cohort_id])
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    path, _sep, _query = wanted.partition("?")
    if path == base and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return base


@require_role(Role.COORDINATOR)
@require_POST
def invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of the invitation's cohort: send a pending invitation again."""
    invitation = get_invitation_for_coordinator(request.user, pk)
    try:
        services.invitation_resend(invitation=invitation)
    except services.EnrolmentError as exc:
        return action_refused(
            request,
            exc.message,
            back_url=reverse("learners:invitations", args=[invitation.cohort_id]),
            status=409,
        )
    messages.success(
        request, _("Invitation sent again to %(email)s.") % {"email": invitation.email}
    )
    return redirect(_invitations_back(request, invitation.cohort_id))


@require_role(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of the invitation's cohort (403 or 404 for anyone else): GET asks to
    confirm, POST stops the link from working. Revoking it again (a double click, a second
    tab) only says it is already revoked; an accepted invitation cannot be revoked (409)."""
    invitation = get_invitation_for_coordinator(request.user, pk)
    back = _invitations_back(request, invitation.cohort_id)
    if invitation.status == Invitation.Status.REVOKED:
        messages.info(
            request,
            _("The invitation to %(email)s is already revoked.") % {"email": invitation.email},
        )
        return redirect(back)
    if invitation.status == Invitation.Status.ACCEPTED:
        return action_refused(
            request, _("Only a pending invitation can be revoked."), back_url=back, status=409
        )
    if request.method == "POST":
        if services.invitation_revoke(invitation=invitation):
            messages.success(request, _("Invitation revoked."))
        else:  # accepted or revoked in the meantime
            invitation.refresh_from_db(fields=["status"])
            if invitation.status != Invitation.Status.REVOKED:
                return action_refused(
                    request,
                    _("Only a pending invitation can be revoked."),
                    back_url=back,
                    status=409,
                )
            messages.info(
                request,
                _("The invitation to %(email)s is already revoked.") % {"email": invitation.email},
            )
        return redirect(back)
    return render(
        request,
        "learners/invitation_revoke.html",
        {"invitation": invitation, "cohort": invitation.cohort, "back_url": back, "next": back},
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link: a welcome that says which cohort, course and coordinator they are
    joining, then sign up with the invited address (or sign in) and join.

    The token is the secret; an unknown token is a 404, a revoked, expired or used one a clear
    page (410) that says what to do. Someone signed in with another address gets 403.
    """
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404
    context = {"invitation": invitation, **selectors.invitation_welcome(invitation=invitation)}
    if invitation.status == Invitation.Status.ACCEPTED:
        return render(
            request, "learners/invitation_accept.html", {**context, "state": "used"}, status=410
        )
    if invitation.status == Invitation.Status.REVOKED:
        return render(
            request, "learners/invitation_accept.html", {**context, "state": "revoked"}, status=410
        )
    if invitation.is_expired:
        return render(
            request, "learners/invitation_accept.html", {**context, "state": "expired"}, status=410
        )
    user = request.user
    if user.is_authenticated:
        if not services.user_has_email(user, invitation.email):
            return render(
                request,
                "learners/invitation_accept.html",
                {**context, "state": "other_account"},
                status=403,
            )
        if request.method == "POST":
            services.invitation_accept(invitation=invitation, user=user)
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(
                request, _("Welcome to %(cohort)s!") % {"cohort": invitation.cohort.name}
            )
            return redirect("core:home")
        return render(request, "learners/invitation_accept.html", {**context, "state": "confirm"})
    # Back on the welcome after choosing a language in the footer: that choice stands.
    returning = request.session.get(INVITATION_SESSION_KEY) == invitation.token
    if not returning:
        # Written only when it changes: an assignment marks the session modified, and saving
        # an unchanged session on every visit costs three statements.
        request.session[INVITATION_SESSION_KEY] = invitation.token
    if User.objects.filter(email__unicode_iexact=invitation.email).exists():
        login = reverse("account_login")
        next_url = f"{login}?next={reverse('learners:invitation_accept', args=[token])}"
        state = "sign_in"
    else:
        from allauth.account.adapter import get_adapter

        # allauth keeps the address under this key (DefaultAccountAdapter.stash_verified_email);
        # stashed again only when it is not there already, for the same reason.
        if request.session.get("account_verified_email") != invitation.email:
            get_adapter(request).stash_verified_email(request, invitation.email)
        next_url, state = reverse("account_signup"), "sign_up"
    # Someone not signed in reads the welcome in the language the coordinator chose for them.
    # Someone new reads the pages after it in it too: the language cookie carries it to the
    # sign-up form, the messages after it and the new account's saved language (core.signals
    # keeps the cookie's language at sign-in). Someone with an account signs in to their own
    # saved language, which the cookie would overwrite. A language chosen in the footer while
    # on the welcome is kept.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if returning and chosen in dict(settings.LANGUAGES):
        language = chosen
    else:
        language = invitation.language or settings.LANGUAGE_CODE
    with translation.override(language):
        response = render(
            request,
            "learners/invitation_accept.html",
            {**context, "state": state, "next_url": next_url},
        )
    if state == "sign_up" and language != chosen:
        set_language_cookie(response, language)
    return response


def join(request: HttpRequest, code: str = "") -> HttpResponse:
    """Anyone with an open cohort's code: join it as a learner (signing up first if needed)."""
    form = forms.EnrolmentCodeForm(request.POST or None, initial={"code": code})
    cohort = services.cohort_for_code(code) if code else None
    if code and cohort is None:
        return render(request, "learners/join.html", {"form": form, "closed": True}, status=410)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip().upper()
        cohort = services.cohort_for_code(code)
        if cohort is None:
            form.add_error(
                "code", _("That code does not open any cohort. Check it with your coordinator.")
            )
        elif not request.user.is_authenticated:
            request.session[ENROLMENT_CODE_SESSION_KEY] = code
            return redirect("account_signup")
        else:
            services.cohort_self_enrol(user=request.user, code=code)
            messages.success(request, _("Welcome to %(cohort)s!") % {"cohort": cohort.name})
            return redirect("core:home")
        return render(request, "learners/join.html", {"form": form}, status=400)
    return render(request, "learners/join.html", {"form": form, "cohort": cohort})


# --- tracking --------------------------------------------------------------------------------


# Rows on one page of the at-risk, attendance and phase lists: a long list is paged, so the
# page's HTML does not grow with the cohort.
ROWS_PER_PAGE = 100


@require_role(*STAFF_ROLES)
def at_risk(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators and instructors of this cohort: learners who seem stuck, and why, 100 a
    page (others get 404 from get_cohort_for_staff). The learners are chosen in SQL from the
    progress rollup for today; the reasons are read for the page's learners only."""
    cohort = get_cohort_for_staff(request.user, pk)
    now = timezone.now()
    # The course's due phases, read once for a refresh of the rollup (without a broker) and
    # for the page's reasons.
    due = functools.cache(lambda: selectors.due_assignments(cohort=cohort))
    figures = rollup.rollup_for(cohort, due=due)
    candidates = rollup.at_risk_candidates(cohort=cohort, now=now).only("pk", "user_id")
    page = Paginator(candidates, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    page_ids = [row.user_id for row in page.object_list]
    # The learners waiting on staff are paged on their own (`delays_page`): the summary counts
    # them all and links here, where only the first hundred used to be reachable.
    delays_page = Paginator(
        rollup.staff_delay_candidates(cohort=cohort, now=now).only("pk", "user_id"), ROWS_PER_PAGE
    ).get_page(request.GET.get("delays_page"))
    delay_ids = [row.user_id for row in delays_page.object_list]
    rows, delays = selectors.at_risk_and_delays(
        cohort=cohort, now=now, learner_ids=sorted(set(page_ids) | set(delay_ids)), due=due
    )
    on_page, delayed = set(page_ids), set(delay_ids)
    return render(
        request,
        "learners/at_risk.html",
        {
            "cohort": cohort,
            "rows": [r for r in rows if r.learner.pk in on_page],
            "page": page,
            "delays": [d for d in delays if d.learner.pk in delayed],
            "delays_page": delays_page,
            "rows_per_page": ROWS_PER_PAGE,
            "refreshed_at": figures.refreshed_at,
            "is_coordinator": coordinates(request.user, cohort),
        },
    )


@require_role(*STAFF_ROLES)
@require_POST
def nudge(request: AuthenticatedHttpRequest, pk: int, user_pk: int) -> HttpResponse:
    """Coordinators and instructors of this cohort: one friendly reminder per learner per day."""
    cohort = get_cohort_for_staff(request.user, pk)
    learner = get_learner_for_staff(request.user, cohort, user_pk)
    if cohort.has_ended():
        return action_refused(
            request,
            _("This cohort has ended; its learners are no longer reminded."),
            back_url=reverse("learners:at_risk", args=[cohort.pk]),
            status=409,
        )
    risk = next(iter(selectors.at_risk(cohort=cohort, learner_ids=[learner.pk])), None)
    try:
        sent = services.nudge_send(cohort=cohort, learner=learner, sent_by=request.user, risk=risk)
    except services.EnrolmentError as exc:
        # An erased (closed) account gets no reminder.
        return action_refused(
            request,
            exc.message,
            back_url=reverse("learners:at_risk", args=[cohort.pk]),
            status=409,
        )
    if request.htmx:
        return render(request, "learners/includes/_nudge_state.html", {"sent": sent, "fresh": True})
    if sent:
        messages.success(request, _("Reminder sent to %(name)s.") % {"name": learner.display_name})
    else:
        messages.info(
            request,
            _("%(name)s has already been reminded today.") % {"name": learner.display_name},
        )
    return redirect("learners:at_risk", cohort.pk)


@require_role(*STAFF_ROLES)
def dashboard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators and instructors of this cohort: headline figures, municipalities, reviews,
    from the cohort's rollup (with its age)."""
    cohort = get_cohort_for_staff(request.user, pk)
    return render(
        request,
        "learners/cohort_dashboard.html",
        {
            "cohort": cohort,
            "summary": rollup.rollup_summary(rollup=rollup.rollup_for(cohort)),
            "is_coordinator": coordinates(request.user, cohort),
        },
    )


@require_role(*STAFF_ROLES)
def funnel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators and instructors of this cohort: experiments per phase, for how long, and
    whom each one waits on (the learner, a reviewer or an instructor); the experiments 100 a
    page."""
    cohort = get_cohort_for_staff(request.user, pk)
    # The counts per phase from the rollup (with its age); the experiments' rows live.
    figures = rollup.rollup_for(cohort)
    funnel = selectors.experiment_funnel(cohort=cohort, groups=figures.funnel)
    return render(
        request,
        "learners/cohort_funnel.html",
        {
            "cohort": cohort,
            "funnel": funnel,
            "refreshed_at": figures.refreshed_at,
            "page": Paginator(funnel.experiments, ROWS_PER_PAGE).get_page(request.GET.get("page")),
            "is_coordinator": coordinates(request.user, cohort),
        },
    )


@require_role(*STAFF_ROLES)
def attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators and instructors of this cohort: workshop attendance per session and learner
    (the learners 100 a page)."""
    cohort = get_cohort_for_staff(request.user, pk)
    overview = selectors.cohort_attendance(cohort=cohort)
    return render(
        request,
        "learners/cohort_attendance.html",
        {
            "cohort": cohort,
            "overview": overview,
            "page": Paginator(overview.learners, ROWS_PER_PAGE).get_page(request.GET.get("page")),
            "is_coordinator": coordinates(request.user, cohort),
        },
    )


@require_role(*STAFF_ROLES)
def timeline(request: AuthenticatedHttpRequest, pk: int, user_pk: int) -> HttpResponse:
    """Coordinators and instructors of this cohort: everything that happened for one learner."""
    cohort = get_cohort_for_staff(request.user, pk)
    learner = get_learner_for_staff(request.user, cohort, user_pk)
    # One row the learner sees on "My data" (privacy/).
    from privacy.services import access_log_record

    access_log_record(
        viewer=request.user,
        learner_id=learner.pk,
        kind="timeline",
        cohort_id=cohort.pk,
        object_id=None,
    )
    return render(
        request,
        "learners/learner_timeline.html",
        {
            "cohort": cohort,
            "learner": learner,
            "events": selectors.learner_timeline(cohort=cohort, learner=learner),
            "is_coordinator": coordinates(request.user, cohort),
        },
    )


@require_role(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def learner_remove(request: AuthenticatedHttpRequest, pk: int, user_pk: int) -> HttpResponse:
    """Coordinators of this cohort (403 or 404 for anyone else, its instructors included):
    GET says what taking a learner out of the cohort does and asks to confirm; POST does it.
    A learner no longer in the cohort (the second click of a double click) leads back to its
    page."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    membership = (
        Membership.objects.select_related("user__organisation")
        .filter(cohort=cohort, user_id=user_pk, role=Membership.Role.LEARNER)
        .first()
    )
    if membership is None:
        if request.method == "POST":
            messages.info(request, _("This person is no longer a learner in the cohort."))
            return redirect("learners:cohort_detail", cohort.pk)
        raise Http404
    learner = membership.user
    if request.method == "POST":
        try:
            removed = services.membership_remove(membership=membership, by=request.user)
        except services.EnrolmentError as exc:  # their role changed meanwhile
            return action_refused(
                request,
                exc.message,
                back_url=reverse("learners:cohort_detail", args=[cohort.pk]),
                status=409,
            )
        if removed:
            messages.success(
                request,
                _("%(name)s was removed from the cohort.") % {"name": learner.display_name},
            )
        else:
            messages.info(request, _("This person is no longer a learner in the cohort."))
        return redirect("learners:cohort_detail", cohort.pk)
    return render(
        request,
        "learners/learner_remove.html",
        {"cohort": cohort, "learner": learner, "is_coordinator": True},
    )


@require_role(Role.COORDINATOR)
def cross_cohort(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators: every cohort they run side by side, with its at-risk count, 20 a page;
    each row is the cohort's rollup (one query for the page when they are up to date)."""
    cohorts = (
        cohorts_for(request.user, Role.COORDINATOR)
        .select_related("course")
        .order_by("-start_date", "name", "pk")
    )
    page = Paginator(cohorts, 20).get_page(request.GET.get("page"))
    figures = rollup.rollups_for(list(page.object_list))
    rows = [(c, figures[c.pk]) for c in page.object_list]
    return render(
        request,
        "learners/cross_cohort.html",
        {
            "rows": rows,
            "page": page,
            "refreshed_at": min((f.refreshed_at for _c, f in rows), default=None),
        },
    )


@require_role(Role.COORDINATOR)
def funder_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators: a period's report of the cohorts they coordinate, on screen, as XLSX or
    as PDF (?fmt=xlsx|pdf). Other cohorts never appear, whatever the period."""
    from . import reports

    today = timezone.localdate()
    data = request.GET if "start" in request.GET or "end" in request.GET else None
    form = forms.FunderReportForm(
        data, initial={"start": today.replace(month=1, day=1), "end": today}
    )
    if data is None:
        return render(request, "learners/funder_report.html", {"form": form, "report": None})
    if not form.is_valid():
        return render(
            request, "learners/funder_report.html", {"form": form, "report": None}, status=400
        )
    report = reports.funder_report(
        cohorts=cohorts_for(request.user, Role.COORDINATOR),
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
    )
    fmt = request.GET.get("fmt", "")
    if fmt == "xlsx":
        response = HttpResponse(
            reports.report_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "pdf":
        pdf = reports.report_pdf(report)
        if pdf is None:
            messages.error(request, _("PDF files cannot be made on this server right now."))
            return render(
                request,
                "learners/funder_report.html",
                {"form": form, "report": report},
                status=503,
            )
        response = HttpResponse(pdf, content_type="application/pdf")
    elif fmt:
        raise Http404
    else:
        return render(request, "learners/funder_report.html", {"form": form, "report": report})
    response["Content-Disposition"] = content_disposition(reports.file_name(report, fmt))
    return response


# --- exports ---------------------------------------------------------------------------------


@require_role(Role.COORDINATOR)
def exports(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators of this cohort: download progress and submissions, or queue a large export."""
    from .exports import FORMATS, KINDS, SYNC_LEARNER_LIMIT

    cohort = get_cohort_for_coordinator(request.user, pk)
    if request.method == "POST":
        try:
            services.export_request(
                cohort=cohort,
                user=request.user,
                what=request.POST.get("what", ""),
                fmt=request.POST.get("fmt", ""),
            )
        except services.EnrolmentError as exc:
            return action_refused(
                request, exc.message, back_url=reverse("learners:exports", args=[cohort.pk])
            )
        messages.success(request, _("The export is being made; it appears below when ready."))
        return redirect("learners:exports", cohort.pk)
    jobs = list(
        cohort.exports.filter(requested_by=request.user, what__in=KINDS).defer("content")[:10]
    )
    context = {
        "cohort": cohort,
        "jobs": jobs,
        "polling": any(j.status in ("pending", "running") for j in jobs),
        "is_coordinator": True,
    }
    if request.htmx:
        # The list polls itself while a file is being made (every 2 s, see the partial).
        return render(request, "learners/includes/_export_jobs.html", context)
    learner_count = cohort.memberships.filter(role=Role.LEARNER).count()
    return render(
        request,
        "learners/exports.html",
        {
            **context,
            "kinds": KINDS,
            "formats": FORMATS,
            "large": learner_count > SYNC_LEARNER_LIMIT,
        },
    )


@require_role(Role.COORDINATOR)
def export_download(
    request: AuthenticatedHttpRequest, pk: int, what: str, fmt: str
) -> HttpResponse:
    """Coordinators of this cohort: a small export at once, or a finished large one by job id."""
    from .exports import FORMATS, KINDS, SYNC_LEARNER_LIMIT, export_bytes
    from .models import ExportJob

    cohort = get_cohort_for_coordinator(request.user, pk)
    if what not in KINDS or fmt not in FORMATS:
        raise Http404
    job_id = request.GET.get("job")
    if job_id:
        job = (
            ExportJob.objects.filter(
                pk=parse_id(job_id) or 0,
                cohort=cohort,
                requested_by=request.user,
                status=ExportJob.Status.DONE,
            )
            .only("content", "file", "content_type", "file_name")
            .first()
        )
        if job is None:
            raise Http404
        if job.file:
            # From the private storage shared by every machine (the disk or an S3 bucket).
            with job.file.open("rb") as stored:
                content = stored.read()
        else:  # made before exports moved to the private storage
            content = bytes(job.content)
        content_type, name = job.content_type, job.file_name
    else:
        if cohort.memberships.filter(role=Role.LEARNER).count() > SYNC_LEARNER_LIMIT:
            messages.info(request, _("This cohort is large: the export is made in the background."))
            services.export_request(cohort=cohort, user=request.user, what=what, fmt=fmt)
            return redirect("learners:exports", cohort.pk)
        content, content_type, name = export_bytes(cohort=cohort, what=what, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(name)
    return response
