"""A version written in the browser (its form sends CRLF line endings) and one stored with LF
differ in nothing a reader sees: the diff between them marks only the words that changed,
never an unchanged paragraph break, on the changes page and on the review page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from workshops import selectors
from workshops.models import Submission

pytestmark = pytest.mark.django_db

OLD = "Haasteeni on matkaketjut.\n\nKylistä on pitkä matka asemalle.\n"
NEW = "Haasteeni on matkaketjut.\r\n\r\nKylistä on pitkä ja hidas matka asemalle.\r\n"


def test_a_line_ending_written_another_way_is_no_change():
    assert selectors.text_diff(OLD, OLD.replace("\n", "\r\n")) == [("same", OLD)]
    assert selectors.text_diff("Eka.\rToka.", "Eka.\nToka.") == [("same", "Eka.\nToka.")]


def test_only_the_words_that_changed_are_marked():
    parts = selectors.text_diff(OLD, NEW)
    changed = [(op, text) for op, text in parts if op != "same"]
    assert changed == [("added", "ja hidas ")]
    assert "".join(text for op, text in parts if op != "removed") == NEW.replace("\r\n", "\n")


@pytest.fixture
def two_versions(learner, cohort, assignment, experiment):
    first = factories.SubmissionFactory(
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        experiment=experiment,
        version=1,
        text=OLD,
        status=Submission.Status.REVISION_REQUESTED,
    )
    factories.ReviewFactory(submission=first, decision="revise")
    second = factories.SubmissionFactory(
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        experiment=experiment,
        version=2,
        text=NEW,
    )
    return first, second


def _diff(html: str) -> str:
    start = html.index('data-testid="diff"')
    return html[start : html.index("</div>", start)]


def test_the_changes_page_marks_no_paragraph_break(client_for, learner, two_versions):
    _, second = two_versions
    html = client_for(learner).get(reverse("workshops:submission_diff", args=[second.pk]))
    diff = _diff(html.content.decode())
    assert "<del" not in diff
    assert diff.count("<ins") == 1
    assert '<ins class="text-success">ja hidas </ins>' in diff


def test_the_review_page_marks_no_paragraph_break(client_for, instructor, two_versions):
    _, second = two_versions
    html = client_for(instructor).get(reverse("workshops:review", args=[second.pk]))
    diff = _diff(html.content.decode())
    assert "<del" not in diff
    assert '<ins class="text-success">ja hidas </ins>' in diff
