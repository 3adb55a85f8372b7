"""Every view that serves a file, for a person who may have it and one who may not (#12, item 1).

Each allowed download reads the whole stream and compares the bytes; each refusal is the
status a person outside the audience gets (404 for objects out of reach, 403 for a role, a
redirect to the sign-in page for anonymous visitors).
"""

import datetime
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from courses import authoring
from courses import services as course_services
from courses.models import Certificate, Item
from learners.models import Membership
from tests import factories
from tests.conftest import skip_or_fail
from tests.pdfs import pdf_bytes
from tests.responses import body
from workshops import peer, services, sessions
from workshops.models import CalendarFeed, PeerReview, SubmissionFile, WorkshopSession

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def needs_pdf_engine():
    from core.pdf import html_to_pdf

    if html_to_pdf("<p>x</p>") is None:
        skip_or_fail("WeasyPrint cannot make PDFs here")


@pytest.fixture
def stranger(db):
    """Signed in, but in no cohort of the course."""
    return factories.UserFactory(email="vieras@example.fi")


# --- workshops -------------------------------------------------------------------------------


@pytest.fixture
def checked_pdf(learner, cohort, assignment, experiment, django_capture_on_commit_callbacks):
    """Oona's answer with a PDF attachment that passed the check (preview rendered)."""
    data = pdf_bytes(pages=1)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(
            learner=learner,
            assignment=assignment,
            cohort=cohort,
            experiment=experiment,
            text="Vastaus",
            upload=SimpleUploadedFile("suunnitelma.pdf", data),
        )
    attachment = SubmissionFile.objects.get(submission=submission)
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    return attachment, data


def test_an_attachment_downloads_for_its_audience_only(
    checked_pdf, client_for, learner, instructor, coordinator, other_learner, other_instructor
):
    attachment, data = checked_pdf
    url = reverse("workshops:file_download", args=[attachment.pk])
    for person in (learner, instructor, coordinator):
        response = client_for(person).get(url)
        assert response.status_code == 200
        assert body(response) == data
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Cache-Control"] == "private, no-store"
    for person in (other_learner, other_instructor):
        assert client_for(person).get(url).status_code == 404


def test_a_preview_shows_to_the_audience_only(
    checked_pdf, client_for, instructor, other_instructor, client
):
    attachment, _data = checked_pdf
    url = reverse("workshops:file_preview", args=[attachment.pk])
    response = client_for(instructor).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    served = body(response)
    assert served.startswith(b"\x89PNG")
    with attachment.preview.open("rb") as stored:
        assert served == stored.read()
    assert client_for(other_instructor).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_run_log_photo_downloads_for_the_experiments_audience_only(
    experiment, learner, instructor, other_learner, other_instructor, client_for, phases
):
    entry = services.runlog_add(
        experiment=experiment,
        author=learner,
        happened_on=timezone.localdate(),
        kind="photo",
        text="Pysäkki aamulla",
        photo=SimpleUploadedFile("pysakki.png", PNG),
    )
    url = reverse("workshops:runlog_photo", args=[entry.pk])
    for person in (learner, instructor):
        response = client_for(person).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert body(response) == PNG
    for person in (other_learner, other_instructor):
        assert client_for(person).get(url).status_code == 404


def test_a_session_material_downloads_for_the_cohort_only(
    assignment, cohort, instructor, learner, outsider_learner, other_instructor, client_for
):
    session = WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=cohort,
        title="Työpaja 2",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=1, hours=2),
    )
    data = pdf_bytes(pages=2)
    [material] = sessions.session_materials_add(
        session=session, by=instructor, uploads=[SimpleUploadedFile("diat.pdf", data)]
    )
    url = reverse("workshops:session_material", args=[material.pk])
    for person in (learner, instructor):
        response = client_for(person).get(url)
        assert response.status_code == 200
        assert body(response) == data
    for person in (outsider_learner, other_instructor):
        assert client_for(person).get(url).status_code == 404


def test_a_peer_file_downloads_for_the_allocated_reviewer_only(
    assignment, cohort, checked_pdf, learner, other_learner, client_for, experiment
):
    assignment.peer_review = True
    assignment.save()
    attachment, data = checked_pdf
    for n in range(2):
        user = factories.UserFactory(email=f"vertainen{n}@example.fi")
        factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
        own = services.experiment_create(
            learner=user, workshop=assignment.workshop, cohort=cohort, title=f"Kokeilu {n}"
        )
        factories.SubmissionFactory(
            learner=user, cohort=cohort, assignment=assignment, experiment=own
        )
    peer.peer_allocate(assignment_id=assignment.pk, cohort_id=cohort.pk)
    review = PeerReview.objects.filter(submission=attachment.submission).first()
    url = reverse("workshops:peer_file", args=[review.pk, 1])
    response = client_for(review.reviewer).get(url)
    assert response.status_code == 200
    # Anonymous peer feedback: the same pages, without the PDF's document information.
    copy = PdfReader(io.BytesIO(body(response)))
    assert (len(copy.pages), copy.metadata) == (len(PdfReader(io.BytesIO(data)).pages), None)
    # Another reviewer of the same answer, a learner without an allocation, and the author
    # themselves: none may open this reviewer's copy.
    second = PeerReview.objects.filter(submission=attachment.submission).exclude(pk=review.pk)
    for person in [r.reviewer for r in second] + [other_learner]:
        assert client_for(person).get(url).status_code == 404
    assert client_for(learner).get(url).status_code == 404


