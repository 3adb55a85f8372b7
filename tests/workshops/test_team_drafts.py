"""A team writes one answer: a member's unsent draft never hides the version a team mate sent
after it (sending that draft would have undone the mate's changes)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from workshops import services
from workshops.models import Draft

pytestmark = pytest.mark.django_db


def test_the_form_starts_from_a_team_mates_newer_version_and_offers_the_older_draft(
    client_for, experiment, assignment, cohort, learner, teammate, instructor
):
    services.draft_save(
        experiment=experiment, phase=1, learner=teammate, text="Tiinan vanha luonnos.", revision=3
    )
    Draft.objects.filter(learner=teammate).update(
        updated_at=timezone.now() - datetime.timedelta(hours=2)
    )
    sent = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio: kyyti asemalle kahdesti päivässä.",
        experiment=experiment,
    )
    services.submission_review(
        submission=sent, reviewer=instructor, decision="revise", feedback="Rajaa kohderyhmä."
    )
    url = reverse("workshops:assignment", args=[assignment.pk])
    html = client_for(teammate).get(url).content.decode()
    answer = html.split('data-testid="answer-text"')[1].split("</textarea>")[0]
    assert "Oonan versio: kyyti asemalle kahdesti päivässä." in answer
    assert "Tiinan vanha luonnos." not in answer
    notice = html.split('data-testid="stale-draft"')[1].split("</details>")[0]
    assert learner.display_name in notice
    assert "Tiinan vanha luonnos." in notice
    # The draft waits for the member's own writing; nothing was thrown away.
    assert Draft.objects.get(learner=teammate).text == "Tiinan vanha luonnos."

    # A draft written after the version (answering the revision) is the member's work: shown.
    services.draft_save(
        experiment=experiment, phase=1, learner=teammate, text="Tiina rajaa: nuoret.", revision=4
    )
    html = client_for(teammate).get(url).content.decode()
    answer = html.split('data-testid="answer-text"')[1].split("</textarea>")[0]
    assert "Tiina rajaa: nuoret." in answer
    assert 'data-testid="stale-draft"' not in html


def test_a_member_still_writing_when_a_team_mate_sends_is_told_who_and_keeps_the_words(
    client_for, experiment, assignment, cohort, learner, teammate
):
    """Both had the form open; Oona sends. Tiina's next autosave and her own send are refused
    (one version waits for review) with Oona named, not "you sent this", and the send's
    refusal shows Tiina's words to copy."""
    client = client_for(teammate)
    draft_url = reverse("workshops:draft", args=[assignment.pk])
    assert client.post(draft_url, {"text": "Tiinan alku.", "revision": "1"}).status_code == 200
    services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio.",
        experiment=experiment,
    )
    autosave = client.post(draft_url, {"text": "Tiinan alku ja jatko.", "revision": "2"})
    assert autosave.status_code == 409
    said = autosave.content.decode()
    assert learner.display_name in said
    assert "lähettämässäsi" not in said  # not "your text is in the version you sent"

    url = reverse("workshops:assignment", args=[assignment.pk])
    refused = client.post(url, {"text": "Tiinan alku ja jatko, valmis."})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert learner.display_name in html
    assert 'data-testid="kept-text"' in html
    assert "Tiinan alku ja jatko, valmis." in html
