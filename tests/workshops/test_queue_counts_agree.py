"""The number of answers waiting for an instructor is the same wherever it is shown: the home
page, the morning notice and the review queue (one selector); and the queue's tools look like
the buttons they are."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from workshops.models import Submission
from workshops.reminders import review_waiting_notices_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(cohort, assignment, instructor):
    """Three answers waiting in the instructor's running cohort and one in a cohort of theirs
    that ended last month (still waiting, still in their queue)."""
    ended = factories.CohortFactory(
        course=cohort.course,
        name="Kevät 2026",
        start_date=datetime.date(2026, 1, 10),
        end_date=timezone.localdate() - datetime.timedelta(days=30),
    )
    factories.MembershipFactory(cohort=ended, user=instructor, role=Membership.Role.INSTRUCTOR)
    subs = [
        factories.SubmissionFactory(cohort=c, assignment=assignment)
        for c in (cohort, cohort, cohort, ended)
    ]
    # Decided and still-processing versions are not waiting.
    factories.SubmissionFactory(
        cohort=cohort, assignment=assignment, status=Submission.Status.APPROVED
    )
    factories.SubmissionFactory(
        cohort=cohort, assignment=assignment, status=Submission.Status.PROCESSING
    )
    return subs


def _queue_count(client) -> int:
    html = client.get(reverse("workshops:review_queue")).content.decode()
    return len(re.findall(r'data-testid="queue-row"', html))


def test_the_home_page_the_morning_notice_and_the_queue_count_the_same(
    client_for, instructor, waiting
):
    morning = timezone.localtime().replace(hour=9, minute=0)
    assert review_waiting_notices_send(now=morning) == 1
    notice = Notification.objects.get(recipient=instructor, key__startswith="reviews-waiting-")
    client = client_for(instructor)
    in_queue = _queue_count(client)
    assert in_queue == len(waiting) == 4
    home = client.get(reverse("core:home"))
    assert home.context["waiting_count"] == in_queue
    assert f"{in_queue} " in notice.subject  # "4 answers wait for your review"
    # The morning's notice would go stale beside the live count; the card shows it instead.
    assert notice not in home.context["notifications"]


def test_the_count_on_the_home_page_follows_the_queue_when_an_answer_is_decided(
    client_for, instructor, waiting
):
    client = client_for(instructor)
    Submission.objects.filter(pk=waiting[0].pk).update(status=Submission.Status.APPROVED)
    assert client.get(reverse("core:home")).context["waiting_count"] == _queue_count(client) == 3


def test_a_learner_has_no_review_count(client_for, learner, waiting):
    home = client_for(learner).get(reverse("core:home"))
    assert home.context["waiting_count"] == 0
    assert client_for(learner).get(reverse("workshops:review_queue")).status_code == 403


def test_the_assign_evenly_button_does_not_look_disabled(client_for, instructor, waiting):
    # The instructor is the cohort's first, so its lead, who allocates reviews.
    html = client_for(instructor).get(reverse("workshops:review_queue")).content.decode()
    button = re.search(r'<button[^>]*data-testid="auto-balance"[^>]*>', html)
    assert button is not None
    assert "btn-outline-primary" in button.group(0)
    assert "secondary" not in button.group(0)
    assert "disabled" not in button.group(0)
