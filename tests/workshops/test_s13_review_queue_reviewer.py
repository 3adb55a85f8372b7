"""The review queue's "Recently reviewed" says who reviewed each version, so that one of two
instructors of a cohort sees at once which reviews were the colleague's; read with the list,
at no query of its own."""

import pytest
from django.urls import reverse

from learners.models import Membership
from tests import factories
from workshops import services

pytestmark = pytest.mark.django_db


def _reviewed_list(html):
    part = html[html.index('<ul class="list-group">') :]
    return part[: part.index("</ul>")]


def test_recently_reviewed_names_the_reviewer_of_each_version(
    client_for,
    instructor,
    learner,
    other_learner,
    cohort,
    assignment,
    django_assert_num_queries,
):
    instructor.first_name, instructor.last_name = "Olli", "Ohjaaja"
    instructor.save()
    colleague = factories.UserFactory(first_name="Tuula", last_name="Toinen")
    factories.MembershipFactory(cohort=cohort, user=colleague, role=Membership.Role.INSTRUCTOR)
    theirs = factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)
    mine = factories.SubmissionFactory(learner=other_learner, cohort=cohort, assignment=assignment)
    services.submission_review(
        submission=theirs, reviewer=colleague, decision="revise", feedback="Rajaa."
    )
    services.submission_review(
        submission=mine, reviewer=instructor, decision="approve", feedback="Hyvä."
    )
    client = client_for(instructor)
    url = reverse("workshops:review_queue")
    client.get(url)
    # The session and the instructor (2), the cohorts (1), the counts per state (1: nothing
    # waits, so no page of versions), recently reviewed with each reviewer (1), the workshops
    # the lead may set marking for (1); the organisations were kept by the first visit.
    with django_assert_num_queries(6):
        response = client.get(url)
    items = _reviewed_list(response.content.decode()).split("<li")[1:]
    assert len(items) == 2
    by_learner = {
        ("Oona" if "Oona" in item else "Olli"): item[item.index('data-testid="reviewed-by"') :]
        for item in items
    }
    assert "Tuula Toinen" in by_learner["Oona"]
    assert "Olli Ohjaaja" in by_learner["Olli"]
