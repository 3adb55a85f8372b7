"""Course tasks: thin wrappers that load by id and call a service."""

from celery import shared_task

from . import services

MAX_RETRIES = 5


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def certificate_issue(certificate_id: int) -> bool:
    """Issue one pending certificate (idempotent: a duplicate run finds nothing to claim)."""
    return services.certificate_issue(certificate_id=certificate_id)


@shared_task(acks_late=True)
def certificate_retry_stalled() -> int:
    """Beat: queue again the certificates stuck pending or issuing (a worker died)."""
    return len(services.certificate_retry_stalled())
