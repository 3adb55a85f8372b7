"""Views of the marking workflow: allocation, second check, release (one or in bulk) and the
workshop's marking settings."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import Role, require_role
from core.http import AuthenticatedHttpRequest
from core.ids import parse_id
from core.models import User
from core.responses import action_refused
from learners.access import cohort_instructors, cohorts_led_by, is_cohort_lead
from workshops.access import get_submission_for_reviewer

from . import marking
from .cohort_settings import (
    MARKING_FIELDS,
    cohort_marking_set,
    marking_for,
    marking_of,
    marking_row,
    settings_scope,
)
from .forms import CohortMarkingForm, MarkingSettingsForm
from .models import CohortPeerSettings, Marking, Submission, Workshop


def review_marking_context(user: User, submission: Submission, workflow: bool) -> dict:
    """What the review page shows of the workflow: state, allocation and the allowed actions."""
    if not workflow:
        return {"workflow": False, "blind": marking.is_blind(submission)}
    row = marking.marking_get(submission)
    lead = is_cohort_lead(user, submission.cohort_id)
    return {
        "workflow": True,
        "blind": marking.is_blind(submission),
        "marking": row,
        "is_lead": lead,
        "frozen": row.state in (Marking.State.READY, Marking.State.RELEASED),
        "second_check": marking_of(submission).second_check,
        "may_check": row.state == Marking.State.READY
        and row.marked_by_id != user.pk
        and row.checked_by_id is None,
        "may_release": row.state == Marking.State.READY
        and marking.may_release(user, submission, row),
        "instructors": list(cohort_instructors(submission.cohort_id)) if lead else [],
    }


def _back_url(request: HttpRequest, default: str, *args: object) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return resolve_url(default, *args)


def _back(request: HttpRequest, default: str, *args: object) -> HttpResponse:
    return redirect(_back_url(request, default, *args))


def _run(
    request: HttpRequest, action, success: str, *, back_url: str, **kwargs
) -> HttpResponse | None:
    """Do one marking action: None when done (with the success message), else the 409 answer
    that says why the state of the review did not allow it."""
    try:
        action(**kwargs)
    except marking.MarkingError as exc:
        return action_refused(request, exc.message, back_url=back_url, status=409)
    messages.success(request, success)
    return None


@require_role(Role.INSTRUCTOR)
@require_POST
def allocate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The lead instructor of the submission's cohort: give its review to an instructor."""
    submission = get_submission_for_reviewer(request.user, pk)
    reviewer_id = parse_id(request.POST.get("reviewer", ""))
    reviewer = (
        cohort_instructors(submission.cohort_id).filter(pk=reviewer_id).first()
        if reviewer_id is not None
        else None
    )
    back_url = _back_url(request, "workshops:review_queue")
    if reviewer is None:
        return action_refused(request, _("Choose an instructor of the cohort."), back_url=back_url)
    refused = _run(
        request,
        marking.marking_allocate,
        _("The reviewer was allocated."),
        back_url=back_url,
        submission=submission,
        reviewer=reviewer,
        by=request.user,
    )
    return refused or redirect(back_url)


