"""Pages of a person's data rights: "My data", the erasure requests, the privacy notice."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from core.access import Role, require_role
from core.http import AuthenticatedHttpRequest
from core.models import User
from core.responses import action_refused

from . import selectors, services
from .models import DataExport, ErasureRequest

ACCESS_LOG_PER_PAGE = 25


@login_required
@require_GET
def my_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Any signed-in person, about themselves only: their archives (polled by htmx while one is
    being made), their erasure request and who has opened their work."""
    exports = selectors.exports_of(request.user)
    polling = any(e.in_progress for e in exports)
    context = {"exports": exports, "polling": polling}
    if request.htmx and request.GET.get("part") == "exports":
        return render(request, "privacy/includes/_exports.html", context)
    page = Paginator(selectors.access_log_of(request.user), ACCESS_LOG_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context.update(
        {
            "access_page": page,
            "erasure": selectors.open_erasure_of(request.user),
            "keep_days": settings.PRIVACY_EXPORT_KEEP_DAYS,
            "grace_days": settings.PRIVACY_ERASURE_GRACE_DAYS,
        }
    )
    return render(request, "privacy/my_data.html", context)


@login_required
@require_POST
def export_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Any signed-in person: queue an archive of their own data."""
    services.data_export_request(user=request.user)
    messages.success(request, _("Your archive is being made; it appears below when ready."))
    return redirect("privacy:my_data")


def _archive_name() -> str:
    """The archive's file name in the reader's language (plain letters: slugify drops the marks)."""
    return slugify(pgettext("file name of the personal data archive", "alueagentti-my-data")) or (
        "alueagentti-my-data"
    )


@login_required
@require_GET
def export_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Only the person whose archive it is, while it is ready (404 for anyone else)."""
    export = get_object_or_404(DataExport, pk=pk, user=request.user, status=DataExport.Status.DONE)
    if not export.file.name:  # what FieldFile's truth value tests
        raise Http404
    try:
        handle = export.file.storage.open(export.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{_archive_name()}-{export.created_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )


@login_required
@require_POST
def erasure_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Any signed-in person, for themselves: ask to be erased (a confirmation box is required)."""
    if request.POST.get("confirm") != "yes":
        return action_refused(
            request,
            _("Tick the box to confirm that you want your data erased."),
            back_url=reverse("privacy:my_data"),
            status=400,
        )
    try:
        services.erasure_request(user=request.user, requested_by=request.user)
    except services.PrivacyError as exc:
        return action_refused(request, str(exc.message), back_url=reverse("privacy:my_data"))
    messages.success(request, _("Your erasure request has been received."))
    return redirect("privacy:my_data")


@login_required
@require_POST
def erasure_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The person who is to be erased, or the superuser: withdraw a request not yet done."""
    qs = ErasureRequest.objects.all()
    if not request.user.is_superuser:
        qs = qs.filter(user=request.user)
    erasure = get_object_or_404(qs, pk=pk)
    back = reverse("privacy:erasures" if request.user.is_superuser else "privacy:my_data")
    try:
        services.erasure_cancel(request=erasure, by=request.user)
    except services.PrivacyError as exc:
        return action_refused(request, str(exc.message), back_url=back, status=409)
    messages.success(request, _("The erasure request was cancelled."))
    return redirect(back)


@require_role(Role.COORDINATOR)
@require_GET
def erasure_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators: the erasure requests of the members of the cohorts they coordinate; the
    superuser: every request, with the actions to carry one out or to ask on someone's
    behalf."""
    page = Paginator(selectors.erasures_visible_to(request.user), 50).get_page(
        request.GET.get("page")
    )
    cohorts_of = selectors.cohorts_by_person(request.user, page)
    for erasure in page:
        # For the template (not a model field).
        erasure.cohort_names = cohorts_of.get(erasure.user_id, [])
    return render(request, "privacy/erasure_list.html", {"page": page})


def _superuser(request: AuthenticatedHttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied


@login_required
@require_POST
def erasure_request_for(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The superuser only: ask for a person's erasure on their behalf, by email address."""
    _superuser(request)
    email = request.POST.get("email", "").strip().lower()
    person = User.objects.filter(email__iexact=email).first() if email else None
    back = reverse("privacy:erasures")
    if person is None:
        return action_refused(
            request,
            _("No one has the email address %(email)s.") % {"email": email or "–"},
            back_url=back,
            status=400,
        )
    try:
        services.erasure_request(user=person, requested_by=request.user)
    except services.PrivacyError as exc:
        return action_refused(request, str(exc.message), back_url=back, status=400)
    messages.success(request, _("The erasure request was recorded."))
    return redirect(back)


@login_required
@require_POST
def erasure_carry_out(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The superuser only: erase the person now, without waiting for the grace period."""
    _superuser(request)
    erasure = get_object_or_404(ErasureRequest, pk=pk)
    try:
        services.erasure_carry_out(request=erasure, by=request.user)
    except services.PrivacyError as exc:
        return action_refused(
            request, str(exc.message), back_url=reverse("privacy:erasures"), status=409
        )
    messages.success(request, _("The person's data was erased."))
    return redirect("privacy:erasures")


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Anyone, signed in or not: the privacy notice, with the periods from the settings."""
    return render(
        request,
        "privacy/privacy_notice.html",
        {
            "controller": settings.PRIVACY_CONTROLLER,
            "contact": settings.PRIVACY_CONTACT_EMAIL,
            "keep_days": settings.PRIVACY_EXPORT_KEEP_DAYS,
            "grace_days": settings.PRIVACY_ERASURE_GRACE_DAYS,
            "files_days": settings.RETENTION_SUBMISSION_FILES_DAYS,
            "drafts_days": settings.RETENTION_DRAFTS_DAYS,
            "notifications_days": settings.RETENTION_NOTIFICATIONS_DAYS,
            "logs_days": settings.RETENTION_LOGS_DAYS,
        },
    )
