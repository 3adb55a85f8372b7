"""The marking workflow of a workshop: not reviewed -> in review -> ready for release ->
released, with an optional second-reviewer check and allocation of reviewers by the lead.

The workflow is a per-workshop setting (off by default). While it is on, the reviewer's
decision stays in the shared ReviewDraft; `marking_release` turns it into the Review through
`services.submission_review_release`, so the learner sees nothing and is told nothing before
release.
The lead instructor of a cohort is its first instructor (learners.access.is_cohort_lead).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from learners.access import cohort_instructors, is_cohort_lead
from notifications.models import Notification
from notifications.services import notification_notify
from workshops.access import can_review

from . import services
from .cohort_settings import marking_of, marking_q
from .models import ExperimentEvent, Marking, Review, ReviewDraft, Submission


class MarkingError(DomainError):
    pass


OPEN_STATES = (Marking.State.NOT_REVIEWED, Marking.State.IN_REVIEW, Marking.State.READY)


def uses_workflow(submission: Submission) -> bool:
    return marking_of(submission).marking_workflow


def is_blind(submission: Submission) -> bool:
    return marking_of(submission).blind_review


def _event(submission: Submission, by: User, kind: str, note: str = "") -> None:
    """Record a marking step in the experiment's audit trail (who, what, when)."""
    if submission.experiment is not None:  # no query when there is no experiment
        services._event(
            submission.experiment, by, kind, note=note, phase=submission.assignment.phase
        )


def _notify_allocated(submission: Submission, reviewer: User, by: User) -> None:
    """Tell the instructor a review was given to them: once per submission and reviewer, so
    allocating it to the same person again says nothing new. The lead allocating to
    themselves is not told. The email names no learner (blind review)."""
    if reviewer.pk == by.pk:
        return
    notification_notify(
        recipient=reviewer,
        category=Notification.Category.REVIEWS,
        key=f"review-allocated-{submission.pk}-{reviewer.pk}",
        template="review_allocated",
        context={"submission": submission, "allocated_by": by},
        url=reverse("workshops:review", args=[submission.pk]),
    )


def marking_get(submission: Submission) -> Marking:
    marking, _created = Marking.objects.get_or_create(submission=submission)
    return marking


def _locked(submission: Submission) -> Marking:
    marking_get(submission)
    return Marking.objects.select_for_update().get(submission=submission)


def _require_received(submission: Submission) -> None:
    if submission.status != Submission.Status.RECEIVED:
        raise MarkingError(_("This submission has already been reviewed or is not ready."))


@transaction.atomic
def marking_allocate(*, submission: Submission, reviewer: User, by: User) -> Marking:
    """The lead instructor gives the review of a submission to one of the cohort's instructors
    (before it is ready for release)."""
    if not is_cohort_lead(by, submission.cohort_id):
        raise MarkingError(_("Only the lead instructor of the cohort allocates reviewers."))
    if not cohort_instructors(submission.cohort_id).filter(pk=reviewer.pk).exists():
        raise MarkingError(_("The reviewer must be an instructor of the cohort."))
    _require_received(submission)
    marking = _locked(submission)
    if marking.state not in (Marking.State.NOT_REVIEWED, Marking.State.IN_REVIEW):
        raise MarkingError(_("A review that is ready for release can no longer be reallocated."))
    marking.reviewer = reviewer
    marking.allocated_by = by
    marking.save(update_fields=["reviewer", "allocated_by", "updated_at"])
    _event(submission, by, ExperimentEvent.Kind.ALLOCATED, note=reviewer.display_name)
    _notify_allocated(submission, reviewer, by)
    return marking


