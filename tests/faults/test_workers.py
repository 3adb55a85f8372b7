"""Faults in the background: a worker's pool child or the whole worker killed during a file check
and during an invitation import, a PostgreSQL connection cut mid-batch, every task delivered
twice, and beat's scans run twice at once."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from typing import Any

import pytest
from celery.app.task import Task
from django.urls import reverse

from tests.faults import world
from tests.faults.support import (
    Ledger,
    WebClient,
    eventually,
    recover,
    run_sweepers,
    terminate_worker_connections,
)

FILE_TASK = "workshops.tasks.submission_file_process"
APPLY_TASK = "learners.tasks.invitation_import_apply"


@pytest.fixture
def experiment(learner, cohort, assignment):
    return world.start_experiment(learner=learner, cohort=cohort, assignment=assignment)


def submit_with_files(stack, learner, assignment, names: list[str]) -> Any:
    from workshops.models import Submission

    response = WebClient(stack.url, learner).post(
        world.submit_path(assignment),
        {"text": "Haasteeni on matkaketjut."},
        files=[world.pdf(name) for name in names],
    )
    assert response.status == 302, response.body[-2000:]
    return Submission.objects.get(learner=learner)


def account_files(ledger: Ledger, submission: Any, *, timeout: float = 60) -> None:
    from workshops.models import Submission, SubmissionFile

    with contextlib.suppress(AssertionError):  # what is still missing is counted below
        eventually(
            lambda: (
                not submission.files.filter(status=SubmissionFile.Status.PENDING).exists()
                and Submission.objects.filter(pk=submission.pk)
                .exclude(status=Submission.Status.PROCESSING)
                .exists()
            ),
            timeout=timeout,
            what="every file to be checked and the version to be ready",
        )
    for attachment in submission.files.order_by("pk"):
        if attachment.status == SubmissionFile.Status.PENDING:
            ledger.lost.append(f"file check {attachment.original_name}")
    names = Counter(submission.files.values_list("original_name", flat=True))
    for name, count in names.items():
        if count > 1:
            ledger.duplicated.append(f"file {name} x{count}")
    submission.refresh_from_db()
    if submission.status != Submission.Status.RECEIVED:
        ledger.lost.append(f"version ready for review (is {submission.status})")


@pytest.mark.parametrize("what", ["pool child", "whole worker"])
def test_a_worker_killed_during_a_file_check(stack, learner, assignment, experiment, what):
    ledger = Ledger(f"{what} killed (SIGKILL) during a file check")
    worker = stack.files_worker
    worker.slow(FILE_TASK, 30)
    # One file: with two, the other pool child would sit out its 30 s too.
    submission = submit_with_files(stack, learner, assignment, ["a.pdf"])
    busy = worker.wait_started(FILE_TASK)
    ledger.in_flight = [f"file check in pid {pid}" for pid in busy]
    worker.fast()
    if what == "pool child":
        # The message was not acknowledged (acks_late) and the child's death rejects it back
        # to the queue at once (task_reject_on_worker_lost): no sweeper needed.
        worker.kill_child(busy[0])
    else:
        # Nothing is acknowledged and no process is left to say so: the message sits unacked
        # in Redis until the visibility timeout (hours); the files sweeper finds the rows.
        worker.kill()
        worker.start()
        recover()
    account_files(ledger, submission)
    ledger.check()


def _import(stack, coordinator, cohort, rows: int) -> Any:
    from learners import services
    from learners.models import InvitationImport

    lines = ["name,email,role"] + [
        f"Kutsuttu {i},kutsuttu{i}@example.fi,learner" for i in range(rows)
    ]
    upload = services.import_upload(
        cohort=cohort,
        uploaded_by=coordinator,
        file_name="kutsut.csv",
        content="\n".join(lines).encode(),
    )
    eventually(
        lambda: (
            InvitationImport.objects.get(pk=upload.pk).status == InvitationImport.Status.PREVIEW
        ),
        timeout=60,
        what="the import to be checked",
    )
    upload.refresh_from_db()
    return upload


def account_invitations(ledger: Ledger, stack, cohort, rows: int, *, timeout=45) -> None:
    from learners.models import Invitation

    expected = {f"kutsuttu{i}@example.fi" for i in range(rows)}

    def delivered() -> bool:
        got = {to for m in stack.smtp.messages for to in m.to}
        return expected <= got

    with contextlib.suppress(AssertionError):  # what is still missing is counted below
        eventually(delivered, timeout=timeout, what="every invitation email")
    states = Counter(
        Invitation.objects.filter(cohort=cohort).values_list("email_status", flat=True)
    )
    ledger.note(f"invitation emails: {dict(states)}")
    invitations = Counter(Invitation.objects.filter(cohort=cohort).values_list("email", flat=True))
    emails = Counter(to for m in stack.smtp.messages for to in m.to)
    missing_rows = sorted(expected - set(invitations))
    missing_mail = sorted(expected - set(emails))
    if missing_rows:
        ledger.lost.append(f"{len(missing_rows)} invitations, e.g. {missing_rows[:3]}")
    if missing_mail:
        ledger.lost.append(f"{len(missing_mail)} invitation emails, e.g. {missing_mail[:3]}")
    twice = [address for address, count in emails.items() if count > 1]
    if twice:
        ledger.duplicated.append(f"{len(twice)} invitation emails, e.g. {twice[:3]}")
    extra = [address for address, count in invitations.items() if count > 1]
    if extra:
        ledger.duplicated.append(f"{len(extra)} invitations, e.g. {extra[:3]}")


@pytest.mark.parametrize("what", ["pool child", "whole worker"])
def test_a_worker_killed_during_an_import(stack, coordinator, cohort, what):
    from learners import services

    rows = 300  # two batches
    ledger = Ledger(f"{what} killed (SIGKILL) during an invitation import of {rows} rows")
    upload = _import(stack, coordinator, cohort, rows)
    worker = stack.mail_worker
    worker.slow(APPLY_TASK, 30)
    assert services.import_confirm(upload=upload)
    busy = worker.wait_started(APPLY_TASK)
    ledger.in_flight = [f"import apply in pid {busy[0]}", f"{rows} invitations"]
    worker.fast()
    if what == "pool child":
        worker.kill_child(busy[0])
    else:
        worker.kill()
        worker.start()
        recover()
    account_invitations(ledger, stack, cohort, rows)
    recover()  # a later sweep sends nothing twice
    account_invitations(ledger, stack, cohort, rows, timeout=2)
    ledger.lost = sorted(set(ledger.lost))
    ledger.duplicated = sorted(set(ledger.duplicated))
    ledger.check()


def test_a_database_connection_cut_mid_batch(stack, learner, assignment, experiment):
    ledger = Ledger("PostgreSQL connections of the worker terminated mid-batch")
    worker = stack.files_worker
    worker.slow(FILE_TASK, 4, hold_db=True)
    submission = submit_with_files(stack, learner, assignment, ["1.pdf", "2.pdf", "3.pdf", "4.pdf"])
    busy = worker.wait_started(FILE_TASK, count=2)
    worker.fast()
    cut = terminate_worker_connections()
    ledger.in_flight = [f"{len(busy)} file checks holding a connection", f"{cut} cut"]
    assert cut >= 1
    recover()
    account_files(ledger, submission)
    ledger.check()


@pytest.fixture
def every_task_twice(monkeypatch, stack):
    """Every publish, here and in the workers, goes to the broker twice."""
    publish = Task.apply_async

    def twice(self, *args, **kwargs):
        publish(self, *args, **kwargs)
        return publish(self, *args, **kwargs)

    monkeypatch.setattr(Task, "apply_async", twice)
    for worker in stack.workers.values():
        worker.double_publish(True)
    yield
    for worker in stack.workers.values():
        worker.double_publish(False)


def test_every_task_delivered_twice_changes_nothing_a_person_sees(
    stack, every_task_twice, course, learner, instructor, assignment, experiment
):
    from courses.models import Certificate
    from notifications.models import Notification
    from workshops.models import Review

    ledger = Ledger("every task delivered twice (a submit, the checks, an approval, emails)")
    world.completing_course(course=course, assignment=assignment, learner=learner)
    submission = submit_with_files(stack, learner, assignment, ["eka.pdf", "toka.pdf"])
    account_files(ledger, submission)
    teacher = WebClient(stack.url, instructor)
    review_path = reverse("workshops:review", args=[submission.pk])
    seen = world.files_seen(teacher.get(review_path).body)
    answer = teacher.post(review_path, {"decision": "approve", "feedback": "", "files_seen": seen})
    assert answer.status == 302, answer.body[-2000:]
    ledger.in_flight = ["2 file checks", "completion check", "certificate", "emails"]
    with contextlib.suppress(AssertionError):  # what is still missing is counted below
        eventually(
            lambda: (
                Certificate.objects.filter(user=learner, status=Certificate.Status.ISSUED).exists()
                and not Notification.objects.filter(
                    recipient=learner, email_status__in=("queued", "sending")
                ).exists()
            ),
            timeout=60,
            what="the certificate and the learner's emails",
        )
    ledger.expect_once(
        "certificate",
        Certificate.objects.filter(user=learner, status=Certificate.Status.ISSUED).count(),
    )
    ledger.expect_once("review", Review.objects.filter(submission=submission).count())
    world.count_duplicates(ledger, stack.smtp)
    ledger.check()


def test_beat_scans_run_twice_at_once_publish_each_row_once(
    stack, monkeypatch, learner, assignment, experiment
):
    from workshops.models import SubmissionFile

    ledger = Ledger("beat scans run twice at once")
    stack.redis.stop()  # the submit's own publishes are lost: only the sweeps publish
    submission = submit_with_files(stack, learner, assignment, ["a.pdf", "b.pdf", "c.pdf"])
    restarted = stack.broker_back()
    if restarted:
        ledger.note(f"worker(s) {restarted} exited during the outage and were restarted")
    published: list[tuple[str, tuple]] = []
    lock = threading.Lock()
    publish = Task.apply_async

    def counted(self, args=None, *rest, **kwargs):
        with lock:
            published.append((self.name, tuple(args or ())))
        return publish(self, args, *rest, **kwargs)

    monkeypatch.setattr(Task, "apply_async", counted)
    from tests.faults.support import make_all_due

    make_all_due()
    start = threading.Barrier(2)

    def beat() -> None:
        from django.db import connection

        start.wait()
        try:
            run_sweepers()
        finally:
            connection.close()

    beats = [threading.Thread(target=beat) for _ in range(2)]
    for thread in beats:
        thread.start()
    for thread in beats:
        thread.join(60)
    checks = Counter(args for name, args in published if name == FILE_TASK)
    ledger.in_flight = [f"{len(published)} publishes by two concurrent sweeps"]
    for pk in submission.files.values_list("pk", flat=True):
        ledger.expect_once(f"publish of file check {pk}", checks[(pk,)])
    account_files(ledger, submission)
    assert not SubmissionFile.objects.filter(status=SubmissionFile.Status.PENDING).exists()
    ledger.check()
