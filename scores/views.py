"""The scores overview of a cohort for its staff, its export, and a learner's own row."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.access import STAFF_ROLES, Role, require_role
from core.http import AuthenticatedHttpRequest, content_disposition
from core.ids import parse_id
from core.responses import action_refused
from learners.exports import FORMATS, SYNC_LEARNER_LIMIT, export_bytes
from learners.models import ExportJob
from learners.selectors import cohort_organisations
from workshops.models import Phase

from . import selectors, services
from .access import get_cohort_for_scores, own_score_cohorts
from .exports import SCORES


def _int_param(value: str, allowed: object = None) -> int | None:
    """A filter's value, or None when it is missing, not an id (core.ids.parse_id) or not one
    of the allowed values (an unknown filter shows the whole list, as the other cohort pages
    do)."""
    number = parse_id(value)
    if number is None or (allowed is not None and number not in allowed):  # type: ignore[operator]
        return None
    return number


@require_role(*STAFF_ROLES)
def overview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors and coordinators of this cohort, and the superuser (404 for other staff,
    403 for a learner): each learner's best knowledge-check results, phase rubric totals,
    module completion and certificate, PER_PAGE learners a page, filtered by municipality and
    by phase (the phase's columns only, and only the learners who have reached it)."""
    cohort = get_cohort_for_scores(request.user, pk)
    organisation_id = _int_param(request.GET.get("org", ""))
    phase = _int_param(request.GET.get("phase", ""), Phase.values)
    page = Paginator(
        selectors.score_learners(cohort=cohort, organisation_id=organisation_id, phase=phase),
        selectors.PER_PAGE,
    ).get_page(request.GET.get("page"))
    columns = selectors.score_columns(cohort=cohort, phase=phase)
    rows = selectors.score_rows(cohort=cohort, columns=columns, learners=[m.user for m in page])
    is_coordinator = (
        request.user.is_superuser
        or cohort.memberships.filter(user=request.user, role=Role.COORDINATOR).exists()
    )
    filtered = bool(organisation_id or phase)
    # Unfiltered, the pages already counted the cohort's learners (score_learners).
    learner_count = (
        cohort.memberships.filter(role=Role.LEARNER).count() if filtered else page.paginator.count
    )
    jobs = list(
        ExportJob.objects.filter(cohort=cohort, requested_by=request.user, what=SCORES).defer(
            "content"
        )[:5]
    )
    return render(
        request,
        "scores/overview.html",
        {
            "cohort": cohort,
            "columns": columns,
            "rows": rows,
            "page": page,
            "is_coordinator": is_coordinator,
            "organisations": cohort_organisations(cohort=cohort),
            "organisation_id": organisation_id,
            "phases": Phase.choices,
            "phase": phase,
            "filtered": filtered,
            "formats": FORMATS,
            "large": learner_count > SYNC_LEARNER_LIMIT,
            "jobs": jobs,
        },
    )


@require_role(*STAFF_ROLES)
def export(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Instructors and coordinators of this cohort, and the superuser: the whole cohort's
    scores as CSV or XLSX, at once for a small cohort, else queued (POST, or a GET on a large
    cohort) and offered on the overview when ready."""
    cohort = get_cohort_for_scores(request.user, pk)
    if fmt not in FORMATS:
        raise Http404
    back = reverse("scores:overview", args=[cohort.pk])
    large = cohort.memberships.filter(role=Role.LEARNER).count() > SYNC_LEARNER_LIMIT
    if request.method == "POST" or large:
        try:
            services.scores_export_request(cohort=cohort, user=request.user, fmt=fmt)
        except services.ScoresError as exc:  # pragma: no cover - fmt is checked above
            return action_refused(request, exc.message, back_url=back)
        messages.info(request, _("The export is being made; it appears below when ready."))
        return redirect(back + "#exports")
    content, content_type, name = export_bytes(cohort=cohort, what=SCORES, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(name)
    return response


@require_role(*STAFF_ROLES)
def export_job(request: AuthenticatedHttpRequest, pk: int, job_id: int) -> HttpResponse:
    """The person who asked for it, while they may see the cohort's scores: a finished scores
    export (404 for anyone else's job, another cohort's, or one not ready)."""
    cohort = get_cohort_for_scores(request.user, pk)
    job = (
        ExportJob.objects.filter(
            pk=job_id,
            cohort=cohort,
            requested_by=request.user,
            what=SCORES,
            status=ExportJob.Status.DONE,
        )
        .only("content", "file", "content_type", "file_name")
        .first()
    )
    if job is None:
        raise Http404
    if job.file:
        with job.file.open("rb") as stored:
            content = stored.read()
    else:
        content = bytes(job.content)
    response = HttpResponse(content, content_type=job.content_type)
    response["Content-Disposition"] = content_disposition(job.file_name)
    return response


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A learner ("Omat tulokset"): their own row, with the overview's columns, in each cohort
    where they learn; nobody else's. 404 for a person who learns in no cohort."""
    cohorts = list(own_score_cohorts(request.user))
    if not cohorts:
        raise Http404
    columns = selectors.score_columns_of(cohorts=cohorts)
    rows = selectors.own_score_rows(learner=request.user, cohorts=cohorts, columns=columns)
    sections = [
        {"cohort": cohort, "columns": columns[cohort.pk], "row": rows[cohort.pk]}
        for cohort in cohorts
    ]
    return render(request, "scores/mine.html", {"sections": sections})
