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
import logging
import smtplib
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

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
        # smtplib's own private helpers (as SMTP.data uses them); typeshed leaves them out.
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
    """The email tasks' hard time limit in seconds. A batch starts no new message after
    EMAIL_BATCH_SECONDS, and one message has at most seven steps with the server (connect, EHLO,
    STARTTLS, AUTH, MAIL, RCPT, DATA), each bounded by EMAIL_TIMEOUT; with a minute more, the soft
    limit (15 s earlier) never interrupts a message that is still legitimately on its way."""
    return int(settings.EMAIL_BATCH_SECONDS + 8 * settings.EMAIL_TIMEOUT + 60)


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


# --- sending a batch of outbox rows ------------------------------------------------------------

QUEUED, SENDING, SENT, FAILED, UNCERTAIN = "queued", "sending", "sent", "failed", "uncertain"
# How long the final "sent" update keeps trying through a database restart before it gives up
# (and the row is left `sending` for the sweeper).
DB_RETRY_SECONDS = 30.0


@dataclass
class Delivery:
    """What one batch did: rows sent, retried later, failed for good, uncertain, and the ids it
    left queued for another task (it ran out of its time budget or the server went away)."""

    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)


def _with_db_retry(update: Callable[[], Any]) -> Any:
    """Run a small write, reconnecting through a short database outage (a restart, a killed
    connection): the email has already left, and the row must say so."""
    deadline = time.monotonic() + DB_RETRY_SECONDS
    delay = 0.2
    while True:
        try:
            return update()
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            logger.warning("database unavailable while recording a sent email; retrying")
            if not db_connection.in_atomic_block:  # a task: reconnect on the next query
                db_connection.close()
            time.sleep(delay)
            delay = min(delay * 2, 3.0)


