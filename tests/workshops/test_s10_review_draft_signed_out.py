"""An instructor's review autosave after the session ended (signed out in another tab, or
expired) answers 403 saying so, never the sign-in page: htmx showed that page in the status
line as if the review were saved. A learner, or an instructor of another cohort, is still
refused as before, and a signed-in instructor still saves."""

import pytest
from django.urls import reverse

from workshops.models import ReviewDraft

pytestmark = pytest.mark.django_db


def test_a_signed_out_review_autosave_is_refused_without_a_redirect(
    client, client_for, instructor, other_instructor, learner, submission, rubric
):
    url = reverse("workshops:review_draft", args=[submission.pk])
    data = {"draft_version": "0", "strengths": "Selkeä kuvaus.", "decision": "revise"}
    signed_out = client.post(url, data, HTTP_HX_REQUEST="true")
    assert signed_out.status_code == 403
    assert "Location" not in signed_out
    assert signed_out["X-Draft-Signed-Out"] == "1"
    assert "Kirjaudu uudelleen" in signed_out.content.decode()
    assert not ReviewDraft.objects.exists()
    assert client_for(learner).post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    assert client_for(other_instructor).post(url, data, HTTP_HX_REQUEST="true").status_code in (
        403,
        404,
    )
    assert not ReviewDraft.objects.exists()
    saved = client_for(instructor).post(url, data, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert ReviewDraft.objects.get(submission=submission).strengths == "Selkeä kuvaus."