@require_role(Role.INSTRUCTOR)
@require_POST
def auto_balance(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Lead instructors: spread the unallocated waiting reviews of the cohorts they lead
    evenly among each cohort's instructors."""
    total = 0
    for cohort_id in cohorts_led_by(request.user):
        total += marking.marking_auto_balance(cohort_id=cohort_id, by=request.user)
    messages.success(request, _("%(n)s reviews were allocated.") % {"n": total})
    return redirect("workshops:review_queue")


@require_role(Role.INSTRUCTOR)
@require_POST
def check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the cohort other than the one who marked it ready: the second check."""
    submission = get_submission_for_reviewer(request.user, pk)
    refused = _run(
        request,
        marking.marking_check,
        _("You checked the review; it can now be released."),
        back_url=resolve_url("workshops:review", submission.pk),
        submission=submission,
        by=request.user,
    )
    return refused or redirect("workshops:review", submission.pk)


@require_role(Role.INSTRUCTOR)
@require_POST
def send_back(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the cohort: a review that is ready goes back to review for changes."""
    submission = get_submission_for_reviewer(request.user, pk)
    refused = _run(
        request,
        marking.marking_send_back,
        _("The review is back in review and can be changed."),
        back_url=resolve_url("workshops:review", submission.pk),
        submission=submission,
        by=request.user,
    )
    return refused or redirect("workshops:review", submission.pk)


@require_role(Role.INSTRUCTOR)
@require_POST
def release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The lead instructor or the reviewer: release one ready review to the learner."""
    submission = get_submission_for_reviewer(request.user, pk)
    try:
        marking.marking_release(submission=submission, by=request.user)
    except (marking.MarkingError, marking.services.SubmissionError) as exc:
        return action_refused(
            request,
            exc.message,
            back_url=resolve_url("workshops:review", submission.pk),
            status=409,
        )
    messages.success(request, _("The feedback was released and the learner was notified."))
    return _back(request, "workshops:review_queue")


@require_role(Role.INSTRUCTOR)
@require_POST
def release_many(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Lead instructors and reviewers: release the chosen ready reviews of their cohorts."""
    ids = [pk for v in request.POST.getlist("submission") if (pk := parse_id(v)) is not None]
    back_url = _back_url(request, "workshops:review_queue")
    if not ids:
        return action_refused(request, _("Choose the reviews to release."), back_url=back_url)
    released, problems = marking.marking_release_many(submission_ids=ids, by=request.user)
    if problems and not released:
        # Nothing could be released: the state of every chosen review refused it.
        return action_refused(request, " ".join(problems), back_url=back_url, status=409)
    # Some were released: each review is released on its own, so say which were not.
    messages.success(request, _("%(n)s reviews were released.") % {"n": released})
    for problem in problems:
        messages.error(request, problem)
    return _back(request, "workshops:review_queue")


@login_required
@require_http_methods(["GET", "POST"])
def settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A cohort's lead instructor: the marking settings of their own cohort (?cohort=<id> for
    another cohort they lead). The course's authors and the superuser: also the course-wide
    defaults (without ?cohort). 404 for anyone else, or for a cohort the person does not lead;
    a bad form is a 400 and saves nothing."""
    workshop: Workshop = get_object_or_404(Workshop.objects.select_related("course"), pk=pk)
    scope = settings_scope(
        user=request.user,
        course=workshop.course,
        requested=request.GET.get("cohort") or request.POST.get("cohort"),
    )
    data = request.POST if request.method == "POST" else None
    form: forms.ModelForm
    if scope.cohort is None:
        form = MarkingSettingsForm(data, instance=workshop)
    else:
        own = marking_row(workshop=workshop, cohort_id=scope.cohort.pk)
        current = marking_for(workshop=workshop, cohort_id=scope.cohort.pk)
        form = CohortMarkingForm(
            data,
            instance=own,
            initial=None if own else {f: getattr(current, f) for f in MARKING_FIELDS},
        )
    if request.method == "POST" and form.is_valid():
        if scope.cohort is None:
            form.save()
            messages.success(request, _("The course-wide marking defaults were saved."))
        else:
            cohort_marking_set(
                cohort=scope.cohort, workshop=workshop, by=request.user, values=form.cleaned_data
            )
            messages.success(
                request,
                _("The marking settings of %(cohort)s were saved.") % {"cohort": scope.cohort},
            )
        return redirect(_settings_url(workshop.pk, scope.cohort))
    assignments = list(workshop.assignments.all())
    own_peer = (
        dict(
            CohortPeerSettings.objects.filter(
                cohort=scope.cohort, assignment__workshop=workshop
            ).values_list("assignment_id", "peer_review")
        )
        if scope.cohort is not None
        else {}
    )
    for assignment in assignments:
        # For the template: the phase's peer setting in this cohort (not a model field).
        assignment.peer_on = own_peer.get(assignment.pk, assignment.peer_review)
    return render(
        request,
        "workshops/marking_settings.html",
        {
            "workshop": workshop,
            "form": form,
            "scope": scope,
            "assignments": assignments,
            "own": scope.cohort is not None
            and marking_for(workshop=workshop, cohort_id=scope.cohort.pk).own,
        },
        status=400 if form.errors else 200,
    )


def _settings_url(workshop_id: int, cohort: Any) -> str:
    url = reverse("workshops:marking_settings", args=[workshop_id])
    return f"{url}?cohort={cohort.pk}" if cohort is not None else url
