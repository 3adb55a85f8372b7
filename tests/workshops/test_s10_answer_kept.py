"""What the answer page tells its scripts so that no words or files are lost
(static/js/workshops-draft.js, static/js/staged-uploads.js): an autosave from someone signed
out is refused with a 403 rather than answered with the sign-in page, a form sent back lists
its own staged files, and a file kept in the browser but gone from the server is refused with
a message."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from core.models import StagedUpload
from core.staged_fields import staged_name
from tests.pdfs import pdf_bytes
from workshops import services
from workshops.models import Draft, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_english(learner):
    """Messages asserted by their English source."""
    learner.language = "en"
    learner.save(update_fields=["language"])


def _stage(client, name: str = "kysely.pdf") -> str:
    response = client.post(
        "/uploads/",
        data=pdf_bytes(1),
        content_type="application/pdf",
        headers={"X-File-Name": quote(name)},
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"HX-Request": "true"}, {"X-Requested-With": "XMLHttpRequest"}],
    ids=["fetch", "htmx", "xhr"],
)
def test_an_autosave_from_someone_signed_out_is_a_403_and_never_the_sign_in_page(
    client, learner, assignment, experiment, headers
):
    client.force_login(learner)
    client.logout()  # signed out in another tab, or the session expired
    response = client.post(
        reverse("workshops:draft", args=[assignment.pk]),
        {"text": "Uloskirjautumisen jälkeen kirjoitettu", "revision": "3"},
        headers=headers,
    )
    assert response.status_code == 403
    assert "Location" not in response
    assert response["X-Draft-Signed-Out"] == "1"
    # A short message, not a page (the script shows its own, which says the text is kept).
    body = response.content.decode()
    assert body
    assert "<form" not in body
    assert not Draft.objects.exists()


def test_the_signed_out_message_says_to_sign_in_again(client, learner, assignment, experiment):
    client.force_login(learner)
    client.logout()
    # The site speaks Finnish first (the browser's Accept-Language is not read) or the language
    # chosen with the chooser's cookie.
    url = reverse("workshops:draft", args=[assignment.pk])
    response = client.post(url, {"text": "x"})
    assert response.status_code == 403
    assert "Kirjaudu uudelleen" in response.content.decode()
    client.cookies["alueagentti_language"] = "en"
    assert "Sign in again" in client.post(url, {"text": "x"}).content.decode()


def test_a_signed_in_learner_still_saves_and_an_outsider_still_gets_a_404(
    client_for, learner, outsider_learner, assignment, experiment
):
    url = reverse("workshops:draft", args=[assignment.pk])
    response = client_for(learner).post(url, {"text": "Luonnos", "revision": "1"})
    assert response.status_code == 200
    assert response["X-Draft-Revision"] == "1"
    assert client_for(outsider_learner).post(url, {"text": "x"}).status_code == 404


def test_the_draft_status_names_the_newest_version_and_has_the_signed_out_message(
    client_for, learner, instructor, assignment, experiment
):
    client = client_for(learner)
    url = reverse("workshops:assignment", args=[assignment.pk])
    html = client.get(url).content.decode()
    assert 'data-last-version=""' in html
    assert "data-msg-signed-out=" in html
    first = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=experiment.cohort,
        experiment=experiment,
        text="Ensimmäinen versio",
    )
    services.submission_review(
        submission=first, reviewer=instructor, decision="revise", feedback="Tarkenna."
    )
    html = client.get(url).content.decode()
    assert f'data-last-version="{first.pk}"' in html


def test_only_a_form_sent_back_marks_its_staged_list_as_its_own(
    client_for, learner, assignment, experiment
):
    client = client_for(learner)
    url = reverse("workshops:assignment", args=[assignment.pk])
    shown = client.get(url).content.decode()
    assert "data-staged-uploads" in shown
    assert "data-staged-bound" not in shown
    token = _stage(client)
    sent_back = client.post(url, {"text": "", staged_name("attachments"): token})
    assert sent_back.status_code == 400
    page = sent_back.content.decode()
    assert "data-staged-bound" in page
    assert "data-staged-size" in page


def test_a_kept_token_gone_from_the_server_is_refused_with_a_message(
    client_for, learner, assignment, experiment, in_english
):
    """A reload lists the files kept in the browser; one used or expired since is named."""
    client = client_for(learner)
    token = _stage(client)
    StagedUpload.objects.filter(token=token).delete()  # expired: the sweeper took it
    response = client.post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Vastaus liitteineen", staged_name("attachments"): token},
    )
    assert response.status_code == 400
    assert "A file you added earlier is no longer available" in response.content.decode()
    # The words come back with the form; nothing was sent.
    assert "Vastaus liitteineen" in response.content.decode()
    assert not Submission.objects.exists()
    # The list is the form's own (the browser's copy of the gone file is not listed again).
    assert "data-staged-bound" in response.content.decode()
    assert token not in response.content.decode()
