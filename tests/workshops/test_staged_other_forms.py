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


def test_a_second_click_that_finds_the_file_taken_is_no_storage_failure(
    client_for, learner, submission, caplog
):
    """Two sends of the add-files form raced: the first took the staged file. The second is
    told so (and shown the version, whose list has the file), not "your files could not be
    stored" with a 503 and an error logged for the operators as a full disk."""
    from core.staged_uploads import StagedUploadedFile
    from workshops import services

    client = client_for(learner)
    token = _stage(client, "budjetti.pdf")
    read_by_the_second_send = StagedUploadedFile(StagedUpload.objects.get(token=token))
    url = reverse("workshops:submission_detail", args=[submission.pk])
    assert client.post(url, {staged_name("attachments"): token}).status_code == 302
    with pytest.raises(services.UploadAlreadyUsed):
        services.submission_add_files(
            submission=submission, learner=learner, uploads=[read_by_the_second_send]
        )
    assert SubmissionFile.objects.filter(submission=submission).count() == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_the_page_answers_a_second_click_with_the_version_and_a_note(
    client_for, learner, submission, monkeypatch
):
    from workshops import services

    def taken(**kwargs):
        raise services.UploadAlreadyUsed("Tämä tiedosto lähetettiin jo tästä lomakkeesta.")

    monkeypatch.setattr(services, "submission_add_files", taken)
    client = client_for(learner)
    token = _stage(client, "budjetti.pdf")
    url = reverse("workshops:submission_detail", args=[submission.pk])
    response = client.post(url, {staged_name("attachments"): token}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "Tämä tiedosto lähetettiin jo tästä lomakkeesta." in response.content.decode()


def test_a_refused_add_files_form_comes_back_open_with_its_reason(client_for, learner, submission):
    """The form lives in a closed <details>: a refusal left the page looking unchanged."""
    url = reverse("workshops:submission_detail", args=[submission.pk])
    response = client_for(learner).post(url, {})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="add-files" open' in html
    assert "alert-danger" in html.split('data-testid="add-files"')[1].split("</details>")[0]
    page = client_for(learner).get(url).content.decode()
    assert 'data-testid="add-files">' in page  # closed until needed
