"""Peer feedback on a phase: allocation (a Celery task), the starvation guard and reminders
(beat), giving feedback and marking it useful. Names never travel: notifications and pages
speak of "a fellow learner", and files are served to peers under neutral names.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from learners.models import Membership
from notifications.models import Notification
from notifications.services import notification_notify

from .cohort_settings import peer_for, peer_q
from .models import Assignment, PeerReview, Submission

PEERABLE = (
    Submission.Status.RECEIVED,
    Submission.Status.APPROVED,
    Submission.Status.REVISION_REQUESTED,
)


class PeerError(DomainError):
    pass


Owner = tuple[str, int]


def _owner(experiment_id: int | None, learner_id: int) -> Owner:
    """Whose answer a version is: the team's experiment, else the learner (older answers)."""
    return ("e", experiment_id) if experiment_id else ("l", learner_id)


@dataclass
class _Author:
    user: User
    submission: Submission
    themes: set[int] = field(default_factory=set)
    team: set[int] = field(default_factory=set)
    owner: Owner = ("l", 0)


def _authors(assignment_id: int, cohort_id: int) -> list[_Author]:
    """The latest answer of each learner (one per team) to the phase in the cohort."""
    subs = (
        Submission.objects.filter(
            assignment_id=assignment_id, cohort_id=cohort_id, status__in=PEERABLE
        )
        .select_related("learner")
        .prefetch_related("experiment__themes", "experiment__members")
        .order_by("-version", "-pk")
    )
    seen: set[tuple[str, int]] = set()
    authors = []
    for sub in subs:
        owner = _owner(sub.experiment_id, sub.learner_id)
        if owner in seen:
            continue
        seen.add(owner)
        experiment = sub.experiment
        authors.append(
            _Author(
                user=sub.learner,
                submission=sub,
                themes={t.pk for t in experiment.themes.all()} if experiment else set(),
                team={m.user_id for m in experiment.members.all()}
                if experiment
                else {sub.learner_id},
                owner=owner,
            )
        )
    return sorted(authors, key=lambda a: (a.submission.submitted_at, a.submission.pk))


def _carry_over(authors: list[_Author], assignment_id: int, cohort_id: int) -> None:
    """A peer review still to do on a version that has since been replaced moves to the
    newest version, so the reviewer comments on the work as it is now (the allocation and its
    notification stay). Given feedback stays with the version it was given on."""
    latest = {a.owner: a.submission for a in authors}
    pending = PeerReview.objects.filter(
        submission__assignment_id=assignment_id,
        submission__cohort_id=cohort_id,
        status=PeerReview.Status.ASSIGNED,
    ).values_list(
        "pk", "submission_id", "reviewer_id", "submission__experiment_id", "submission__learner_id"
    )
    taken = set(
        PeerReview.objects.filter(submission__in=[s.pk for s in latest.values()]).values_list(
            "submission_id", "reviewer_id"
        )
    )
    for pk, submission_id, reviewer_id, experiment_id, learner_id in pending:
        newest = latest.get(_owner(experiment_id, learner_id))
        if newest is None or newest.pk == submission_id:
            continue
        if (newest.pk, reviewer_id) in taken:
            PeerReview.objects.filter(pk=pk, status=PeerReview.Status.ASSIGNED).update(
                status=PeerReview.Status.WITHDRAWN
            )
            continue
        PeerReview.objects.filter(pk=pk, status=PeerReview.Status.ASSIGNED).update(
            submission_id=newest.pk
        )
        taken.add((newest.pk, reviewer_id))


def _preference(reviewer: _Author, author: _Author) -> tuple[int, int]:
    """Lower is better: a shared theme first, then someone from another municipality."""
    shared = bool(reviewer.themes & author.themes)
    same_place = (
        reviewer.user.organisation_id is not None
        and reviewer.user.organisation_id == author.user.organisation_id
    )
    return (0 if shared else 1, 1 if same_place else 0)


