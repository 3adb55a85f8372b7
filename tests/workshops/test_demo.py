"""The demo data shows a whole workshop series: sessions (with a shared file), experiments in
different phases (one the travel-chain pilot), a revision round and peer reviews."""

from io import StringIO

import pytest
from django.core.management import call_command

from workshops.models import (
    Experiment,
    PeerReview,
    Review,
    SessionMaterial,
    Submission,
    WorkshopSession,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_workshop_series_the_issue_asks_for(demo_data):
    assert WorkshopSession.objects.count() >= 6
    from core.pdf import html_to_pdf

    # The slides are made with WeasyPrint; without its system libraries there are none.
    assert SessionMaterial.objects.exists() or html_to_pdf("<p>x</p>") is None
    phases = set(Experiment.objects.values_list("phase", flat=True))
    assert len(phases) >= 3
    pilot = Experiment.objects.get(title__icontains="Liityntäkyyti")
    assert pilot.themes.filter(code="mobility").exists()
    # A revision round: a revision requested with structured feedback and the rubric, and
    # a phase whose later version was approved.
    revised = Review.objects.filter(decision=Review.Decision.REVISE, submission__experiment=pilot)
    assert revised.filter(scores__isnull=False).exclude(strengths="").exists()
    assert Submission.objects.filter(version=2, status=Submission.Status.APPROVED).exists()
    statuses = set(PeerReview.objects.values_list("status", flat=True))
    assert {PeerReview.Status.DONE, PeerReview.Status.ASSIGNED} <= statuses

    counts = (SessionMaterial.objects.count(), Submission.objects.count(), Review.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (
        SessionMaterial.objects.count(),
        Submission.objects.count(),
        Review.objects.count(),
    ) == counts


def test_the_demo_learner_was_notified_of_her_revision_request_once(demo_data):
    from core.models import User
    from notifications.models import Notification

    oona = User.objects.get(email__startswith="oppija@")
    revised = Submission.objects.get(
        experiment__title__icontains="Liityntäkyyti", status=Submission.Status.REVISION_REQUESTED
    )
    row = Notification.objects.get(recipient=oona, key=f"submission-reviewed-{revised.pk}")
    assert row.category == Notification.Category.REVIEWS
    assert revised.assignment.title in row.subject
    assert row.url.endswith(f"/{revised.pk}/")
    assert "Haastattele kolmea kyläläistä" in row.body  # the structured feedback is in it
    assert row.read_at is None
    # Every demo review told its learner, as a real review does.
    for review in Review.objects.select_related("submission"):
        assert Notification.objects.filter(
            recipient=review.submission.learner_id,
            key=f"submission-reviewed-{review.submission_id}",
        ).exists()

    # The experiment's history shows the answer and the revision request, as a real review does.
    kinds = list(revised.experiment.events.values_list("kind", flat=True))
    assert kinds[:2] == ["revision", "submitted"]

    from workshops.models import ExperimentEvent

    counts = (Notification.objects.count(), ExperimentEvent.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Notification.objects.count(), ExperimentEvent.objects.count()) == counts
