"""Celery tasks of the workshops: thin wrappers that load rows by id and call a service."""

from celery import shared_task

from . import services
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
