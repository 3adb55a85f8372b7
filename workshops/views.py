from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.permissions import (
    Role,
    can_review,
    get_assignment_for_learner,
    get_file_for_user,
    get_submission_for_reviewer,
    get_submission_for_user,
    require_role,
)

from . import selectors, services
from .forms import ReviewForm, SubmissionForm
from .models import Submission


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Learners of a cohort running the course: read the assignment and submit a version."""
    assignment, cohort = get_assignment_for_learner(request.user, pk)
    latest = services.latest_submission(learner=request.user, assignment=assignment, cohort=cohort)
    can_submit = latest is None or latest.status in Submission.RESUBMITTABLE
    status = 200
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES)
        if not can_submit:
            messages.error(request, _("You cannot send a new version now."))
            return redirect("workshops:assignment", pk=assignment.pk)
        if form.is_valid():
            try:
                submission = services.submission_submit(
                    learner=request.user,
                    assignment=assignment,
                    cohort=cohort,
                    text=form.cleaned_data["text"],
                    upload=form.cleaned_data.get("attachment"),
                )
            except services.SubmissionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Your answer was saved and sent. The attachment is being checked.")
                )
                return redirect("workshops:submission_detail", pk=submission.pk)
        status = 400
    else:
        form = SubmissionForm(initial={"text": latest.text if latest else ""})
    history = list(
        Submission.objects.filter(learner=request.user, assignment=assignment, cohort=cohort)
        .select_related("review")
        .order_by("-version")
    )
    return render(
        request,
        "workshops/assignment_detail.html",
        {
            "assignment": assignment,
            "cohort": cohort,
            "form": form,
            "can_submit": can_submit,
            "latest": latest,
            "history": history,
        },
        status=status,
    )


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The learner who wrote it, their cohort's instructors and coordinators, and superusers."""
    submission = get_submission_for_user(request.user, pk)
    context = {
        "submission": submission,
        "versions": selectors.versions(submission=submission),
        "may_review": can_review(request.user, submission),
    }
    if request.htmx and request.GET.get("part") == "status":
        return render(request, "workshops/includes/_submission_status.html", context)
    return render(request, "workshops/submission_detail.html", context)


@login_required
def file_download(request: HttpRequest, pk: int) -> FileResponse:
    """Same audience as the submission; files have no other address."""
    attachment = get_file_for_user(request.user, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_role(Role.INSTRUCTOR)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Instructors: submissions waiting in their own cohorts, fifty a page."""
    page = Paginator(selectors.review_queue(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "workshops/review_queue.html",
        {
            "page": page,
            "waiting": page.object_list,
            "reviewed": selectors.recently_reviewed(user=request.user),
        },
    )


@require_role(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Instructors of the submission's cohort: approve or ask for a revision."""
    submission = get_submission_for_reviewer(request.user, pk)
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.submission_review(
                    submission=submission,
                    reviewer=request.user,
                    decision=form.cleaned_data["decision"],
                    feedback=form.cleaned_data["feedback"],
                )
            except services.SubmissionError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(request, _("Your review was saved and the learner was notified."))
                return redirect("workshops:review_queue")
        else:
            status = 400
    else:
        form = ReviewForm()
    return render(
        request,
        "workshops/review_form.html",
        {
            "submission": submission,
            "versions": selectors.versions(submission=submission),
            "form": form,
            "is_open": submission.status == Submission.Status.RECEIVED,
        },
        status=status,
    )
