"""A two-town team's week: the autosave's answers that its page may show in the status line.

The draft view marks its own plain refusals (X-Draft-Refusal); the page's script shows only
those words and puts its own sentence (data-msg-gone) for any other answer, such as the 404
page of someone no longer on the team (tests/workshops/test_s12_team_week_browser_draft.py
walks it in Chromium)."""

import pytest
from django.test import Client
from django.urls import reverse

from workshops import services
from workshops.models import ExperimentMember

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_autosaves_own_refusals_are_marked_as_its_plain_words(
    learner, teammate, assignment, cohort, experiment
):
    tiina = signed_in(teammate)
    draft_url = reverse("workshops:draft", args=[assignment.pk])
    assert tiina.post(draft_url, {"text": "Tiinan alku.", "revision": "1"}).status_code == 200

    out_of_date = tiina.post(draft_url, {"text": "x", "revision": "x"})
    assert out_of_date.status_code == 400
    assert out_of_date["X-Draft-Refusal"] == "1"
    assert out_of_date["Content-Type"].startswith("text/plain")

    # Oona sends the team's version: Tiina's next autosave is refused with the view's words.
    services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio.",
        experiment=experiment,
    )
    closed = tiina.post(draft_url, {"text": "Tiinan alku ja jatko.", "revision": "2"})
    assert closed.status_code == 409
    assert closed["X-Draft-Refusal"] == "1"
    assert learner.display_name in closed.content.decode()
    assert "<" not in closed.content.decode()


def test_someone_no_longer_on_the_team_gets_a_404_that_is_not_the_autosaves_words(
    client, learner, teammate, other_learner, assignment, experiment
):
    page = signed_in(teammate).get(reverse("workshops:assignment", args=[assignment.pk]))
    # The page carries its own sentence for that answer.
    assert "data-msg-gone=" in page.content.decode()
    draft_url = reverse("workshops:draft", args=[assignment.pk])

    ExperimentMember.objects.filter(user=teammate).delete()
    gone = signed_in(teammate).post(draft_url, {"text": "Tiinan teksti.", "revision": "1"})
    assert gone.status_code == 404
    assert "X-Draft-Refusal" not in gone
    # A learner of the cohort who was never on the team: the same.
    other = signed_in(other_learner).post(draft_url, {"text": "Ollin teksti.", "revision": "1"})
    assert other.status_code == 404
    assert "X-Draft-Refusal" not in other