@transaction.atomic
def peer_allocate(
    *, assignment_id: int, cohort_id: int, extra_quota: int = 0, only: Iterable[int] = ()
) -> list[PeerReview]:
    """Give every answer its N peer reviewers from the learners who answered the phase, none
    giving more than M (+ extra_quota, used by the starvation guard), preferring a shared
    theme and another municipality, the least loaded next. Only fills gaps, so running it
    again is harmless. `only`: restrict to these submission ids.

    Only the newest version of each answer takes part, and only a version still waiting for
    the instructor's decision gets reviewers (no requests about decided, old work). A new
    version (a revision) gets its reviewers at once: first the peers who already review that
    answer, which costs them no quota (M counts the different answers a learner reviews, not
    the versions), then others by the usual rules. Reviews still to do on the replaced version
    move to the new one."""
    assignment = Assignment.objects.select_for_update().filter(pk=assignment_id).first()
    if assignment is None:
        return []
    # The cohort's own choice for this phase, else the course-wide default.
    rules = peer_for(assignment=assignment, cohort_id=cohort_id)
    if not rules.peer_review:
        return []
    authors = _authors(assignment_id, cohort_id)
    _carry_over(authors, assignment_id, cohort_id)
    # Only the cohort's current learners review: one who left it (her team's answer is still
    # reviewed) is given no review to do.
    present = set(
        Membership.objects.filter(
            cohort_id=cohort_id,
            role=Membership.Role.LEARNER,
            user_id__in=[a.user.pk for a in authors],
        ).values_list("user_id", flat=True)
    )
    existing = list(
        PeerReview.objects.filter(
            submission__assignment_id=assignment_id, submission__cohort_id=cohort_id
        ).values_list(
            "submission_id",
            "reviewer_id",
            "status",
            "submission__experiment_id",
            "submission__learner_id",
        )
    )
    taken = {(s, r) for s, r, _st, _e, _l in existing}
    active = [
        (s, r, _owner(e, learner_id))
        for s, r, st, e, learner_id in existing
        if st != PeerReview.Status.WITHDRAWN
    ]
    reviews_of: defaultdict[int, set[Owner]] = defaultdict(set)
    for _s, r, owner in active:
        reviews_of[r].add(owner)
    load = Counter({r: len(owners) for r, owners in reviews_of.items()})
    per_submission = Counter(s for s, _r, _o in active)
    quota = rules.peer_reviews_each + extra_quota
    only_ids = set(only)
    created: list[PeerReview] = []
    # The answers with the fewest reviewers first, then the longest-waiting.
    for author in sorted(authors, key=lambda a: per_submission[a.submission.pk]):
        sub = author.submission
        if only_ids and sub.pk not in only_ids:
            continue
        if sub.status != Submission.Status.RECEIVED:
            # Only the current version that waits for review gets new reviewers: an answer
            # already decided (approved a month ago, or sent back) is old work, and a request
            # about it would only confuse the peer. Its authors still review others.
            continue
        while per_submission[sub.pk] < rules.peer_reviewers:
            candidates = [
                peer
                for peer in authors
                if peer.user.pk not in author.team
                and peer.user.pk in present
                and (sub.pk, peer.user.pk) not in taken
                and (load[peer.user.pk] < quota or author.owner in reviews_of[peer.user.pk])
            ]
            if not candidates:
                reviewer = _swap(author, authors, created, taken, load, quota, present)
                if reviewer is None:
                    break
                review = PeerReview.objects.create(submission=sub, reviewer=reviewer)
                taken.add((sub.pk, reviewer.pk))
                per_submission[sub.pk] += 1
                created.append(review)
                continue
            best = min(
                candidates,
                key=lambda p: (
                    author.owner not in reviews_of[p.user.pk],
                    _preference(p, author),
                    load[p.user.pk],
                    p.user.pk,
                ),
            )
            review = PeerReview.objects.create(submission=sub, reviewer=best.user)
            taken.add((sub.pk, best.user.pk))
            if author.owner not in reviews_of[best.user.pk]:
                reviews_of[best.user.pk].add(author.owner)
                load[best.user.pk] += 1
            per_submission[sub.pk] += 1
            created.append(review)
    for review in created:
        notification_notify(
            recipient=review.reviewer,
            category=Notification.Category.PEER_REVIEW,
            key=f"peer-review-assigned-{review.pk}",
            template="peer_review_assigned",
            context={"assignment": assignment},
            url=reverse("workshops:peer_review", args=[review.pk]),
        )
    return created


def _swap(
    author: _Author,
    authors: list[_Author],
    created: list[PeerReview],
    taken: set[tuple[int, int]],
    load: Counter,
    quota: int,
    present: set[int],
) -> User | None:
    """Greedy allocation can leave the last answer with nobody free but its own author. Free
    a reviewer for it by handing one of this run's allocations to someone with room left;
    returns the freed reviewer (their load unchanged) or None."""
    by_submission = {a.submission.pk: a for a in authors}
    spare = [p for p in authors if load[p.user.pk] < quota and p.user.pk in present]
    for review in reversed(created):
        other = by_submission[review.submission_id]
        freed = review.reviewer_id
        if freed in author.team or (author.submission.pk, freed) in taken:
            continue
        for candidate in spare:
            pk = candidate.user.pk
            if pk in other.team or (other.submission.pk, pk) in taken:
                continue
            taken.discard((other.submission.pk, freed))
            taken.add((other.submission.pk, pk))
            freed_user = review.reviewer
            review.reviewer = candidate.user
            review.save(update_fields=["reviewer"])
            load[pk] += 1
            return freed_user
    return None


