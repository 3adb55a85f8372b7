"""Private files on an S3-compatible store: moto's server on loopback stands in for S3 or MinIO.

With `STORAGES["private"]` on the bucket (as ALUEAGENTTI_S3_BUCKET sets it in production) and
the local private folder made unusable, a week's files go through the bucket only: a learner's
upload, its check and preview, the instructor's download, a certificate PDF, a coordinator's
export and a course file, each still served only by its permission-checking view.
"""

from __future__ import annotations

import pytest
from botocore.config import Config
from django.test import Client
from django.urls import reverse
from django.utils import translation

from courses import services as course_services
from courses.models import Certificate, Item
from learners import services as learner_services
from learners.models import ExportJob
from tests import factories
from tests.pdfs import pdf_bytes, pdf_upload
from tests.responses import body
from workshops.models import Submission, SubmissionFile

pytestmark = pytest.mark.django_db

STORAGE_FAILED = "Your files could not be stored right now, so nothing was saved."


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def experiment(learner, cohort, assignment):
    from workshops import services

    return services.experiment_create(
        learner=learner,
        workshop=assignment.workshop,
        cohort=cohort,
        title="Liityntäkyyti asemalle",
        challenge="Kylistä on vaikea päästä rautatieasemalle ilman autoa.",
    )


def signed_in(user) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def submit_pdf(client, assignment, data: bytes, capture, name: str = "haaste.pdf"):
    upload = pdf_upload(name)
    upload.file.seek(0)
    upload.file.truncate()
    upload.file.write(data)
    upload.file.seek(0)
    upload.size = len(data)
    with capture(execute=True):
        return client.post(
            reverse("workshops:assignment", args=[assignment.pk]),
            {"text": "Haasteeni on matkaketjut.", "attachments": [upload]},
        )