def test_the_calendar_feed_answers_its_token_only(assignment, cohort, learner, client, client_for):
    WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=cohort,
        title="Työpaja 3",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=1, hours=2),
    )
    feed = CalendarFeed.objects.create(user=learner, token="k" * 43)
    client.logout()
    response = client.get(reverse("workshops:calendar_feed", args=[feed.token]))
    assert response.status_code == 200
    assert body(response).startswith(b"BEGIN:VCALENDAR")
    assert "Työpaja 3" in body(response).decode()
    assert client.get(reverse("workshops:calendar_feed", args=["x" * 32])).status_code == 404


# --- courses ---------------------------------------------------------------------------------


def test_an_item_file_downloads_for_the_course_only(course, learner, stranger, client_for):
    item = factories.ItemFactory(
        module=course.modules.first(), kind=Item.Kind.FILE, file_name="opas.pdf"
    )
    data = pdf_bytes(pages=1)
    item.file.save("opas.pdf", ContentFile(data))
    url = reverse("courses:item_file", args=[item.pk, "file"])
    response = client_for(learner).get(url)
    assert response.status_code == 200
    assert body(response) == data
    assert client_for(stranger).get(url).status_code == 404


def test_a_course_image_shows_for_the_course_only(course, learner, stranger, client_for):
    author = factories.UserFactory()
    course.authors.add(author)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 40)).save(out, "PNG")
    image = authoring.course_image_upload(
        course=course, by=author, upload=SimpleUploadedFile("kuva.png", out.getvalue())
    )
    url = reverse("courses:image", args=[image.name])
    response = client_for(learner).get(url)
    assert response.status_code == 200
    with image.file.open("rb") as stored:
        assert body(response) == stored.read()
    assert client_for(stranger).get(url).status_code == 404


def test_a_certificate_pdf_and_credential_download_for_their_holder_only(
    course, learner, other_learner, client_for, django_capture_on_commit_callbacks
):
    needs_pdf_engine()
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    for item in items[:-1]:
        course_services.item_complete(user=learner, item=item)
    with django_capture_on_commit_callbacks(execute=True):
        course_services.item_complete(user=learner, item=items[-1])
    certificate = Certificate.objects.get(user=learner)
    pdf_url = reverse("certificates:pdf", args=[certificate.code])
    response = client_for(learner).get(pdf_url)
    assert response.status_code == 200
    served = body(response)
    assert served.startswith(b"%PDF-")
    with certificate.pdf.open("rb") as stored:
        assert served == stored.read()
    assert client_for(other_learner).get(pdf_url).status_code == 404
    json_url = reverse("certificates:json", args=[certificate.code])
    response = client_for(learner).get(json_url)
    assert response.status_code == 200
    assert b"credentialSubject" in body(response)
    assert client_for(other_learner).get(json_url).status_code == 404


def test_a_course_export_downloads_for_its_authors_only(course, instructor, learner, client_for):
    course.authors.add(instructor)
    response = client_for(instructor).get(reverse("courses:export", args=[course.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        assert "course.json" in archive.namelist()
    assert client_for(learner).get(reverse("courses:export", args=[course.pk])).status_code == 403


def test_the_journal_downloads_as_the_persons_own_only(
    course, learner, other_learner, client_for, client
):
    item = factories.ItemFactory(
        module=course.modules.first(), kind=Item.Kind.REFLECTION, title="Pohdi verkostoasi"
    )
    course_services.reflection_save(user=learner, item=item, text="Oonan oma ajatus")
    md = client_for(learner).get(reverse("courses:journal_export", args=["md"]))
    assert md.status_code == 200
    assert "Oonan oma ajatus" in body(md).decode()
    theirs = client_for(other_learner).get(reverse("courses:journal_export", args=["md"]))
    assert "Oonan oma ajatus" not in body(theirs).decode()
    needs_pdf_engine()
    pdf = client_for(learner).get(reverse("courses:journal_export", args=["pdf"]))
    assert pdf.status_code == 200
    assert body(pdf).startswith(b"%PDF-")
    client.logout()
    assert client.get(reverse("courses:journal_export", args=["pdf"])).status_code == 302


# --- cohorts, impact, portfolio ---------------------------------------------------------------


def test_a_cohort_export_downloads_for_its_coordinators_only(
    cohort, coordinator, learner, other_instructor, client_for
):
    url = reverse("learners:export", args=[cohort.pk, "progress", "csv"])
    response = client_for(coordinator).get(url)
    assert response.status_code == 200
    assert learner.email in body(response).decode("utf-8-sig")
    for person in (learner, other_instructor):
        assert client_for(person).get(url).status_code in (403, 404)


def test_an_impact_plan_pdf_downloads_for_the_experiments_audience_only(
    experiment, learner, other_learner, client_for
):
    needs_pdf_engine()
    url = reverse("impact:pdf", args=[experiment.pk])
    response = client_for(learner).get(url)
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-")
    assert client_for(other_learner).get(url).status_code == 404


def test_the_portfolio_pdf_downloads_for_the_signed_in_person(learner, client_for, client):
    needs_pdf_engine()
    response = client_for(learner).get(reverse("portfolio:export"))
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-")
    client.logout()
    assert client.get(reverse("portfolio:export")).status_code == 302
