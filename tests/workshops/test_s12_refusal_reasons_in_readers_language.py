"""Why a file was refused, in the language of whoever reads it (workshops.checks.reason_text,
CheckedFile.reason_code / reason_params / shown_reason).

The check wrote its reason as text in the uploader's language (often in a worker), so Aino,
who reads Finnish, read Oona's refused attachment explained in Swedish on the review page, in
the admin, everywhere. The reason is now stored as a code with its details and put into words
for each reader; a file refused before the codes keeps showing the words it was stored with.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from learners.models import Membership
from tests import factories
from tests.pdfs import executable_named_pdf, pdf_upload
from workshops.models import ReviewFile, Submission, SubmissionFile

pytestmark = pytest.mark.django_db

# "This type of file is not accepted, whatever its name says. ..."
TYPE_FI = "Tämäntyyppistä tiedostoa ei hyväksytä"
TYPE_SV = "Den här filtypen godkänns inte"
TYPE_EN = "This type of file is not accepted, whatever its name says."
# "The file is %(size)s; the largest allowed is %(limit)s."
SIZE_FI = "suurin sallittu koko on"
SIZE_SV = "den största tillåtna storleken är"


def signed_in(user) -> Client:
    """A browser of its own for each person."""
    client = Client()
    client.force_login(user)
    return client


def reads(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def oona(learner, experiment):
    """The learner, who reads Swedish, with her experiment started."""
    return reads(learner, "sv")


def send(oona, assignment, upload, capture) -> Submission:
    with capture(execute=True):
        response = signed_in(oona).post(
            reverse("workshops:assignment", args=[assignment.pk]),
            {"text": "Haasteeni on matkaketjut.", "attachments": upload},
        )
    assert response.status_code == 302
    return Submission.objects.get(learner=oona)


def page(user, name: str, submission: Submission) -> str:
    response = signed_in(user).get(reverse(name, args=[submission.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_file_refused_by_the_check_reads_in_each_readers_language(
    oona, instructor, coordinator, superuser, assignment, django_capture_on_commit_callbacks
):
    submission = send(oona, assignment, executable_named_pdf(), django_capture_on_commit_callbacks)
    refused = submission.files.get()
    assert refused.status == SubmissionFile.Status.REJECTED
    # A file refused before reasons had codes: its words as they were stored.
    factories.SubmissionFileFactory(
        submission=submission,
        file="",
        original_name="vanha.pdf",
        status=SubmissionFile.Status.REJECTED,
        reason="Vanha syy sellaisenaan.",
    )

    # Oona reads Swedish: her page and her email.
    own = page(oona, "workshops:submission_detail", submission)
    assert TYPE_SV in own
    assert TYPE_FI not in own
    assert "Vanha syy sellaisenaan." in own
    assert len(mail.outbox) == 1
    assert TYPE_SV in mail.outbox[0].body

    # Aino reads Finnish: the review page and the version page.
    for name in ("workshops:review", "workshops:submission_detail"):
        shown = page(instructor, name, submission)
        assert TYPE_FI in shown, name
        assert TYPE_SV not in shown, name
        assert "Vanha syy sellaisenaan." in shown, name

    # The coordinator reads English.
    shown = page(reads(coordinator, "en"), "workshops:submission_detail", submission)
    assert TYPE_EN in shown
    assert TYPE_SV not in shown

    # The admin, in Finnish.
    admin_page = signed_in(superuser).get(
        reverse("admin:workshops_submission_change", args=[submission.pk])
    )
    assert admin_page.status_code == 200
    assert TYPE_FI in admin_page.content.decode()
    assert TYPE_SV not in admin_page.content.decode()


def test_a_file_refused_on_arrival_gives_its_size_and_limit_in_each_readers_language(
    oona, instructor, assignment, settings, django_capture_on_commit_callbacks
):
    settings.SUBMISSION_MAX_FILE_MB = 0
    submission = send(oona, assignment, pdf_upload(), django_capture_on_commit_callbacks)
    refused = submission.files.get()
    assert refused.status == SubmissionFile.Status.REJECTED

    assert SIZE_SV in page(oona, "workshops:submission_detail", submission)
    shown = page(instructor, "workshops:review", submission)
    assert SIZE_FI in shown
    assert SIZE_SV not in shown
    assert re.search(r"suurin sallittu koko on 0\s+tavua", shown)  # the limit, in Finnish


def test_a_feedback_file_refused_reads_in_the_other_instructors_language(
    instructor, cohort, submission, django_capture_on_commit_callbacks
):
    kaisa = reads(factories.UserFactory(email="kaisa@example.fi", first_name="Kaisa"), "sv")
    factories.MembershipFactory(cohort=cohort, user=kaisa, role=Membership.Role.INSTRUCTOR)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(kaisa).post(
            reverse("workshops:review_file_add", args=[submission.pk]),
            {"attachments": SimpleUploadedFile("kommentit.pdf", b"MZ\x90\x00" + b"\x00" * 500)},
        )
    assert response.status_code == 302
    assert ReviewFile.objects.get().status == ReviewFile.Status.REJECTED

    assert TYPE_SV in page(kaisa, "workshops:review", submission)
    shown = page(instructor, "workshops:review", submission)
    assert TYPE_FI in shown
    assert TYPE_SV not in shown
