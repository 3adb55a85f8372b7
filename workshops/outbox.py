"""The workshops' background work as outbox rows, with their sweepers (core/outbox.py).

- A *pending file* (SubmissionFile pending) is written with the learner's version; its check
  task is published after commit. `submission_files_sweep` publishes the check again when the
  file is still pending at its `next_attempt_at`, and settles a version left `processing`
  although none of its files is pending (a worker died between the check and the settle).
- A *pending feedback file* (ReviewFile pending, an instructor's file on a review) is the same
  kind of row with the same check; the same sweeper publishes its check again.
- A *peer allocation wanted* (PeerAllocationWanted, one per phase and cohort) is written with
  the answer or the lead's request; its task allocates and deletes the row in one transaction;
  `peer_allocations_sweep` publishes it again while it waits.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import outbox
from core.outbox import Backlog, CohortScope

from .models import (
    PeerAllocationWanted,
    ReviewFile,
    Submission,
    SubmissionFile,
    first_peer_sweep,
)

FILES = "files"
PEER = "peer"


# --- pending files -----------------------------------------------------------------------------


def _pending_files(scope: CohortScope) -> QuerySet[SubmissionFile]:
    return outbox.scoped(
        SubmissionFile.objects.filter(status=SubmissionFile.Status.PENDING),
        scope,
        "submission__cohort_id",
    )


def _pending_feedback_files(scope: CohortScope) -> QuerySet[ReviewFile]:
    return outbox.scoped(
        ReviewFile.objects.filter(status=ReviewFile.Status.PENDING),
        scope,
        "submission__cohort_id",
    )


def submission_files_sweep(
    *, now: datetime.datetime | None = None, scope: CohortScope = None
) -> dict[str, int]:
    """Beat: publish the check again for files still pending past their sweep time, and settle
    the versions left processing with no file pending. Returns what it did, by kind."""
    from .services import submission_settle
    from .tasks import review_file_process, submission_file_process

    now = now or timezone.now()
    published = outbox.sweep(
        _pending_files(scope),
        kind=FILES,
        publish_row=lambda pk: outbox.publish(submission_file_process, pk),
        now=now,
    )
    published += outbox.sweep(
        _pending_feedback_files(scope),
        kind=FILES,
        publish_row=lambda pk: outbox.publish(review_file_process, pk),
        now=now,
    )
    pending = SubmissionFile.objects.filter(
        submission=OuterRef("pk"), status=SubmissionFile.Status.PENDING
    )
    orphans = list(
        outbox.scoped(
            Submission.objects.filter(
                status=Submission.Status.PROCESSING,
                submitted_at__lt=now - outbox.outbox_period(FILES),
            ).exclude(Exists(pending)),
            scope,
        ).values_list("pk", flat=True)[:500]
    )
    for submission_id in orphans:
        submission_settle(submission_id=submission_id)
    return {"files": len(published), "versions": len(orphans)}


def _files_backlog(scope: CohortScope, now: datetime.datetime) -> Backlog:
    learners = outbox.attempts_backlog(_pending_files(scope), kind=FILES, now=now)
    feedback = outbox.attempts_backlog(_pending_feedback_files(scope), kind=FILES, now=now)
    oldest = [moment for moment in (learners.oldest, feedback.oldest) if moment is not None]
    return Backlog(
        pending=learners.pending + feedback.pending,
        queued=learners.queued + feedback.queued,
        failed=learners.failed + feedback.failed,
        oldest=min(oldest) if oldest else None,
        overdue=learners.overdue + feedback.overdue,
    )


def _files_retry(scope: CohortScope) -> int:
    now = timezone.now()
    outbox.make_due(_pending_files(scope), now=now)
    outbox.make_due(_pending_feedback_files(scope), now=now)
    return submission_files_sweep(now=now, scope=scope)["files"]


outbox.register(
    outbox.Kind(
        key=FILES,
        label=_("Checks of submitted files"),
        queue="files",
        backlog=_files_backlog,
        retry=_files_retry,
        sweeper="workshops.tasks.submission_files_sweep",
        sweep=lambda now: submission_files_sweep(now=now),
        order=10,
    )
)


# --- peer allocations ---------------------------------------------------------------------------


def peer_allocation_want(*, assignment_id: int, cohort_id: int) -> PeerAllocationWanted:
    """Write (or renew) the wanted allocation in the caller's transaction and publish its task
    after commit, as a hint. Many answers of a phase share one row."""
    wanted, _created = PeerAllocationWanted.objects.update_or_create(
        assignment_id=assignment_id,
        cohort_id=cohort_id,
        defaults={
            "requested_at": timezone.now(),
            "attempts": 0,
            "next_attempt_at": first_peer_sweep(),
        },
    )
    from .tasks import peer_allocation_run

    outbox.publish_on_commit(peer_allocation_run, wanted.pk)
    return wanted


def peer_allocation_run(*, wanted_id: int) -> int | None:
    """Allocate and delete the wanted row in one transaction. The row stays locked meanwhile, so
    an answer sent during the allocation waits and then writes a new row (never lost); a second
    run finds no row. Returns how many reviews were allocated, None if already done."""
    from .peer import peer_allocate

    with transaction.atomic():
        wanted = PeerAllocationWanted.objects.select_for_update().filter(pk=wanted_id).first()
        if wanted is None:
            return None
        allocated = peer_allocate(assignment_id=wanted.assignment_id, cohort_id=wanted.cohort_id)
        wanted.delete()
    return len(allocated)


def peer_allocations_sweep(
    *, now: datetime.datetime | None = None, scope: CohortScope = None
) -> list[int]:
    """Beat: publish again the wanted allocations whose task was lost."""
    from .tasks import peer_allocation_run as task

    rows = outbox.scoped(PeerAllocationWanted.objects.all(), scope)
    return outbox.sweep(rows, kind=PEER, publish_row=lambda pk: outbox.publish(task, pk), now=now)


def _peer_backlog(scope: CohortScope, now: datetime.datetime) -> Backlog:
    return outbox.attempts_backlog(
        outbox.scoped(PeerAllocationWanted.objects.all(), scope), kind=PEER, now=now
    )


def _peer_retry(scope: CohortScope) -> int:
    now = timezone.now()
    outbox.make_due(outbox.scoped(PeerAllocationWanted.objects.all(), scope), now=now)
    return len(peer_allocations_sweep(now=now, scope=scope))


outbox.register(
    outbox.Kind(
        key=PEER,
        label=_("Peer review allocations"),
        queue="default",
        backlog=_peer_backlog,
        retry=_peer_retry,
        sweeper="workshops.tasks.peer_allocations_sweep",
        sweep=lambda now: peer_allocations_sweep(now=now),
        order=20,
    )
)