@transaction.atomic
def marking_auto_balance(*, cohort_id: int, by: User) -> int:
    """Allocate every unallocated waiting submission of the cohort (in workshops with the
    workflow) to the instructor with the fewest open reviews, the longest-waiting first.
    Returns how many were allocated."""
    if not is_cohort_lead(by, cohort_id):
        raise MarkingError(_("Only the lead instructor of the cohort allocates reviewers."))
    instructors = list(cohort_instructors(cohort_id))
    if not instructors:
        raise MarkingError(_("The cohort has no instructors."))
    load = Counter(
        Marking.objects.filter(
            reviewer__in=instructors,
            state__in=OPEN_STATES,
            submission__cohort_id=cohort_id,
        ).values_list("reviewer_id", flat=True)
    )
    waiting = (
        Submission.objects.filter(
            marking_q("marking_workflow"),
            cohort_id=cohort_id,
            status=Submission.Status.RECEIVED,
        )
        .exclude(marking__reviewer__isnull=False)
        .order_by("submitted_at", "pk")
    )
    order = {user.pk: index for index, user in enumerate(instructors)}
    count = 0
    for submission in waiting:
        reviewer = min(instructors, key=lambda u: (load[u.pk], order[u.pk]))
        marking = _locked(submission)
        if marking.reviewer_id is not None or marking.state == Marking.State.RELEASED:
            continue
        marking.reviewer = reviewer
        marking.allocated_by = by
        marking.save(update_fields=["reviewer", "allocated_by", "updated_at"])
        _event(submission, by, ExperimentEvent.Kind.ALLOCATED, note=reviewer.display_name)
        _notify_allocated(submission, reviewer, by)
        load[reviewer.pk] += 1
        count += 1
    return count


def marking_touch(*, submission: Submission, by: User) -> None:
    """The reviewer started writing: not reviewed -> in review (claims it if unallocated).
    Refuses once the review is ready for release: the text is then frozen."""
    marking = marking_get(submission)
    if marking.state in (Marking.State.READY, Marking.State.RELEASED):
        raise services.SubmissionError(
            _("This review is ready for release; send it back to review to change it.")
        )
    Marking.objects.filter(pk=marking.pk, state=Marking.State.NOT_REVIEWED).update(
        state=Marking.State.IN_REVIEW, updated_at=timezone.now()
    )
    Marking.objects.filter(pk=marking.pk, reviewer__isnull=True).update(reviewer=by)


@transaction.atomic
def marking_mark_ready(
    *,
    submission: Submission,
    by: User,
    decision: str,
    feedback: str,
    strengths: str = "",
    questions: str = "",
    suggestions: str = "",
    levels: dict[int, int] | None = None,
    draft_version: int | None = None,
    draft_writer: str = "",
    rubric_seen: str | None = None,
) -> Marking:
    """Validate the review like a direct decision and freeze it as ready for release
    (`rubric_seen`: the rubric the page showed, as services.submission_review checks it).

    Precondition: `by` may review the submission. Someone else's allocated review is refused.
    """
    _require_received(submission)
    if decision not in Review.Decision.values:
        raise services.SubmissionError(_("Choose a decision."))
    if decision == Review.Decision.REVISE and not feedback.strip():
        raise services.SubmissionError(
            _("Tell the learner what to change when you ask for a revision.")
        )
    marking = _locked(submission)
    if marking.reviewer_id not in (None, by.pk) and not is_cohort_lead(by, submission.cohort_id):
        raise MarkingError(_("This review is allocated to another instructor."))
    if marking.state in (Marking.State.READY, Marking.State.RELEASED):
        raise MarkingError(_("This review is already ready for release."))
    draft = ReviewDraft.objects.select_for_update().filter(submission=submission).first()
    if services.review_draft_moved_on(
        draft, draft_version=draft_version, by=by, writer=draft_writer
    ):
        raise services.ReviewConflict(draft, by=by)
    # Under the rubric's lock until commit: the draft's levels then hold the criteria in use.
    criteria = services.review_rubric_locked(submission)
    services.review_rubric_unchanged(criteria=criteria, rubric_seen=rubric_seen, levels=levels)
    services._rubric_scores(submission, levels or {}, criteria=criteria)
    values = {
        "decision": decision,
        "feedback": feedback.strip(),
        "strengths": strengths.strip(),
        "questions": questions.strip(),
        "suggestions": suggestions.strip(),
        "levels": {str(k): v for k, v in (levels or {}).items()},
    }
    if draft is None:
        ReviewDraft.objects.create(submission=submission, updated_by=by, **values)
    else:
        for name, value in values.items():
            setattr(draft, name, value)
        draft.version += 1
        draft.updated_by = by
        draft.save()
    marking.state = Marking.State.READY
    marking.reviewer = marking.reviewer or by
    marking.marked_by = by
    marking.checked_by = None
    marking.checked_at = None
    marking.save()
    _event(submission, by, ExperimentEvent.Kind.MARKED_READY, note=f"v{submission.version}")
    return marking