def test_a_submission_file_goes_through_the_bucket_to_the_instructor_and_no_one_else(
    s3_storage,
    moto_s3,
    learner,
    other_learner,
    outsider_learner,
    instructor,
    other_instructor,
    assignment,
    experiment,
    settings,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    data = pdf_bytes(pages=3)
    response = submit_pdf(signed_in(learner), assignment, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302

    # The check ran (in-process here, a worker in production) against the bucket's copy.
    attachment = SubmissionFile.objects.get()
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    assert attachment.content_type == "application/pdf"
    assert attachment.page_count == 3
    assert attachment.submission.status == Submission.Status.RECEIVED
    keys = moto_s3.keys(s3_storage)
    assert attachment.file.name in keys
    assert attachment.file.name.startswith("submissions/")
    assert attachment.preview.name in keys
    assert moto_s3.read(s3_storage, attachment.file.name) == data
    # Nothing was written on this machine's disk (the folder cannot even be created).
    assert not settings.PRIVATE_MEDIA_ROOT.exists()
    # The bucket's objects have no address of their own, not even a presigned one.
    with pytest.raises(ValueError, match="not accessible via a URL"):
        attachment.file.url  # noqa: B018 - the property access is what is tested

    # The instructor downloads the same bytes, named and typed exactly as from the disk.
    teacher = signed_in(instructor)
    url = reverse("workshops:file_download", args=[attachment.pk])
    # The session, and the instructor with the navigation's roles (2); the file (1), then for
    # the access check its submission, assignment and workshop one by one (3) and the cohort's
    # marking settings (1); the bytes come from the bucket, not the database. (12 allowed
    # before.)
    with django_assert_num_queries(7):
        download = teacher.get(url)
    assert download.status_code == 200
    assert body(download) == data
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="haaste.pdf"'
    assert download["Content-Length"] == str(len(data))
    assert download["Cache-Control"] == "private, no-store"

    # The preview of the first page comes from the bucket too.
    preview = teacher.get(reverse("workshops:file_preview", args=[attachment.pk]))
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/png"
    png = body(preview)
    assert png == moto_s3.read(s3_storage, attachment.preview.name)
    assert png.startswith(b"\x89PNG")

    # Another learner of the cohort, a learner and an instructor of another cohort: nothing.
    for person in (other_learner, outsider_learner, other_instructor):
        client = signed_in(person)
        assert client.get(url).status_code == 404
        assert (
            client.get(reverse("workshops:file_preview", args=[attachment.pk])).status_code == 404
        )
    # Signed out: to the sign-in page, not the file.
    assert Client().get(url).status_code == 302


def test_an_unreachable_store_refuses_the_upload_clearly_and_saves_nothing(
    settings, moto_s3, s3_storage, learner, assignment, experiment
):
    # The store stops answering: a closed port, one attempt, a short timeout.
    dead = moto_s3.storage_setting(s3_storage)
    dead["OPTIONS"] = {
        **dead["OPTIONS"],
        "endpoint_url": "http://127.0.0.1:9",
        "client_config": Config(connect_timeout=1, retries={"max_attempts": 1}),
    }
    settings.STORAGES = {**settings.STORAGES, "private": dead}

    response = signed_in(learner).post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Lopullinen teksti", "attachments": [pdf_upload()]},
    )

    assert response.status_code == 503
    assert STORAGE_FAILED in response.content.decode()
    assert "Lopullinen teksti" in response.content.decode()
    assert not Submission.objects.exists()
    assert not SubmissionFile.objects.exists()


def test_a_certificate_pdf_is_stored_in_the_bucket_and_only_its_holder_downloads_it(
    s3_storage, moto_s3, course, learner, other_learner, django_capture_on_commit_callbacks
):
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    for item in items[:-1]:
        course_services.item_complete(user=learner, item=item)
    with django_capture_on_commit_callbacks(execute=True):
        course_services.item_complete(user=learner, item=items[-1])

    certificate = Certificate.objects.get(user=learner)
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.pdf.name.startswith("certificates/")
    stored = moto_s3.read(s3_storage, f"course-files/{certificate.pdf.name}")
    assert stored.startswith(b"%PDF")

    url = reverse("certificates:pdf", args=[certificate.code])
    download = signed_in(learner).get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content == stored
    assert signed_in(other_learner).get(url).status_code == 404


def test_a_large_export_is_made_into_the_bucket_and_downloaded_by_its_coordinator(
    s3_storage,
    moto_s3,
    cohort,
    learner,
    coordinator,
    instructor,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        job = learner_services.export_request(
            cohort=cohort, user=coordinator, what="progress", fmt="csv"
        )
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.file.name.startswith("exports/")
    assert bytes(job.content) == b""  # the bytes are in the bucket, not in the row
    stored = moto_s3.read(s3_storage, job.file.name)
    assert learner.email.encode() in stored or learner.first_name.encode() in stored

    url = reverse("learners:export", args=[cohort.pk, "progress", "csv"]) + f"?job={job.pk}"
    download = signed_in(coordinator).get(url)
    assert download.status_code == 200
    assert download.content == stored
    assert download["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    # The cohort's instructor is not its coordinator.
    assert signed_in(instructor).get(url).status_code in (403, 404)


def test_a_course_file_is_kept_in_the_bucket_and_served_to_the_course_only(
    s3_storage, moto_s3, course, learner
):
    from django.core.files.base import ContentFile

    item = Item.objects.filter(module__course=course).order_by("module__position", "position")[0]
    item.kind = Item.Kind.FILE
    item.file.save("ohje.pdf", ContentFile(pdf_bytes(pages=1)), save=False)
    item.file_name = "ohje.pdf"
    item.save()
    assert f"course-files/{item.file.name}" in moto_s3.keys(s3_storage)

    url = reverse("courses:item_file", args=[item.pk, "file"])
    download = signed_in(learner).get(url)
    assert download.status_code == 200
    assert body(download) == moto_s3.read(s3_storage, f"course-files/{item.file.name}")
    assert download["Content-Disposition"] == 'attachment; filename="ohje.pdf"'
    stranger = factories.UserFactory(email="vieras@example.fi")  # in no cohort of the course
    assert signed_in(stranger).get(url).status_code == 404


def test_the_storage_goes_back_to_the_disk_when_the_setting_does(settings, moto_s3, s3_bucket):
    from workshops.models import SubmissionFile as Model

    storage = Model._meta.get_field("file").storage
    settings.STORAGES = {**settings.STORAGES, "private": moto_s3.storage_setting(s3_bucket)}
    assert storage.__class__.__name__ == "PrivateS3Storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "core.storage.PrivateFileSystemStorage"},
    }
    assert storage.__class__.__name__ == "PrivateFileSystemStorage"


def test_an_export_made_before_the_move_to_the_storage_still_downloads_from_its_row(
    s3_storage, cohort, coordinator
):
    job = ExportJob.objects.create(
        cohort=cohort,
        requested_by=coordinator,
        what="progress",
        fmt="csv",
        status=ExportJob.Status.DONE,
        content=b"name;progress\r\nOona;50\r\n",
        content_type="text/csv; charset=utf-8",
        file_name="edistyminen.csv",
    )
    url = reverse("learners:export", args=[cohort.pk, "progress", "csv"]) + f"?job={job.pk}"
    download = signed_in(coordinator).get(url)
    assert download.status_code == 200
    assert download.content == b"name;progress\r\nOona;50\r\n"
    assert download["Content-Disposition"] == 'attachment; filename="edistyminen.csv"'
