"""Reads for the workshops, with query counts that do not grow with the data."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from core.models import User
from core.permissions import submissions_reviewable_by
from learners.models import Cohort

from .models import Assignment, Submission, SubmissionFile


def review_queue(*, user: User) -> QuerySet[Submission]:
    """Submissions waiting for this instructor's decision, the longest-waiting first."""
    return (
        submissions_reviewable_by(user)
        .filter(status=Submission.Status.RECEIVED)
        .select_related("assignment__workshop", "cohort", "learner__organisation")
        .prefetch_related(Prefetch("files", queryset=SubmissionFile.objects.order_by("pk")))
        .order_by("submitted_at", "pk")
    )


def recently_reviewed(*, user: User, limit: int = 10) -> QuerySet[Submission]:
    return (
        submissions_reviewable_by(user)
        .filter(status__in=[Submission.Status.APPROVED, Submission.Status.REVISION_REQUESTED])
        .select_related("assignment", "cohort", "learner", "review__reviewer")
        .order_by("-review__created_at")[:limit]
    )


def assignments_with_latest(
    *, learner: User, cohort: Cohort
) -> list[tuple[Assignment, Submission | None]]:
    """Every assignment of the cohort's course with the learner's latest version of it."""
    assignments = list(
        Assignment.objects.filter(workshop__course_id=cohort.course_id)
        .select_related("workshop")
        .order_by("workshop__title", "phase", "pk")
    )
    latest = latest_by_assignment(
        Submission.objects.filter(learner=learner, cohort=cohort).order_by("version")
    )
    return [(a, latest.get((learner.pk, a.pk))) for a in assignments]


def latest_by_assignment(submissions: Iterable[Submission]) -> dict[tuple[int, int], Submission]:
    """{(learner id, assignment id): latest version}; pass submissions ordered by version."""
    latest: dict[tuple[int, int], Submission] = {}
    for submission in submissions:
        latest[(submission.learner_id, submission.assignment_id)] = submission
    return latest


def versions(*, submission: Submission) -> QuerySet[Submission]:
    """All versions of the same answer, newest first, with their files and reviews."""
    return (
        Submission.objects.filter(
            learner_id=submission.learner_id,
            assignment_id=submission.assignment_id,
            cohort_id=submission.cohort_id,
        )
        .select_related("review__reviewer")
        .prefetch_related("files")
        .order_by("-version")
    )
