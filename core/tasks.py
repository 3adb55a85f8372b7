"""Celery options shared by the platform's tasks."""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

MAX_EMAIL_RETRIES = 5

# Transient mail-server trouble is retried with growing waits; the task itself turns the last
# failure into a visible "failed" row, so nothing fails silently.
EMAIL_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": MAX_EMAIL_RETRIES,
}

# Tasks that only touch the database or files: transient trouble (a dropped or restarting
# database connection, a full disk for a moment) is retried with growing waits; the work itself
# is idempotent. Django closes a broken connection at the next task, so the retry reconnects.
# The longest wait (retry_backoff_max) must stay below the broker's visibility timeout.
TRANSIENT_ERRORS = (ConnectionError, TimeoutError, OSError, OperationalError, InterfaceError)
RETRY_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 5,
}

# Beat scans (sweepers, reminders): the next beat runs them again anyway, so a transient error
# is retried a few times quickly and then left to the next run.
SWEEP_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(**SWEEP_TASK_OPTIONS)
def worker_heartbeat() -> str:
    """Beat, every minute: proves that beat, the broker and a worker all run (see /healthz)."""
    from .outbox import heartbeat_write

    return heartbeat_write().isoformat()
