"""The coordinator's timeline of a learner says what a review made of a version ("Olli
Ohjaaja: Hyväksytty – …"), not the instructor's button ("Hyväksy"), as the learner's feedback
does."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(cohort, learner, assignment):
    """Oona's version 1 sent back for a revision and her version 2 approved."""
    reviewer = factories.UserFactory(first_name="Olli", last_name="Ohjaaja")
    factories.MembershipFactory(cohort=cohort, user=reviewer, role="instructor")
    for version, status, decision in (
        (1, Submission.Status.REVISION_REQUESTED, Review.Decision.REVISE),
        (2, Submission.Status.APPROVED, Review.Decision.APPROVE),
    ):
        submission = factories.SubmissionFactory(
            learner=learner, cohort=cohort, assignment=assignment, version=version, status=status
        )
        factories.ReviewFactory(submission=submission, reviewer=reviewer, decision=decision)
    return assignment


def _reviews(html: str) -> list[str]:
    found = re.findall(r'data-kind="review">\s*<span>(?:<a [^>]*>)?([^<]*)', html)
    return [" ".join(text.split()) for text in found]


@pytest.mark.parametrize(
    ("language", "approved", "sent_back"),
    [
        ("fi", "Hyväksytty", "Täydennystä pyydetty"),
        ("sv", "Godkänd", "Komplettering begärd"),
        ("en", "Approved", "Revision requested"),
    ],
)
def test_the_timeline_says_what_each_review_made_of_the_version(
    client_for, coordinator, cohort, learner, decided, language, approved, sent_back
):
    coordinator.language = language
    coordinator.save()
    html = client_for(coordinator).get(reverse("learners:timeline", args=[cohort.pk, learner.pk]))

    reviews = _reviews(html.content.decode())
    title = decided.title
    assert sorted(reviews) == sorted(
        [f"Olli Ohjaaja: {approved} – {title}", f"Olli Ohjaaja: {sent_back} – {title}"]
    )
