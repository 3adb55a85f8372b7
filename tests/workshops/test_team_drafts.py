"""A team writes one answer: a member's unsent draft never hides the version a team mate sent
after it (sending that draft would have undone the mate's changes)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.workshops.helpers import sent_back
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
    sent_back(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio: kyyti asemalle kahdesti päivässä.",
        experiment=experiment,
        reviewer=instructor,
        feedback="Rajaa kohderyhmä.",
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


def based_on(html):
    return int(html.split('name="based_on" value="')[1].split('"')[0])


def test_a_text_from_a_page_opened_before_a_mates_version_is_not_sent_over_it(
    client_for, experiment, assignment, cohort, learner, teammate, instructor
):
    """The week's sequence the tester walked: Tiina's tab stays open on version 1's revision;
    Oona sends version 2 with her new sentences and the instructor asks for another revision;
    Tiina sends from her old tab. Her text (version 1 plus her edits) would have dropped
    Oona's sentences: it is refused with Oona named, and her words are shown to copy."""
    sent_back(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Versio 1.",
        experiment=experiment,
        reviewer=instructor,
        feedback="Lisää nykytila.",
    )
    url = reverse("workshops:assignment", args=[assignment.pk])
    tiina, oona = client_for(teammate), client_for(learner)
    old_page = tiina.get(url).content.decode()
    assert based_on(old_page) == 1
    sent = oona.post(url, {"text": "Versio 1. Oona lisää: nykytila.", "based_on": "1"})
    assert sent.status_code == 302
    second = experiment.submissions.get(version=2)
    services.submission_review(
        submission=second, reviewer=instructor, decision="revise", feedback="Vielä kohderyhmä."
    )

    refused = tiina.post(url, {"text": "Versio 1. Tiina lisää: nuoret.", "based_on": "1"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert learner.display_name in html
    assert "Versio 1. Tiina lisää: nuoret." in html.split('data-testid="kept-text"')[1]
    assert experiment.submissions.count() == 2  # nothing was sent over Oona's version
    # Opened again, the page starts from Oona's version and sends as version 3.
    fresh = tiina.get(url).content.decode()
    assert based_on(fresh) == 2
    assert "Oona lisää: nykytila." in fresh.split('data-testid="answer-text"')[1]
    again = tiina.post(url, {"text": "Versio 2 ja Tiinan nuoret.", "based_on": "2"})
    assert again.status_code == 302
    assert experiment.submissions.get(version=3).text == "Versio 2 ja Tiinan nuoret."


def test_the_same_person_sending_from_an_older_window_is_told_so(
    client_for, experiment, assignment, cohort, learner, instructor
):
    sent_back(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Ensimmäinen.",
        experiment=experiment,
        reviewer=instructor,
        feedback="Tarkenna.",
    )
    services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Toinen ikkuna.",
        experiment=experiment,
        based_on=1,
    )
    services.submission_review(
        submission=experiment.submissions.get(version=2),
        reviewer=instructor,
        decision="revise",
        feedback="Vielä.",
    )
    with pytest.raises(services.VersionSentMeanwhile) as refused:
        services.submission_submit(
            learner=learner,
            assignment=assignment,
            cohort=cohort,
            text="Vanha ikkuna.",
            experiment=experiment,
            based_on=1,
        )
    assert (
        "another window" in refused.value.message or "toisessa ikkunassa" in refused.value.message
    )
    assert refused.value.newest.version == 2
    # A form from before this check (no base) is sent as before.
    services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Ilman pohjaa.",
        experiment=experiment,
    )
    assert experiment.submissions.count() == 3
