"""The review's draft line says when it was saved once, in the page's format (#11 item 19):
not "klo 6.12.2026 7.06" (a "klo" in the sentence before a date that carries its own)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from workshops.models import ReviewDraft

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_review_page_says_who_saved_the_draft_and_when(
    client_for, instructor, submission, rubric, language
):
    client = client_for(instructor)
    response = client.post(
        reverse("workshops:review_draft", args=[submission.pk]),
        {"draft_version": "0", "strengths": "Selkeä kuvaus.", "decision": "revise"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    instructor.language = language
    instructor.save(update_fields=["language"])
    draft = ReviewDraft.objects.get(submission=submission)
    saved = timezone.localtime(draft.updated_at)
    html = client.get(reverse("workshops:review", args=[submission.pk])).content.decode()
    line = re.search(r'id="review-draft-status"[^>]*>(.*?)</p>', html, re.S).group(1)
    if language == "fi":
        when = f"{saved.day}.{saved.month}.{saved.year} klo {saved.hour}.{saved.minute:02d}"
        assert when in line
        assert line.count("klo") == 1, line
    else:
        with translation.override("en"):
            when = saved.strftime("%-d %b %Y, %H:%M")
        assert f"Draft saved by {instructor.display_name} on {when}" in line
