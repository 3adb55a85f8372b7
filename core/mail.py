"""Email delivery shared by notifications and invitations: the rules every outbox row follows.

Every email is a row first (queued -> sending -> sent / failed, or *uncertain*), and these helpers
decide what a failed attempt means:

- The server refused before the message was handed over, or could not be reached (down, a
  timeout, a dropped connection before DATA): nothing was delivered, so the row goes back to
  `queued` with `next_attempt_at` pushed out by a growing interval (1, 2, 4 ... minutes, at most an
  hour) until `retry_until` (48 hours by default, `EMAIL_RETRY_HOURS`) has passed; then `failed`.
- The server refused the message for good (a 5xx reply to the sender, recipients or data):
  `failed` at once; retrying for two days would not change the answer.
- The whole message was transmitted but the server's final reply never came (the connection
  dropped or timed out after the data): the server may well have accepted it, so the row is
  marked `uncertain` and **not** retried automatically, so the person never gets two different
  copies. The coordinator's notification log shows it with a resend action; a resend carries the
  same stable `Message-ID` (`message_id`), so a mail client sees one message, not two.

A `sending` row older than `sending_stale_after()` (the email task's hard time limit plus a
margin, so its worker is certainly gone) is put back in the queue by the sweeper and sent again
with the same Message-ID: the one case where a message may arrive twice, recognisably the same.

`SMTPBackend` is Django's SMTP backend that tells the two kinds of dropped connection apart; set
`EMAIL_BACKEND=core.mail.SMTPBackend` (docker compose and production do).
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import smtplib
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.db import DatabaseError

# The first retry waits a minute, then twice as long each time, at most an hour.
FIRST_RETRY = datetime.timedelta(minutes=1)
LONGEST_RETRY = datetime.timedelta(hours=1)
# After a hint (a published task) a queued row waits this long before the sweeper publishes it
# again: long enough for a busy queue, short enough that a lost task is noticed within minutes.
HINT_GRACE = datetime.timedelta(minutes=3)


class SMTPReplyLost(smtplib.SMTPServerDisconnected):
    """The message was transmitted in full but the server's final reply never arrived."""


class _TrackingSMTP(smtplib.SMTP):
    """smtplib.SMTP whose DATA step says whether a failure came after the message was sent."""

    def data(self, msg: Any) -> tuple[int, bytes]:
        # The same steps as smtplib.SMTP.data, with the last reply guarded.
        self.putcmd("data")
        code, repl = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")  # type: ignore[attr-defined]
        q = smtplib._quote_periods(msg)  # type: ignore[attr-defined]
        if q[-2:] != smtplib.bCRLF:
            q = q + smtplib.bCRLF
        q = q + b"." + smtplib.bCRLF
        self.send(q)
        try:
            code, msg = self.getreply()
        except smtplib.SMTPServerDisconnected as exc:
            raise SMTPReplyLost(f"No reply after the message was sent: {exc}") from exc
        return code, msg


class _TrackingSMTPSSL(smtplib.SMTP_SSL, _TrackingSMTP):
    pass


class SMTPBackend(DjangoSMTPBackend):
    """Django's SMTP backend, with `EMAIL_TIMEOUT` and a lost final reply told apart."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return _TrackingSMTPSSL if self.use_ssl else _TrackingSMTP


class Outcome(enum.Enum):
    RETRY = "retry"  # nothing was delivered; try again later
    FAILED = "failed"  # refused for good
    UNCERTAIN = "uncertain"  # may have been delivered; do not send again by itself


def classify(exc: BaseException) -> tuple[Outcome, bool]:
    """What a failed send means, and whether the server itself is unreachable (True: the rest
    of a batch should wait too, rather than each message waiting for its own timeout)."""
    if isinstance(exc, SMTPReplyLost):
        return Outcome.UNCERTAIN, True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return (Outcome.FAILED if permanent else Outcome.RETRY), False
    if isinstance(exc, smtplib.SMTPResponseException):
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return Outcome.RETRY, True  # our configuration, not the message: keep it queued
        permanent = 500 <= exc.smtp_code < 600
        server = isinstance(exc, smtplib.SMTPConnectError) or exc.smtp_code in (421,)
        return (Outcome.FAILED if permanent and not server else Outcome.RETRY), server
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError | socket.timeout):
        return Outcome.RETRY, True
    if isinstance(exc, smtplib.SMTPException):
        return Outcome.RETRY, False
    if isinstance(exc, DatabaseError):
        return Outcome.RETRY, True
    return Outcome.RETRY, False


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt (1, 2, 4 ... min, at most 1 h)."""
    exponent = max(0, min(attempts - 1, 12))
    return min(FIRST_RETRY * (2**exponent), LONGEST_RETRY)


def retry_window() -> datetime.timedelta:
    """How long a queued email is retried before it is marked failed."""
    return datetime.timedelta(hours=settings.EMAIL_RETRY_HOURS)


def email_task_time_limit() -> int:
    """The email tasks' hard time limit in seconds: a few timeouts for one message, plus a
    minute (a batch stops starting new messages after EMAIL_BATCH_SECONDS)."""
    return int(settings.EMAIL_BATCH_SECONDS + 4 * settings.EMAIL_TIMEOUT + 60)


def sending_stale_after() -> datetime.timedelta:
    """A `sending` row older than this has no worker left on it: the task that claimed it has
    passed its hard time limit (EMAIL_TIMEOUT is inside that limit), plus a minute's margin."""
    return datetime.timedelta(seconds=email_task_time_limit() + 60)


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "alueagentti.fi"


def message_id(unique_key: str) -> str:
    """A Message-ID that is the same every time the same row is sent (RFC 5322 msg-id)."""
    digest = hashlib.sha256(unique_key.encode()).hexdigest()[:32]
    return f"<{digest}.alueagentti@{site_domain()}>"
