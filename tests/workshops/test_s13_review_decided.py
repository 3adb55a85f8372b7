"""Two instructors of one cohort review the same waiting version: the one who sends second is
told that a colleague already decided it (409), with their own words still on the page to copy,
instead of form errors about levels and fields the page no longer offers."""

import pytest
from django.urls import reverse

from learners.models import Membership
from tests import factories
from workshops import services
from workshops.models import Submission

pytestmark = pytest.mark.django_db


def test_the_second_instructor_is_told_the_version_was_already_decided(
    client_for, instructor, cohort, submission, rubric
):
    colleague = factories.UserFactory(first_name="Tuula", last_name="Toinen")
    factories.MembershipFactory(cohort=cohort, user=colleague, role=Membership.Role.INSTRUCTOR)
    url = reverse("workshops:review", args=[submission.pk])
    mine = client_for(instructor)
    assert mine.get(url).status_code == 200
    # The colleague sends the version back while this page is open.
    services.submission_review(
        submission=submission,
        reviewer=colleague,
        decision="revise",
        feedback="Rajaa kohderyhmä tarkemmin.",
        levels={c.pk: c.levels.all()[0].pk for c in rubric},
    )
    # This page's review is half done: words written, no levels or decision chosen yet.
    response = mine.post(url, {"feedback": "Hyvä kuvaus liityntäpysäköinnin tarpeesta."})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Tämä palautus on jo arvioitu" in html or "already been reviewed" in html
    # Not the form's complaints about a page it no longer offers.
    assert "Tämä kenttä vaaditaan" not in html
    assert "Valitse taso" not in html
    # The words are still there to copy.
    assert "Hyvä kuvaus liityntäpysäköinnin tarpeesta." in html
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REVISION_REQUESTED
    # The colleague's review stands.
    assert submission.review.reviewer == colleague
    assert submission.review.decision == "revise"