def deliver(
    *,
    queryset: QuerySet[Any],
    ids: Sequence[int],
    build: Callable[[Any], EmailMessage],
    sent_fields: dict[str, Any] | None = None,
) -> Delivery:
    """Send the queued rows of `queryset` among `ids` over one mail-server connection.

    The batch claims its rows in one statement (`queued` -> `sending`; rows another worker holds
    are skipped, so a task delivered twice sends nothing twice) and marks each *sent* right after
    its message left, so at most the one message in flight is ever in doubt: a claimed row not
    yet sent is simply sent later. The claim cannot look stale to the sweeper while this task
    lives (`sending_stale_after` exceeds the task's hard time limit). `build(row)` returns the
    message. A failure is recorded on its row by the rules in this module's docstring; when the
    server itself is gone the rest of the batch goes back to the queue for the same later time
    instead of each waiting for its own timeout. After EMAIL_BATCH_SECONDS the rest goes back to
    the queue and is returned in `left` for a task of its own.
    """
    report = Delivery()
    model = queryset.model
    plain = queryset.select_related(None)
    now = timezone.now()
    with transaction.atomic():
        claimable = list(
            plain.select_for_update(skip_locked=True)
            .filter(pk__in=list(ids), email_status=QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if claimable:
            plain.filter(pk__in=claimable).update(
                email_status=SENDING,
                claimed_at=now,
                email_attempts=F("email_attempts") + 1,
                retry_until=Coalesce(F("retry_until"), Value(now + retry_window())),
            )
    if not claimable:
        return report
    rows = list(queryset.filter(pk__in=claimable).order_by("pk"))
    connection = get_connection()
    started = time.monotonic()
    _relax_commits(True)
    try:
        for index, row in enumerate(rows):
            if time.monotonic() - started > settings.EMAIL_BATCH_SECONDS:
                report.left = [r.pk for r in rows[index:]]
                _release(model, report.left, next_attempt_at=timezone.now() + HINT_GRACE)
                break
            try:
                message = build(row)
                message.connection = connection
                message.send()
            except Exception as exc:
                outcome, server_gone = classify(exc)
                _close_quietly(connection)
                error = f"{type(exc).__name__}: {exc}"[:2000]
                logger.warning("email %s #%s: %s (%s)", model.__name__, row.pk, error, outcome)
                _record_failure(
                    model, row, outcome=outcome, error=error, attempts=row.email_attempts
                )
                getattr(report, outcome.value).append(row.pk)
                if server_gone and outcome is Outcome.RETRY:
                    rest = [r.pk for r in rows[index + 1 :]]
                    _release(
                        model,
                        rest,
                        next_attempt_at=timezone.now() + retry_delay(row.email_attempts),
                    )
                    report.retry.extend(rest)
                    break
                continue
            fields = {
                "email_status": SENT,
                "email_error": "",
                "emailed_at": timezone.now(),
                **(sent_fields or {}),
            }
            _with_db_retry(partial(_mark_sent, model, pk=row.pk, fields=fields))
            report.sent.append(row.pk)
    finally:
        _close_quietly(connection)
        _relax_commits(False)
    return report


def _mark_sent(model: Any, *, pk: int, fields: dict[str, Any]) -> int:
    return int(model.objects.filter(pk=pk, email_status=SENDING).update(**fields))


def _release(model: Any, ids: list[int], *, next_attempt_at: datetime.datetime) -> None:
    """Claimed rows this batch did not try go back to the queue, their attempt not counted."""
    if ids:
        _with_db_retry(
            lambda: model.objects.filter(pk__in=ids, email_status=SENDING).update(
                email_status=QUEUED,
                email_attempts=F("email_attempts") - 1,
                next_attempt_at=next_attempt_at,
            )
        )


def _relax_commits(relaxed: bool) -> None:
    """On PostgreSQL, the batch's many one-row commits do not wait for the disk each.

    Each claim and each "sent" mark is its own commit, so that a dead worker leaves at most the
    one message in flight in doubt; waiting for the WAL flush of every one of them made a commit
    cost ~10 ms on a busy disk. With `synchronous_commit` off a commit is still atomic and in
    order; only a crash of the database server itself could forget the last fraction of a second
    of marks, and those rows are then resent by the sweeper with the same Message-ID (the same
    edge as a worker dying mid-send).
    """
    if db_connection.vendor != "postgresql":
        return
    try:
        with db_connection.cursor() as cursor:
            cursor.execute(f"SET synchronous_commit TO {'OFF' if relaxed else 'DEFAULT'}")
    except DatabaseError:  # a broken connection: Django replaces it, with the default setting
        logger.debug("could not change synchronous_commit", exc_info=True)


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # closing a connection the server already dropped
        logger.debug("closing the mail connection failed", exc_info=True)


def _record_failure(model: Any, row: Any, *, outcome: Outcome, error: str, attempts: int) -> None:
    now = timezone.now()
    if outcome is Outcome.UNCERTAIN:
        fields: dict[str, Any] = {"email_status": UNCERTAIN, "emailed_at": now}
    elif outcome is Outcome.FAILED:
        fields = {"email_status": FAILED}
    else:
        retry_until = row.retry_until or now + retry_window()
        next_attempt = now + retry_delay(attempts)
        if next_attempt > retry_until:
            fields = {"email_status": FAILED}
        else:
            fields = {"email_status": QUEUED, "next_attempt_at": next_attempt}
    _with_db_retry(
        lambda: model.objects.filter(pk=row.pk, email_status=SENDING).update(
            email_error=error, **fields
        )
    )


# --- the sweeper -------------------------------------------------------------------------------


@dataclass
class Sweep:
    recovered: int = 0
    expired: int = 0
    published: list[int] = field(default_factory=list)


def sweep(
    *,
    queryset: QuerySet[Any],
    publish_batch: Callable[[list[int]], Any],
    now: datetime.datetime | None = None,
    batch_size: int = 200,
    limit: int = 5000,
) -> Sweep:
    """The beat sweeper of one kind of email row (safe to run twice, or twice at once):

    1. `sending` rows whose claim is older than `sending_stale_after()` go back to `queued`
       (their worker is gone; the resend carries the same Message-ID);
    2. `queued` rows past `retry_until` become `failed` (with their last error);
    3. `queued` rows whose `next_attempt_at` has come are leased for HINT_GRACE and published in
       batches of `batch_size`, at most `limit` per run.
    """
    now = now or timezone.now()
    report = Sweep()
    stale = now - sending_stale_after()
    report.recovered = (
        queryset.filter(email_status=SENDING)
        .filter(Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True, created_at__lt=stale))
        .update(email_status=QUEUED, next_attempt_at=now)
    )
    expired = queryset.filter(email_status=QUEUED).filter(
        Q(retry_until__lt=now) | Q(retry_until__isnull=True, created_at__lt=now - retry_window())
    )
    report.expired = expired.filter(email_error="").update(
        email_status=FAILED,
        email_error=gettext("Not sent within %(hours)s hours.")
        % {"hours": settings.EMAIL_RETRY_HOURS},
    ) + expired.update(email_status=FAILED)
    due_filter = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
    # Leased under row locks (skipping rows another sweep holds), so two sweeps at once never
    # publish the same row.
    with transaction.atomic():
        due = list(
            queryset.select_related(None)
            .select_for_update(skip_locked=True)
            .filter(due_filter, email_status=QUEUED)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if due:
            queryset.filter(pk__in=due).update(next_attempt_at=now + HINT_GRACE)
    for start in range(0, len(due), batch_size):
        batch = due[start : start + batch_size]
        publish_batch(batch)
        report.published.extend(batch)
    return report
