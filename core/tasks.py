"""Celery options shared by every task that sends one email."""

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
