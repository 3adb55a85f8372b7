"""The phase page is never kept by the browser (session 14): Back after sending, or after a
team mate sent meanwhile, asks the server for the phase as it is now. A kept copy showed the
old form with "Lähetä versio 2" and words that could no longer be sent (the bfcache side of
this is walked in Chromium in test_s14_reload_back.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.workshops.helpers import signed_in
from workshops.models import Submission

pytestmark = pytest.mark.django_db


def _not_kept(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_phase_page_and_its_refused_form_are_not_kept(learner, assignment, experiment):
    client = signed_in(learner)
    url = reverse("workshops:assignment", args=[assignment.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert _not_kept(page)
    # An empty answer comes back with its error: that page is not kept either.
    refused = client.post(url, {"text": ""})
    assert refused.status_code == 400
    assert _not_kept(refused)
    assert not Submission.objects.exists()
    sent = client.post(url, {"text": "Kyytiä kokeillaan kolmella kylällä."})
    assert sent.status_code == 302
    again = client.get(url)
    assert _not_kept(again)
    assert Submission.objects.filter(experiment=experiment).count() == 1


def test_someone_elses_phase_page_is_still_refused(other_learner, assignment, experiment):
    """Denial: a learner of the cohort without this experiment gets her own start page, never
    Oona's answer."""
    page = signed_in(other_learner).get(reverse("workshops:assignment", args=[assignment.pk]))
    assert "Liityntäkyyti asemalle" not in page.content.decode()