def peer_reviews_withdraw_for_leaver(*, user_id: int, cohort_id: int) -> int:
    """The person left the cohort: the peer reviews she still had to do there are withdrawn
    (a conditional update: one given meanwhile stays given) and their answers get other
    reviewers (peer_allocate_later, after commit). Returns how many were withdrawn."""
    waiting = PeerReview.objects.filter(
        reviewer_id=user_id, submission__cohort_id=cohort_id, status=PeerReview.Status.ASSIGNED
    )
    groups = set(waiting.values_list("submission__assignment_id", "submission__cohort_id"))
    withdrawn = waiting.update(status=PeerReview.Status.WITHDRAWN)
    for assignment_id, cohort in sorted(groups):
        peer_allocate_later(assignment_id=assignment_id, cohort_id=cohort)
    return withdrawn


def peer_allocate_later(*, assignment_id: int, cohort_id: int) -> None:
    """Want an allocation: a row written in the caller's transaction, its task published after
    commit as a hint (workshops/outbox.py; the embedded default runs it in-process)."""
    from .outbox import peer_allocation_want

    peer_allocation_want(assignment_id=assignment_id, cohort_id=cohort_id)


def _wait() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "PEER_REVIEW_WAIT_HOURS", 72))


def _remind_after() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "PEER_REVIEW_REMIND_HOURS", 24))


def peer_starvation_guard(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Beat: withdraw peer reviews left undone for too long and give them to someone else
    (allowing one review more than M, so the last submitters also get feedback), give answers
    that have waited too long without enough reviewers theirs, and remind the reviewers of
    reviews still to do (once each)."""
    now = now or timezone.now()
    stale = list(
        PeerReview.objects.filter(
            peer_q(prefix="submission__"),
            status=PeerReview.Status.ASSIGNED,
            assigned_at__lt=now - _wait(),
        ).values_list("pk", "submission__assignment_id", "submission__cohort_id")
    )
    withdrawn = 0
    groups: set[tuple[int, int]] = set()
    for pk, assignment_id, cohort_id in stale:
        # The conditional update is the claim: a review given meanwhile stays given.
        withdrawn += PeerReview.objects.filter(pk=pk, status=PeerReview.Status.ASSIGNED).update(
            status=PeerReview.Status.WITHDRAWN
        )
        groups.add((assignment_id, cohort_id))
    waiting = (
        Submission.objects.filter(
            peer_q(),
            status=Submission.Status.RECEIVED,
            submitted_at__lt=now - _wait(),
        )
        .values_list("assignment_id", "cohort_id")
        .distinct()
    )
    groups.update(waiting)
    reallocated = 0
    for assignment_id, cohort_id in sorted(groups):
        reallocated += len(
            peer_allocate(assignment_id=assignment_id, cohort_id=cohort_id, extra_quota=1)
        )
    reminded = 0
    for review in PeerReview.objects.filter(
        status=PeerReview.Status.ASSIGNED, assigned_at__lt=now - _remind_after()
    ).select_related("reviewer", "submission__assignment"):
        key = f"peer-review-reminder-{review.pk}"
        if Notification.objects.filter(recipient=review.reviewer, key=key).exists():
            continue
        notification_notify(
            recipient=review.reviewer,
            category=Notification.Category.PEER_REVIEW,
            key=key,
            template="peer_review_reminder",
            context={"assignment": review.submission.assignment},
            url=reverse("workshops:peer_review", args=[review.pk]),
        )
        reminded += 1
    return {"withdrawn": withdrawn, "reallocated": reallocated, "reminded": reminded}


@transaction.atomic
def peer_review_give(
    *, review: PeerReview, by: User, works: str, question: str, suggestion: str
) -> PeerReview:
    """The allocated peer gives their short feedback; the author is told (anonymously)."""
    if review.reviewer_id != by.pk:
        raise PeerError(_("This peer review is not yours."))
    texts = [works.strip(), question.strip(), suggestion.strip()]
    if not any(texts):
        raise PeerError(_("Write at least one of the three answers."))
    changed = PeerReview.objects.filter(pk=review.pk, status=PeerReview.Status.ASSIGNED).update(
        status=PeerReview.Status.DONE,
        works=texts[0],
        question=texts[1],
        suggestion=texts[2],
        given_at=timezone.now(),
    )
    if not changed:
        raise PeerError(_("This peer review has already been given or was reallocated."))
    review.refresh_from_db()
    submission = review.submission
    recipients = (
        [m.user for m in submission.experiment.members.select_related("user")]
        if submission.experiment is not None
        else [submission.learner]
    )
    for recipient in recipients:
        notification_notify(
            recipient=recipient,
            category=Notification.Category.PEER_REVIEW,
            key=f"peer-feedback-{review.pk}",
            template="peer_feedback_received",
            context={"assignment": submission.assignment},
            url=reverse("workshops:submission_detail", args=[submission.pk]),
        )
    return review


def peer_review_mark_useful(*, review: PeerReview, useful: bool) -> PeerReview:
    """The receiver marks peer feedback useful (or not). Precondition: they wrote the answer."""
    PeerReview.objects.filter(pk=review.pk, status=PeerReview.Status.DONE).update(useful=useful)
    review.refresh_from_db()
    return review
