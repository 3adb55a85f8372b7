"""Celery tasks of the workshops: thin wrappers that load rows by id and call a service."""

from celery import shared_task

from core.tasks import RETRY_TASK_OPTIONS, SWEEP_TASK_OPTIONS, TRANSIENT_ERRORS, TaskOptions

from . import outbox, peer, reminders, services
from .checks import ScanUnavailable

# A storage hiccup, clamd not answering (ScanUnavailable) and a database restarting all pass:
# the check is retried with growing waits, and the pending file stays the source of truth
# (workshops/outbox.py) if the retries run out.
FILE_TASK_OPTIONS: TaskOptions = {
    **RETRY_TASK_OPTIONS,
    "autoretry_for": (*TRANSIENT_ERRORS, ScanUnavailable),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(**FILE_TASK_OPTIONS)
def submission_file_process(file_id: int) -> str | None:
    attachment = services.submission_file_process(file_id=file_id)
    return attachment.status if attachment else None


@shared_task(**FILE_TASK_OPTIONS)
def review_file_process(file_id: int) -> str | None:
    """Check an instructor's feedback file by its content (idempotent)."""
    attachment = services.review_file_process(file_id=file_id)
    return attachment.status if attachment else None


@shared_task(**FILE_TASK_OPTIONS)
def submission_process(submission_id: int) -> str | None:
    submission = services.submission_process(submission_id=submission_id)
    return submission.status if submission else None


@shared_task(**SWEEP_TASK_OPTIONS)
def submission_files_sweep() -> dict[str, int]:
    """Beat: publish again the checks of files still pending past their sweep time."""
    return outbox.submission_files_sweep()


@shared_task(**RETRY_TASK_OPTIONS)
def peer_allocation_run(wanted_id: int) -> int | None:
    """Fill the gaps in a phase's peer allocation and delete the wanted row (idempotent)."""
    return outbox.peer_allocation_run(wanted_id=wanted_id)


@shared_task(**SWEEP_TASK_OPTIONS)
def peer_allocations_sweep() -> int:
    return len(outbox.peer_allocations_sweep())


# Kept for messages published before the wanted-allocation rows existed.
@shared_task(**RETRY_TASK_OPTIONS)
def peer_allocate(assignment_id: int, cohort_id: int) -> int:
    """Fill the gaps in the phase's peer allocation; only fills gaps, so safe to repeat."""
    return len(peer.peer_allocate(assignment_id=assignment_id, cohort_id=cohort_id))


@shared_task(**SWEEP_TASK_OPTIONS)
def peer_starvation_guard() -> dict[str, int]:
    return peer.peer_starvation_guard()


@shared_task(**SWEEP_TASK_OPTIONS)
def deadline_reminders_send() -> int:
    """Beat, hourly: remind learners of phases due in 3 and 1 days (a scan, never a countdown)."""
    return reminders.deadline_reminders_send()


@shared_task(**SWEEP_TASK_OPTIONS)
def review_notices_send() -> int:
    """Beat, hourly: the day's grouped review-waiting notice per instructor, and escalations to
    coordinators for answers waiting past the cohort's review target."""
    return reminders.review_waiting_notices_send() + reminders.review_escalations_send()
