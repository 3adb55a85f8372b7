"""The demo gives coordinators something to follow: a second cohort with learners from several
municipalities and varied progress (some at risk), sent, failed and pending notifications made
by the real reminder scans' templates, a nudge, and announcements sent and scheduled."""

from io import StringIO

import pytest
from django.core.management import call_command

from learners import selectors
from learners.models import Cohort, Membership, Nudge
from notifications.models import Announcement, Notification

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_second_cohort_to_follow_and_reminders_that_were_sent(demo_data):
    assert Cohort.objects.count() >= 2
    spring = Cohort.objects.get(name="Alueagentti – pilottiryhmä")
    learners = Membership.objects.filter(cohort=spring, role=Membership.Role.LEARNER)
    municipalities = set(learners.values_list("user__organisation__name", flat=True))
    assert len(municipalities) >= 5
    at_risk = {row.learner.email.split("@")[0] for row in selectors.at_risk(cohort=spring)}
    assert {"juha.salo", "tiina.heikkinen"} <= at_risk
    assert "anna.nieminen" not in at_risk

    statuses = set(Notification.objects.values_list("email_status", flat=True))
    assert {"sent", "failed", "digest"} <= statuses
    reminder = Notification.objects.get(
        recipient__email__startswith="tiina.heikkinen", key__startswith="deadline-start-"
    )
    assert reminder.email_status == "failed"
    assert "550" in reminder.email_error
    # Rendered from the real template in the learner's language (Finnish).
    assert "3 päivän" in reminder.subject
    assert reminder.url in reminder.body
    assert Nudge.objects.filter(cohort=spring, learner__email__startswith="juha.salo").exists()
    assert Notification.objects.filter(key__startswith="reviews-waiting-").exists()
    # One answer in the pilot cohort has waited past the review target: escalated.
    escalations = Notification.objects.filter(
        key__startswith="review-overdue-", recipient__email__startswith="koordinaattori"
    )
    assert any("Maria Koskinen" in n.body for n in escalations)
    assert {Announcement.Status.SENT, Announcement.Status.SCHEDULED} <= set(
        Announcement.objects.values_list("status", flat=True)
    )

    counts = (Notification.objects.count(), Nudge.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (
        Notification.objects.count(),
        Nudge.objects.count(),
        Membership.objects.count(),
    ) == counts
