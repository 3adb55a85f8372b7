import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from tests.pdfs import corrupted_pdf, executable_named_pdf, pdf_upload
from workshops.models import Submission, SubmissionFile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _experiment(experiment):
    return experiment


def submit(client, assignment, text="Haasteeni on matkaketjut.", attachment=None):
    data = {"text": text}
    if attachment is not None:
        data["attachments"] = attachment
    return client.post(reverse("workshops:assignment", args=[assignment.pk]), data)


def test_a_submission_is_saved_as_processing_and_checked_after_commit(
    client_for, learner, assignment, django_capture_on_commit_callbacks
):
    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = submit(client, assignment, attachment=pdf_upload(pages=3))
    submission = Submission.objects.get(learner=learner)
    assert response.status_code == 302
    assert submission.status == Submission.Status.PROCESSING
    queued = [c.task.name for c in callbacks if hasattr(c, "task")]
    assert queued.count("workshops.tasks.submission_file_process") == 1

    for callback in callbacks:
        callback()

    submission.refresh_from_db()
    attachment = submission.files.get()
    assert submission.status == Submission.Status.RECEIVED
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    assert attachment.page_count == 3
    assert attachment.size > 0


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (executable_named_pdf, "tyyppistä tiedostoa"),
        (corrupted_pdf, "vioittunut"),
    ],
)
def test_a_file_that_fails_the_check_is_rejected_alone_and_the_text_goes_to_review(
    client_for, learner, assignment, django_capture_on_commit_callbacks, upload, reason
):
    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, assignment, text="Tärkeä teksti", attachment=[upload(), pdf_upload()])
    submission = Submission.objects.get(learner=learner)
    assert submission.status == Submission.Status.RECEIVED
    assert submission.text == "Tärkeä teksti"
    bad, good = submission.files.order_by("pk")
    assert bad.status == SubmissionFile.Status.REJECTED
    assert bad.shown_reason
    assert good.status == SubmissionFile.Status.ACCEPTED
    # The learner hears about it in the app and by email.
    notification = Notification.objects.get(recipient=learner)
    assert notification.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1
    assert bad.original_name in mail.outbox[0].body


def test_an_oversized_file_is_rejected_alone_by_name_and_the_text_is_kept(
    client_for, learner, assignment, settings
):
    # The README's promise: a file that fails is rejected alone, the text is kept.
    settings.SUBMISSION_MAX_FILE_MB = 0
    response = submit(client_for(learner), assignment, attachment=pdf_upload())
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.text
    rejected = submission.files.get()
    assert rejected.status == "rejected"
    assert "suurin sallittu" in rejected.shown_reason
    page = client_for(learner).get(response["Location"]).content.decode()
    assert rejected.original_name in page
    assert "suurin sallittu" in page


def test_an_empty_answer_is_refused_with_a_translated_error(client_for, learner, assignment):
    response = submit(client_for(learner), assignment, text="   ")
    assert response.status_code == 400
    assert "Kirjoita vastauksesi" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_learner_cannot_send_a_second_version_while_the_first_waits_for_review(
    client_for, learner, assignment, django_capture_on_commit_callbacks
):
    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, assignment)
        submit(client, assignment, text="Toinen yritys")
    assert Submission.objects.filter(learner=learner).count() == 1
