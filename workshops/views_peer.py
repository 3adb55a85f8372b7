"""Peer feedback pages: the learner's peer reviews to give, the short form, neutral file
downloads, marking feedback useful, and the instructor's per-phase peer settings."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.http import AuthenticatedHttpRequest
from workshops.access import get_peer_review_for_receiver, get_peer_review_for_reviewer

from . import blind, peer
from .cohort_settings import (
    PEER_FIELDS,
    cohort_peer_set,
    peer_for,
    peer_of,
    peer_row,
    settings_scope,
)
from .forms import CohortPeerForm, PeerReviewForm, PeerSettingsForm
from .models import Assignment, PeerReview, SubmissionFile


def _peer_files(review: PeerReview) -> list[tuple[int, SubmissionFile, str]]:
    """The accepted files of the answer with neutral names (no author name can leak), each
    numbered by its place in the version, as a blind reviewer sees it ("Attachment 2.pdf")."""
    files = review.submission.files.order_by("pk")
    return [
        (position, f, blind.neutral_name(f, position=position))
        for position, f in enumerate(files, start=1)
        if f.status == SubmissionFile.Status.ACCEPTED
    ]


def _authors(review: PeerReview) -> list[str]:
    """Who wrote the answer, when the phase's peer feedback is not anonymous (else nobody)."""
    submission = review.submission
    if peer_of(submission).peer_anonymous:
        return []
    if submission.experiment is None:  # no query when there is no experiment
        return [submission.learner.display_name]
    return [m.user.display_name for m in submission.experiment.members.select_related("user")]


@login_required
def peer_review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Any signed-in learner: the peer reviews allocated to them, to do and given."""
    reviews = list(
        PeerReview.objects.filter(reviewer=request.user)
        .exclude(status=PeerReview.Status.WITHDRAWN)
        .select_related("submission__assignment__workshop")
        .order_by("status", "assigned_at", "pk")
    )
    return render(request, "workshops/peer_review_list.html", {"reviews": reviews})


@login_required
@require_http_methods(["GET", "POST"])
def peer_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Only the learner the peer review is allocated to: the fellow learner's answer (no
    name) and the short feedback form."""
    review = get_peer_review_for_reviewer(request.user, pk)
    form = PeerReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                peer.peer_review_give(review=review, by=request.user, **form.cleaned_data)
            except peer.PeerError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(
                    request,
                    _("Thank you! Your feedback was sent anonymously.")
                    if peer_of(review.submission).peer_anonymous
                    else _("Thank you! Your feedback was sent."),
                )
                return redirect("workshops:peer_review_list")
        else:
            status = 400
    return render(
        request,
        "workshops/peer_review.html",
        {
            "review": review,
            "form": form,
            "files": _peer_files(review),
            "authors": _authors(review),
        },
        status=status,
    )


@login_required
def peer_file(request: AuthenticatedHttpRequest, pk: int, index: int) -> FileResponse:
    """Only the allocated peer: one accepted file of the answer (`index`: its place in the
    version), under a neutral name."""
    review = get_peer_review_for_reviewer(request.user, pk)
    for number, attachment, name in _peer_files(review):
        if number == index:
            return FileResponse(
                # Without the author's name in the file when the feedback is anonymous.
                blind.peer_file_for(review.submission, attachment).open("rb"),
                as_attachment=True,
                filename=name,
                content_type=attachment.content_type or "application/octet-stream",
            )
    raise Http404


@login_required
@require_POST
def peer_useful(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Only the learner (or team) who received the feedback: mark it useful or not."""
    review = get_peer_review_for_receiver(request.user, pk)
    peer.peer_review_mark_useful(review=review, useful=request.POST.get("useful") == "1")
    return redirect("workshops:submission_detail", review.submission_id)


@login_required
@require_http_methods(["GET", "POST"])
def peer_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A cohort's lead instructor: peer feedback for a phase in their own cohort (?cohort=<id>
    for another cohort they lead), allocating peers there. The course's authors and the
    superuser: also the course-wide defaults (without ?cohort). 404 for anyone else or a
    cohort the person does not lead; a bad form is a 400 and saves nothing."""
    assignment: Assignment = get_object_or_404(
        Assignment.objects.select_related("workshop__course"), pk=pk
    )
    scope = settings_scope(
        user=request.user,
        course=assignment.workshop.course,
        requested=request.GET.get("cohort") or request.POST.get("cohort"),
    )
    data = request.POST if request.method == "POST" else None
    form: forms.ModelForm
    if scope.cohort is None:
        form = PeerSettingsForm(data, instance=assignment)
    else:
        own = peer_row(assignment=assignment, cohort_id=scope.cohort.pk)
        current = peer_for(assignment=assignment, cohort_id=scope.cohort.pk)
        form = CohortPeerForm(
            data,
            instance=own,
            initial=None if own else {f: getattr(current, f) for f in PEER_FIELDS},
        )
    if request.method == "POST" and form.is_valid():
        if scope.cohort is None:
            form.save()
            messages.success(request, _("The course-wide peer feedback defaults were saved."))
        else:
            cohort_peer_set(
                cohort=scope.cohort,
                assignment=assignment,
                by=request.user,
                values=form.cleaned_data,
            )
            if form.cleaned_data["peer_review"]:
                peer.peer_allocate_later(assignment_id=assignment.pk, cohort_id=scope.cohort.pk)
            messages.success(request, _("The peer feedback settings were saved."))
        url = reverse("workshops:peer_settings", args=[assignment.pk])
        return redirect(f"{url}?cohort={scope.cohort.pk}" if scope.cohort else url)
    counts = {
        row["status"]: row["n"]
        for row in PeerReview.objects.filter(
            submission__assignment=assignment,
            submission__cohort__in=[scope.cohort] if scope.cohort else scope.cohorts,
        )
        .values("status")
        .annotate(n=Count("pk"))
    }
    return render(
        request,
        "workshops/peer_settings.html",
        {
            "assignment": assignment,
            "form": form,
            "counts": counts,
            "scope": scope,
            "own": scope.cohort is not None
            and peer_for(assignment=assignment, cohort_id=scope.cohort.pk).own,
        },
        status=400 if form.errors else 200,
    )
