"""Celery tasks of the workshops: thin wrappers that load rows by id and call a service."""

from celery import shared_task

from . import peer, services
from .checks import ScanUnavailable


# OSError covers a storage hiccup and clamd not answering (ScanUnavailable); both pass.
@shared_task(
    acks_late=True,
    autoretry_for=(OSError, ScanUnavailable),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=8,
)
def submission_file_process(file_id: int) -> str | None:
    attachment = services.submission_file_process(file_id=file_id)
    return attachment.status if attachment else None


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def submission_process(submission_id: int) -> str | None:
    submission = services.submission_process(submission_id=submission_id)
    return submission.status if submission else None


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def peer_allocate(assignment_id: int, cohort_id: int) -> int:
    """Fill the gaps in the phase's peer allocation; only fills gaps, so safe to repeat."""
    return len(peer.peer_allocate(assignment_id=assignment_id, cohort_id=cohort_id))


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=3)
def peer_starvation_guard() -> dict[str, int]:
    return peer.peer_starvation_guard()
