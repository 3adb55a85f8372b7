"""The review queue's side lists read a page of rows, not every version of the cohorts (#13):
what they show must stay what the instructor expects."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from learners.models import Membership
from tests import factories
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db


def _reviewed(cohort, assignment, reviewer, *, minutes_ago: int, status=Submission.Status.APPROVED):
    submission = factories.SubmissionFactory(cohort=cohort, assignment=assignment, status=status)
    review = factories.ReviewFactory(submission=submission, reviewer=reviewer)
    # auto_now_add: the review's time is set after the row exists.
    Review.objects.filter(pk=review.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return submission


def test_recently_reviewed_lists_the_ten_newest_reviews_of_the_instructors_cohorts_only(
    client, cohort, other_cohort, assignment, instructor, other_instructor
):
    mine = [
        _reviewed(cohort, assignment, instructor, minutes_ago=m)
        for m in (50, 5, 30, 1, 12, 40, 3, 20, 8, 60, 25, 15)
    ]
    # A version sent back counts; one still waiting does not, whatever its review row says.
    sent_back = _reviewed(
        cohort, assignment, instructor, minutes_ago=2, status=Submission.Status.REVISION_REQUESTED
    )
    waiting = _reviewed(cohort, assignment, instructor, minutes_ago=0)
    Submission.objects.filter(pk=waiting.pk).update(status=Submission.Status.RECEIVED)
    # Another cohort's newest review is not this instructor's to see.
    theirs = _reviewed(other_cohort, assignment, other_instructor, minutes_ago=0)

    client.force_login(instructor)
    response = client.get(reverse("workshops:review_queue"))

    shown = [s.pk for s in response.context["reviewed"]]
    by_age = sorted(
        Review.objects.filter(submission__in=[*mine, sent_back]), key=lambda r: r.created_at
    )[::-1]
    assert shown == [r.submission_id for r in by_age[:10]]
    assert sent_back.pk in shown
    assert waiting.pk not in shown
    assert theirs.pk not in shown


def test_the_municipality_filter_offers_a_new_cohorts_municipalities_at_once(
    client, cohort, other_cohort, assignment, instructor
):
    kotka = factories.OrganisationFactory(name="Kotka")
    hamina = factories.OrganisationFactory(name="Hamina")
    factories.MembershipFactory(
        cohort=cohort, role=Membership.Role.LEARNER, user__organisation=kotka
    )
    factories.MembershipFactory(
        cohort=other_cohort, role=Membership.Role.LEARNER, user__organisation=hamina
    )
    cache.clear()
    client.force_login(instructor)
    url = reverse("workshops:review_queue")

    offered = [o.name for o in client.get(url).context["options"]["organisations"]]
    assert "Kotka" in offered
    assert "Hamina" not in offered

    # Made an instructor of the other cohort too: its municipality is offered on the next
    # page load, not ten minutes later (the cached list is keyed by the cohorts).
    factories.MembershipFactory(
        cohort=other_cohort, user=instructor, role=Membership.Role.INSTRUCTOR
    )
    offered = [o.name for o in client.get(url).context["options"]["organisations"]]
    assert "Kotka" in offered
    assert "Hamina" in offered
    page = client.get(url, {"organisation": hamina.pk}).content.decode()
    assert f'value="{hamina.pk}" selected' in page
