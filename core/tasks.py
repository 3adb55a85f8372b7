"""Celery options shared by the platform's tasks."""

from smtplib import SMTPException

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

# Tasks that only touch the database or files: transient trouble (a dropped connection, a full
# disk for a moment) is retried with growing waits; the work itself is idempotent.
RETRY_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (ConnectionError, TimeoutError, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 5,
}