@transaction.atomic
def marking_check(*, submission: Submission, by: User) -> Marking:
    """The second reviewer confirms a review that is ready; it must be someone else."""
    marking = _locked(submission)
    if marking.state != Marking.State.READY:
        raise MarkingError(_("Only a review that is ready for release can be checked."))
    if marking.marked_by_id == by.pk:
        raise MarkingError(_("The second check must be done by another instructor."))
    marking.checked_by = by
    marking.checked_at = timezone.now()
    marking.save(update_fields=["checked_by", "checked_at", "updated_at"])
    _event(submission, by, ExperimentEvent.Kind.CHECKED, note=f"v{submission.version}")
    return marking


@transaction.atomic
def marking_send_back(*, submission: Submission, by: User) -> Marking:
    """Ready for release -> in review, so the review can be changed."""
    marking = _locked(submission)
    if marking.state != Marking.State.READY:
        raise MarkingError(_("Only a review that is ready for release can be sent back."))
    marking.state = Marking.State.IN_REVIEW
    marking.checked_by = None
    marking.checked_at = None
    marking.save(update_fields=["state", "checked_by", "checked_at", "updated_at"])
    _event(submission, by, ExperimentEvent.Kind.SENT_BACK, note=f"v{submission.version}")
    return marking


def may_release(user: User, submission: Submission, marking: Marking) -> bool:
    return is_cohort_lead(user, submission.cohort_id) or marking.reviewer_id == user.pk


@transaction.atomic
def marking_release(*, submission: Submission, by: User) -> Review:
    """Release a ready review to the learner: the Review is created, the experiment moves on
    and the learner is notified (once, see notification_notify). Precondition: `by` may
    review the submission."""
    marking = _locked(submission)
    if not may_release(by, submission, marking):
        raise MarkingError(_("Only the lead instructor or the reviewer releases feedback."))
    if marking.state != Marking.State.READY:
        raise MarkingError(_("Only a review that is ready for release can be released."))
    if marking_of(submission).second_check and marking.checked_by_id is None:
        raise MarkingError(_("Another instructor must check this review before release."))
    draft = ReviewDraft.objects.get(submission=submission)
    review = services.submission_review_release(
        submission=submission,
        reviewer=marking.marked_by or by,
        decision=draft.decision,
        feedback=draft.feedback,
        strengths=draft.strengths,
        questions=draft.questions,
        suggestions=draft.suggestions,
        levels={int(k): int(v) for k, v in draft.levels.items()},
    )
    marking.state = Marking.State.RELEASED
    marking.released_by = by
    marking.released_at = timezone.now()
    marking.save(update_fields=["state", "released_by", "released_at", "updated_at"])
    _event(submission, by, ExperimentEvent.Kind.RELEASED, note=f"v{submission.version}")
    return review


def marking_release_many(*, submission_ids: Iterable[int], by: User) -> tuple[int, list[str]]:
    """Release each ready review among `submission_ids` that `by` may release, each in its own
    transaction (one failure does not undo the others). Returns (released, problems)."""
    released = 0
    problems: list[str] = []
    submissions = (
        Submission.objects.filter(pk__in=list(submission_ids), marking__state=Marking.State.READY)
        .select_related("assignment__workshop", "cohort", "learner", "experiment")
        .order_by("pk")
    )
    for submission in submissions:
        if not can_review(by, submission):
            continue
        try:
            marking_release(submission=submission, by=by)
        except (MarkingError, services.SubmissionError) as exc:
            problems.append(f"{submission.assignment.title} v{submission.version}: {exc.message}")
        else:
            released += 1
    return released, problems
