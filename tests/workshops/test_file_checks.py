"""The attachment check judges a file by its content, and processing it twice changes nothing."""

import dataclasses
import io
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import translation
from pypdf import PdfWriter

from notifications.models import Notification
from tests import factories
from tests.pdfs import corrupted_pdf, executable_named_pdf, pdf_bytes
from workshops.checks import check_pdf
from workshops.models import Submission, SubmissionFile
from workshops.tasks import submission_process


def check(data: bytes, size: int | None = None):
    # The verdict holds the refusal's code; its words are read in English (the msgids), so
    # the assertions do not depend on the translations.
    verdict = check_pdf(io.BytesIO(data), len(data) if size is None else size)
    with translation.override("en"):
        return SimpleNamespace(**dataclasses.asdict(verdict), reason=verdict.reason)


def encrypted_pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="salainen", owner_password="salainen")  # noqa: S106
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_it_accepts_a_good_pdf_and_counts_its_pages():
    verdict = check(pdf_bytes(pages=4))
    assert verdict.accepted
    assert verdict.page_count == 4
    assert verdict.content_type == "application/pdf"
    assert verdict.reason == ""


def test_it_refuses_a_pdf_with_anything_before_the_header():
    # Readers tolerate junk before %PDF-, which is what lets an HTML page pass as a PDF (#12).
    verdict = check(b"\r\n" + pdf_bytes(pages=1))
    assert not verdict.accepted


def test_it_rejects_an_empty_file():
    verdict = check(b"")
    assert not verdict.accepted
    assert verdict.reason == "The file is empty."
    assert verdict.page_count is None


def test_it_rejects_an_executable_renamed_to_pdf():
    verdict = check(executable_named_pdf().read())
    assert not verdict.accepted
    assert "not a PDF" in verdict.reason


def test_it_rejects_a_corrupted_pdf():
    verdict = check(corrupted_pdf().read())
    assert not verdict.accepted
    assert "damaged" in verdict.reason


def test_it_rejects_a_truncated_pdf():
    data = pdf_bytes(pages=2)
    verdict = check(data[: len(data) // 3])
    assert not verdict.accepted
    assert verdict.reason


def test_it_rejects_a_password_protected_pdf():
    verdict = check(encrypted_pdf_bytes())
    assert not verdict.accepted
    assert "password-protected" in verdict.reason


def test_it_rejects_a_file_over_the_size_limit(settings):
    settings.SUBMISSION_MAX_FILE_MB = 1
    data = pdf_bytes()
    limit = 1024 * 1024
    assert check(data, size=limit).accepted
    verdict = check(data, size=limit + 1)
    assert not verdict.accepted
    assert "largest allowed is 1.0" in verdict.reason


def test_the_size_limit_follows_the_setting(settings):
    settings.SUBMISSION_MAX_FILE_MB = 0
    verdict = check(pdf_bytes())
    assert not verdict.accepted
    assert "largest allowed" in verdict.reason


def test_the_reason_is_written_in_the_active_language():
    with translation.override("fi"):
        verdict = check_pdf(io.BytesIO(b""), 0)
    assert verdict.reason != "The file is empty."
    assert verdict.reason


# --- the processing task ---------------------------------------------------------------------


@pytest.fixture
def processing(db, learner, cohort, assignment):
    def make(content: bytes) -> Submission:
        submission = factories.SubmissionFactory(
            learner=learner,
            cohort=cohort,
            assignment=assignment,
            status=Submission.Status.PROCESSING,
        )
        factories.SubmissionFileFactory(
            submission=submission,
            file=ContentFile(content, name="haaste.pdf"),
            original_name="haaste.pdf",
            size=0,
            status=SubmissionFile.Status.PENDING,
        )
        return submission

    return make


def snapshot(submission):
    submission.refresh_from_db()
    attachment = submission.files.get()
    return (
        submission.status,
        [f.original_name for f in submission.files.filter(status=SubmissionFile.Status.REJECTED)],
        submission.processed_at,
        attachment.status,
        (attachment.reason_code, attachment.shown_reason),
        attachment.page_count,
        attachment.size,
    )


def test_processing_a_rejected_file_twice_gives_the_same_result_and_one_email(
    processing, learner, django_capture_on_commit_callbacks
):
    submission = processing(executable_named_pdf().read())

    with django_capture_on_commit_callbacks(execute=True):
        first_result = submission_process(submission.pk)
    first = snapshot(submission)
    with django_capture_on_commit_callbacks(execute=True):
        second_result = submission_process(submission.pk)
    second = snapshot(submission)

    # The file is rejected; the text still goes to review.
    assert first_result == second_result == Submission.Status.RECEIVED
    assert first == second
    assert first[3] == SubmissionFile.Status.REJECTED
    assert "haaste.pdf" in first[1]
    assert Notification.objects.filter(recipient=learner).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.email]


def test_processing_a_good_file_twice_receives_it_once_and_sends_nothing(
    processing, django_capture_on_commit_callbacks
):
    submission = processing(pdf_bytes(pages=3))

    with django_capture_on_commit_callbacks(execute=True):
        assert submission_process(submission.pk) == Submission.Status.RECEIVED
        first = snapshot(submission)
        assert submission_process(submission.pk) == Submission.Status.RECEIVED
    assert snapshot(submission) == first
    assert first[3] == SubmissionFile.Status.ACCEPTED
    assert first[5] == 3
    assert first[6] > 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_processing_a_submission_that_no_longer_exists_does_nothing(db):
    assert submission_process(999_999) is None
