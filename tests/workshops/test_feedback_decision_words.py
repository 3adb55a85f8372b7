"""The learner reads what became of their version ("Hyväksytty", "Täydennystä pyydetty"), not
the button the instructor pressed ("Hyväksy", "Pyydä täydentämään"), in the feedback's
header."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(cohort):
    person = factories.UserFactory(first_name="Olli", last_name="Ohjaaja")
    factories.MembershipFactory(cohort=cohort, user=person, role="instructor")
    return person


def _decided(learner, cohort, assignment, experiment, reviewer, decision):
    status = (
        Submission.Status.APPROVED
        if decision == Review.Decision.APPROVE
        else Submission.Status.REVISION_REQUESTED
    )
    version = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, experiment=experiment, status=status
    )
    factories.ReviewFactory(
        submission=version, reviewer=reviewer, decision=decision, feedback="Hyvä."
    )
    return version


def _header(html: str) -> str:
    start = html.index('data-testid="feedback-card"')
    return html[html.index("<strong>", start) : html.index("</p>", start)]


@pytest.mark.parametrize(
    ("decision", "language", "shown", "button"),
    [
        ("approve", "fi", "Hyväksytty", "Hyväksy"),
        ("revise", "fi", "Täydennystä pyydetty", "Pyydä täydentämään"),
        ("approve", "sv", "Godkänd", "Godkänn"),
        ("revise", "sv", "Komplettering begärd", "Begär komplettering"),
        ("approve", "en", "Approved", "Approve"),
        ("revise", "en", "Revision requested", "Request a revision"),
    ],
)
def test_the_feedback_says_what_became_of_the_version(
    client_for,
    learner,
    cohort,
    assignment,
    experiment,
    reviewer,
    decision,
    language,
    shown,
    button,
):
    learner.language = language
    learner.save()
    version = _decided(learner, cohort, assignment, experiment, reviewer, decision)

    html = client_for(learner).get(reverse("workshops:submission_detail", args=[version.pk]))

    header = _header(html.content.decode())
    assert header.startswith(f"<strong>{shown}</strong> · Olli Ohjaaja · ")
    assert f"<strong>{button}</strong>" not in header
