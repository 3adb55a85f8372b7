from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def submission_process(submission_id: int) -> str | None:
    submission = services.submission_process(submission_id=submission_id)
    return submission.status if submission else None
