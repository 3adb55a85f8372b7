"""Faults around email: the mail server down, slow (five seconds a message) and dropping the
connection after the data, and the broker going down while an invitation import sends."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from typing import Any

import pytest

from tests import factories
from tests.faults import world
from tests.faults.support import Ledger, eventually, recover

FILE_TASK = "workshops.tasks.submission_file_process"
APPLY_TASK = "learners.tasks.invitation_import_apply"


def learners_of(cohort: Any, count: int) -> list[Any]:
    from learners.models import Membership

    people = []
    for i in range(count):
        user = factories.UserFactory(email=f"oppija{i}@example.fi", first_name=f"Oppija{i}")
        factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
        people.append(user)
    return people


def announce(cohort: Any, author: Any, subject: str) -> Any:
    from notifications.services import announcement_create

    return announcement_create(
        cohort=cohort, author=author, subject=subject, body="Tapaaminen siirtyy.", send_at=None
    )


def rows_for(subject: str) -> Any:
    from notifications.models import Notification

    return Notification.objects.filter(subject__contains=subject)


def tried(subject: str, count: int) -> bool:
    """The announcement's rows exist, a send was tried, and none is on its way now. (A batch
    stops at a connection refused: the rest of it waits for the next sweep, untried.)"""
    rows = rows_for(subject)
    return (
        rows.count() >= count
        and rows.filter(email_attempts__gte=1).exists()
        and not rows.filter(email_status="sending").exists()
    )


def done(subject: str, count: int) -> bool:
    """Every row has left the queue: sent, or marked for a person to resend."""
    rows = rows_for(subject)
    return (
        rows.count() >= count and not rows.filter(email_status__in=("queued", "sending")).exists()
    )


def account_announcement(ledger: Ledger, stack, people: list[Any], subject: str, timeout=60):
    def delivered() -> bool:
        return all(world.emails_to(stack.smtp, p.email, subject) >= 1 for p in people)

    with contextlib.suppress(AssertionError):  # what is still missing is counted below
        eventually(delivered, timeout=timeout, what=f"{subject!r} to everyone")
    for person in people:
        if not world.emails_to(stack.smtp, person.email, subject):
            ledger.lost.append(f"{subject!r} to {person.email}")
    world.count_duplicates(ledger, stack.smtp)


def test_the_mail_server_down_delays_emails_and_loses_none(stack, cohort, instructor):
    ledger = Ledger("mail server down")
    people = learners_of(cohort, 5)
    stack.smtp.set_mode("down")
    announce(cohort, instructor, "Palvelin alhaalla")
    eventually(
        lambda: tried("Palvelin alhaalla", len(people)),
        timeout=60,
        what="every email to be tried once against the dead server",
    )
    statuses = Counter(rows_for("Palvelin alhaalla").values_list("email_status", flat=True))
    ledger.in_flight = [f"{count} {status}" for status, count in statuses.items()]
    assert not stack.smtp.messages
    stack.smtp.set_mode("normal")
    recover()
    account_announcement(ledger, stack, people, "Palvelin alhaalla")
    recover()  # a second sweep later sends nothing again
    time.sleep(2)
    world.count_duplicates(ledger, stack.smtp)
    ledger.duplicated = sorted(set(ledger.duplicated))
    ledger.check()


def test_a_slow_mail_server_does_not_delay_file_checks(
    stack, cohort, instructor, learner, assignment
):
    from workshops.models import SubmissionFile

    ledger = Ledger("mail server slow (5 s a message)")
    people = learners_of(cohort, 3)
    stack.smtp.set_mode("slow")
    announce(cohort, instructor, "Hidas posti")
    world.start_experiment(learner=learner, cohort=cohort, assignment=assignment)
    from tests.faults.support import WebClient

    started = time.monotonic()
    response = WebClient(stack.url, learner).post(
        world.submit_path(assignment), {"text": "Kiireellinen"}, files=[world.pdf("liite.pdf")]
    )
    assert response.status == 302, response.body[-2000:]
    eventually(
        lambda: not SubmissionFile.objects.filter(status=SubmissionFile.Status.PENDING).exists(),
        timeout=60,
        what="the file check",
    )
    waited = time.monotonic() - started
    ledger.in_flight = [f"{len(people)} emails at 5 s each", "1 file check"]
    ledger.note(f"the file check finished {waited:.1f} s after the submit")
    # With one queue the check would wait behind the emails (3 x 5 s).
    assert waited < 8, ledger.report()
    account_announcement(ledger, stack, people, "Hidas posti", timeout=90)
    ledger.check()


def test_a_mail_server_dropping_after_the_data_sends_nothing_twice_by_itself(
    stack, cohort, instructor
):
    from notifications.services import notification_resend

    ledger = Ledger("mail server drops the connection after DATA")
    people = learners_of(cohort, 3)
    stack.smtp.set_mode("drop")
    announce(cohort, instructor, "Katkeava yhteys")
    # Each batch hands over one message and loses the reply; the rest waits for a sweep.
    for _ in range(2 * len(people)):
        with contextlib.suppress(AssertionError):
            eventually(lambda: tried("Katkeava yhteys", len(people)), timeout=20, what="a send")
        if done("Katkeava yhteys", len(people)):
            break
        recover()
    stack.smtp.set_mode("normal")
    recover()
    time.sleep(3)  # give a wrong automatic resend the chance to happen
    statuses = Counter(rows_for("Katkeava yhteys").values_list("email_status", flat=True))
    ledger.in_flight = [f"{count} {status}" for status, count in statuses.items()]
    account_announcement(ledger, stack, people, "Katkeava yhteys")
    if statuses.get("sent", 0) + statuses.get("uncertain", 0) != len(people):
        ledger.lost.append(f"rows neither sent nor marked for a resend: {dict(statuses)}")
    # A coordinator resends one from the log: the same Message-ID, so one message in the inbox.
    row = rows_for("Katkeava yhteys").filter(email_status="uncertain").first()
    if row is not None:
        assert notification_resend(notification=row)
        eventually(
            lambda: world.emails_to(stack.smtp, row.recipient.email, "Katkeava yhteys") >= 2,
            timeout=60,
            what="the resend",
        )
        copies = {
            m.message_id for m in stack.smtp.to(row.recipient.email) if "Katkeava" in m.subject
        }
        ledger.note(f"resend to {row.recipient.email}: Message-IDs {sorted(copies)}")
        assert len(copies) == 1, copies
    world.count_duplicates(ledger, stack.smtp)
    ledger.duplicated = sorted(set(ledger.duplicated))
    ledger.check()


@pytest.mark.usefixtures("stack")
def test_the_broker_down_during_an_invitation_import(stack, coordinator, cohort):
    from learners import services
    from learners.models import InvitationImport
    from tests.faults.test_workers import _import, account_invitations

    rows = 300
    ledger = Ledger(f"broker down during an invitation import of {rows} rows")
    upload = _import(stack, coordinator, cohort, rows)
    worker = stack.mail_worker
    worker.slow(APPLY_TASK, 3)
    assert services.import_confirm(upload=upload)
    worker.wait_started(APPLY_TASK)
    stack.redis.stop()
    worker.fast()
    ledger.in_flight = [f"import of {rows} rows applying", "its invitation emails"]
    eventually(
        lambda: (
            InvitationImport.objects.get(pk=upload.pk).status != InvitationImport.Status.APPLYING
        ),
        timeout=60,
        what="the import to finish while the broker is down",
    )
    restarted = stack.broker_back()
    if restarted:
        # Celery's consumer can die when the broker vanishes while a task finishes (its late
        # acknowledgement has no connection); the supervisor starts it again.
        ledger.note(f"worker(s) {restarted} exited during the outage and were restarted")
    recover()
    account_invitations(ledger, stack, cohort, rows)
    recover()
    account_invitations(ledger, stack, cohort, rows, timeout=2)
    ledger.lost = sorted(set(ledger.lost))
    ledger.duplicated = sorted(set(ledger.duplicated))
    ledger.check()
