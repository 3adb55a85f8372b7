"""Writes for the workshops: submitting, processing and reviewing a learner's work."""

from __future__ import annotations

import logging

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from learners.models import Cohort, Membership
from notifications.models import Notification
from notifications.services import notification_notify

from .checks import check_pdf, max_file_bytes, too_large_message
from .models import Assignment, Review, Submission, SubmissionFile

logger = logging.getLogger(__name__)


class SubmissionError(DomainError):
    pass


def latest_submission(
    *, learner: User, assignment: Assignment, cohort: Cohort
) -> Submission | None:
    return (
        Submission.objects.filter(learner=learner, assignment=assignment, cohort=cohort)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def submission_submit(
    *,
    learner: User,
    assignment: Assignment,
    cohort: Cohort,
    text: str,
    upload: UploadedFile | None = None,
) -> Submission:
    """Save a new version of the learner's answer at once; the file is checked after commit.

    Precondition: the learner is in `cohort` and the cohort runs the assignment's course.
    """
    if (
        not Membership.objects.filter(
            cohort=cohort, user=learner, role=Membership.Role.LEARNER
        ).exists()
        or cohort.course_id != assignment.workshop.course_id
    ):
        raise SubmissionError(_("You are not a learner in a cohort of this course."))
    if not text.strip():
        raise SubmissionError(_("Write your answer before submitting."))
    if upload is not None and upload.size is not None and upload.size > max_file_bytes():
        raise SubmissionError(too_large_message(upload.size))
    # Lock the learner's row so two quick clicks cannot both create the same version.
    User.objects.select_for_update().filter(pk=learner.pk).first()
    previous = latest_submission(learner=learner, assignment=assignment, cohort=cohort)
    if previous is not None and previous.status not in Submission.RESUBMITTABLE:
        if previous.status == Submission.Status.APPROVED:
            raise SubmissionError(_("This assignment has already been approved."))
        raise SubmissionError(
            _(
                "Your previous version is still being processed or reviewed. You can send a new "
                "version if the instructor asks for a revision."
            )
        )
    version = (
        Submission.objects.filter(learner=learner, assignment=assignment, cohort=cohort).aggregate(
            n=Max("version")
        )["n"]
        or 0
    ) + 1
    submission = Submission.objects.create(
        assignment=assignment, cohort=cohort, learner=learner, version=version, text=text.strip()
    )
    if upload is not None:
        SubmissionFile.objects.create(
            submission=submission,
            file=upload,
            original_name=upload.name[:255] if upload.name else "file",
            size=upload.size or 0,
        )
    from .tasks import submission_process as task

    task.delay_on_commit(submission.pk)
    return submission


def submission_process(*, submission_id: int) -> Submission | None:
    """Check each file of a submission and mark it received or rejected.

    Safe to run twice: the checks are pure and every write is conditional on the current state.
    """
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or submission.status != Submission.Status.PROCESSING:
        return submission
    reasons = []
    for attachment in SubmissionFile.objects.filter(submission=submission):
        if attachment.status != SubmissionFile.Status.PENDING:
            if attachment.status == SubmissionFile.Status.REJECTED:
                reasons.append(f"{attachment.original_name}: {attachment.reason}")
            continue
        # Reasons are stored as text, so they are written in the learner's language.
        with (
            translation.override(submission.learner.language),
            attachment.file.open("rb") as stream,
        ):
            verdict = check_pdf(stream, attachment.file.size)
        SubmissionFile.objects.filter(
            pk=attachment.pk, status=SubmissionFile.Status.PENDING
        ).update(
            status=(
                SubmissionFile.Status.ACCEPTED
                if verdict.accepted
                else SubmissionFile.Status.REJECTED
            ),
            reason=verdict.reason,
            content_type=verdict.content_type,
            page_count=verdict.page_count,
            size=attachment.file.size,
        )
        if not verdict.accepted:
            reasons.append(f"{attachment.original_name}: {verdict.reason}")
    new_status = Submission.Status.REJECTED if reasons else Submission.Status.RECEIVED
    with transaction.atomic():
        changed = Submission.objects.filter(
            pk=submission.pk, status=Submission.Status.PROCESSING
        ).update(status=new_status, status_reason="\n".join(reasons), processed_at=timezone.now())
        submission.refresh_from_db()
        if changed and new_status == Submission.Status.REJECTED:
            notification_notify(
                recipient=submission.learner,
                category=Notification.Category.REVIEWS,
                key=f"submission-rejected-{submission.pk}",
                template="submission_rejected",
                context={"submission": submission},
                url=reverse("workshops:submission_detail", args=[submission.pk]),
            )
    return submission


@transaction.atomic
def submission_review(
    *, submission: Submission, reviewer: User, decision: str, feedback: str
) -> Review:
    """Record the instructor's decision and tell the learner.

    Precondition: the reviewer may review the submission (see core.permissions.can_review).
    """
    if decision not in Review.Decision.values:
        raise SubmissionError(_("Choose a decision."))
    if decision == Review.Decision.REVISE and not feedback.strip():
        raise SubmissionError(_("Tell the learner what to change when you ask for a revision."))
    new_status = (
        Submission.Status.APPROVED
        if decision == Review.Decision.APPROVE
        else Submission.Status.REVISION_REQUESTED
    )
    # The conditional update is the lock: of two instructors deciding at once, one wins.
    changed = Submission.objects.filter(pk=submission.pk, status=Submission.Status.RECEIVED).update(
        status=new_status
    )
    if not changed:
        raise SubmissionError(
            _("This submission has already been reviewed or is not ready for review.")
        )
    review = Review.objects.create(
        submission=submission, reviewer=reviewer, decision=decision, feedback=feedback.strip()
    )
    submission.status = new_status
    notification_notify(
        recipient=submission.learner,
        category=Notification.Category.REVIEWS,
        key=f"submission-reviewed-{submission.pk}",
        template="submission_reviewed",
        context={"submission": submission, "review": review},
        url=reverse("workshops:submission_detail", args=[submission.pk]),
    )
    return review
