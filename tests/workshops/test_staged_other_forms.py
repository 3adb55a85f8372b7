"""The two other attachment forms take files sent ahead of them too (core/staged_fields.py):
a learner adding a file to the version waiting for review, an instructor attaching one to
their feedback. Each takes only its own sender's files."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from core.models import StagedUpload
from core.staged_fields import staged_name
from tests.pdfs import pdf_bytes
from workshops.models import ReviewFile, SubmissionFile

pytestmark = pytest.mark.django_db


def _stage(client, name: str) -> str:
    response = client.post(
        "/uploads/",
        data=pdf_bytes(1),
        content_type="application/pdf",
        headers={"X-File-Name": quote(name)},
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


def test_a_learner_adds_a_staged_file_to_the_version_waiting_for_review(
    client_for, learner, submission
):
    client = client_for(learner)
    page = client.get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert 'data-testid="add-files-form"' in page.content.decode()
    assert "staged-uploads.js" in page.content.decode()

    token = _stage(client, "budjetti.pdf")
    response = client.post(
        reverse("workshops:submission_detail", args=[submission.pk]),
        {staged_name("attachments"): token},
    )
    assert response.status_code == 302
    assert [f.original_name for f in SubmissionFile.objects.filter(submission=submission)] == [
        "budjetti.pdf"
    ]
    assert not StagedUpload.objects.filter(token=token).exists()


def test_an_instructor_attaches_a_staged_file_to_the_feedback_but_not_someone_elses(
    client_for, instructor, learner, submission
):
    # The learner's file, sent ahead of their own form, is not the instructor's to attach.
    learners_token = _stage(client_for(learner), "oonan.pdf")
    client = client_for(instructor)
    url = reverse("workshops:review_file_add", args=[submission.pk])
    refused = client.post(url, {staged_name("attachments"): learners_token})
    assert refused.status_code == 400
    assert not ReviewFile.objects.exists()
    assert StagedUpload.objects.filter(token=learners_token).exists()

    token = _stage(client, "kommentit.pdf")
    response = client.post(url, {staged_name("attachments"): token})
    assert response.status_code == 302
    assert [f.original_name for f in ReviewFile.objects.filter(submission=submission)] == [
        "kommentit.pdf"
    ]
    assert not StagedUpload.objects.filter(token=token).exists()
