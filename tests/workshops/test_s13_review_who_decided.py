"""Two instructors of one cohort: the review page of a version a colleague already decided
says who reviewed it, when and how, and links to the review on the version's page, as
Moodle and Canvas name the grader; read with the version, at no query of its own."""

import pytest
from django.urls import reverse

from learners.models import Membership
from tests import factories
from workshops import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(cohort):
    person = factories.UserFactory(first_name="Tuula", last_name="Toinen")
    factories.MembershipFactory(cohort=cohort, user=person, role=Membership.Role.INSTRUCTOR)
    return person


def _decided_by(colleague, submission, decision="revise"):
    services.submission_review(
        submission=submission,
        reviewer=colleague,
        decision=decision,
        feedback="Rajaa kohderyhmä tarkemmin: ketkä kylissä jäävät ilman kyytiä?",
    )


def test_the_page_of_a_decided_version_names_the_colleague_and_links_to_the_review(
    client_for, instructor, colleague, submission, django_assert_num_queries
):
    _decided_by(colleague, submission)
    client = client_for(instructor)
    url = reverse("workshops:review", args=[submission.pk])
    client.get(url)
    # As a waiting version with nothing around it (test_page_cost): the session, the
    # instructor with the navigation (2), the version with its review and reviewer (1).
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    decided = html[html.index('data-testid="review-decided"') :]
    decided = decided[: decided.index("</div>")]
    assert "Tuula Toinen" in decided
    assert "Täydennystä pyydetty" in decided
    link = reverse("workshops:submission_detail", args=[submission.pk]) + "#feedback-heading"
    assert f'href="{link}"' in decided
    # The link leads to the colleague's words.
    page = client.get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert page.status_code == 200
    assert "Rajaa kohderyhmä tarkemmin" in page.content.decode()
    assert 'id="feedback-heading"' in page.content.decode()


def test_an_approval_is_named_as_one(client_for, instructor, colleague, submission):
    _decided_by(colleague, submission, decision="approve")
    response = client_for(instructor).get(reverse("workshops:review", args=[submission.pk]))
    html = response.content.decode()
    decided = html[html.index('data-testid="review-decided"') :]
    decided = decided[: decided.index("</div>")]
    assert "Tuula Toinen" in decided
    assert "Hyväksytty" in decided
    assert 'data-testid="review-form"' not in html


def test_a_review_refused_because_a_colleague_decided_first_names_the_colleague(
    client_for, instructor, colleague, submission
):
    url = reverse("workshops:review", args=[submission.pk])
    mine = client_for(instructor)
    assert mine.get(url).status_code == 200
    _decided_by(colleague, submission)
    response = mine.post(url, {"decision": "approve", "feedback": "Hyvä kuvaus."})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="review-decided"' in html
    assert "Tuula Toinen" in html
    # The words are still there to copy.
    assert "Hyvä kuvaus." in html
