"""A decision and a colleague's autosave of the shared review draft at the same moment.

The strict browser journey met a deadlock here (a 500 for a decision that PostgreSQL rolled
back): the decision locked the draft and then the version, the autosave the version and then
the draft. Both now lock the version first. This test holds the autosave between its two locks
and sends the decision meanwhile, so the old order deadlocks every time."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection

from tests import factories
from tests.conftest import skip_or_fail
from workshops import services
from workshops.models import Review, ReviewDraft

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_decision_sent_while_a_colleague_autosaves_waits_instead_of_deadlocking(
    learner, instructor, cohort, assignment, monkeypatch
):
    if connection.vendor != "postgresql":
        skip_or_fail("row locks (SELECT ... FOR UPDATE) need PostgreSQL")
    colleague = factories.UserFactory(first_name="Kaisa")
    factories.MembershipFactory(cohort=cohort, user=colleague, role="instructor")
    submission = factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)
    draft = services.review_draft_save(
        submission=submission, by=instructor, base_version=0, fields={"feedback": "Alku"}, levels={}
    )

    # The autosave stops after its first lock (the version) until the decision is waiting.
    autosave_locked, decision_sent = threading.Event(), threading.Event()
    marking_of = services.marking_of

    def pausing_marking_of(version):
        if threading.current_thread().name == "autosave":
            autosave_locked.set()
            decision_sent.wait(10)
        return marking_of(version)

    monkeypatch.setattr(services, "marking_of", pausing_marking_of)
    outcome: dict[str, object] = {}

    def autosave() -> None:
        try:
            services.review_draft_save(
                submission=submission,
                by=colleague,
                base_version=draft.version,
                fields={"feedback": "Kollegan lisäys"},
                levels={},
            )
            outcome["autosave"] = "saved"
        except OperationalError as exc:
            outcome["autosave"] = exc
        finally:
            connection.close()

    def decide() -> None:
        try:
            services.submission_review(
                submission=submission,
                reviewer=instructor,
                decision=Review.Decision.APPROVE,
                feedback="Hyvä!",
                draft_version=draft.version,
            )
            outcome["decision"] = "recorded"
        except services.ReviewConflict:
            outcome["decision"] = "conflict"
        except OperationalError as exc:
            outcome["decision"] = exc
        finally:
            connection.close()

    saving = threading.Thread(target=autosave, name="autosave")
    saving.start()
    assert autosave_locked.wait(10)
    deciding = threading.Thread(target=decide, name="decision")
    deciding.start()
    deciding.join(0.5)  # the decision is now waiting for the version's lock
    decision_sent.set()
    saving.join(30)
    deciding.join(30)

    # No deadlock: the autosave went through, and the decision, which had seen the draft
    # before the colleague's change, is refused as a conflict (the page answers 409 and keeps
    # the reviewer's text) instead of failing with a 500.
    assert outcome == {"autosave": "saved", "decision": "conflict"}, outcome
    stored = ReviewDraft.objects.get(submission=submission)
    assert stored.feedback == "Kollegan lisäys"
    assert stored.updated_by == colleague
    assert not Review.objects.filter(submission=submission).exists()
