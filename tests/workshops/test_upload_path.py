"""The path of a large attachment through a request (core/uploads.py, workshops/services.py):
written once to a temporary file on the private disk as it arrives, stored by a rename, and
never read again before the response; the file check reads it later, on a worker."""

import hashlib
import os
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import storage as core_storage
from core import uploads
from workshops import services
from workshops.models import SubmissionFile

pytestmark = pytest.mark.django_db


def _large_pdf() -> bytes:
    # More than FILE_UPLOAD_MAX_MEMORY_SIZE, so it is spooled to a temporary file.
    return b"%PDF-1.4\n" + os.urandom(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 300_000)


@pytest.fixture
def watched(monkeypatch):
    """What happens to spooled uploads and private files during a request: the temporary
    files' paths and inodes when complete, the bytes read back from them, the stored files
    opened."""
    seen: dict[str, list] = {"spooled": [], "read": [], "opened": []}
    complete = uploads.TemporaryUploadHandler.file_complete

    def file_complete(self, file_size):
        result = complete(self, file_size)
        path = self.file.temporary_file_path()
        seen["spooled"].append((path, os.stat(path).st_ino))
        return result

    def counting_read(self):
        def read(*args):
            data = self.file.read(*args)
            seen["read"].append(len(data))
            return data

        return read

    opener = core_storage.PrivateFileSystemStorage._open

    def _open(self, name, mode="rb"):
        seen["opened"].append(name)
        return opener(self, name, mode)

    monkeypatch.setattr(uploads.TemporaryUploadHandler, "file_complete", file_complete)
    monkeypatch.setattr(uploads.SpooledUpload, "read", property(counting_read))
    monkeypatch.setattr(core_storage.PrivateFileSystemStorage, "_open", _open)
    return seen


def test_a_large_attachment_is_spooled_on_the_private_disk_and_stored_by_a_rename(
    client_for, learner, assignment, experiment, watched
):
    body = _large_pdf()
    response = client_for(learner).post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {
            "text": "Haasteeni on matkaketjut.",
            "attachments": SimpleUploadedFile("haaste.pdf", body, "application/pdf"),
        },
    )
    assert response.status_code == 302
    incoming = Path(settings.PRIVATE_MEDIA_ROOT) / uploads.INCOMING
    [(spooled, inode)] = watched["spooled"]
    assert Path(spooled).parent == incoming
    stored = SubmissionFile.objects.get(submission__experiment=experiment)
    # The same inode: the temporary file was renamed into place, not copied.
    assert os.stat(stored.file.path).st_ino == inode
    assert list(incoming.iterdir()) == []
    # Nothing read the file back in the request: no hashing, sniffing or copying pass.
    assert watched["read"] == []
    assert watched["opened"] == []
    assert stored.size == len(body)
    assert stored.status == SubmissionFile.Status.PENDING  # checked later, on a worker
    with stored.file.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == hashlib.sha256(body).hexdigest()


def test_submitting_a_version_with_a_file_stays_within_its_query_budget(
    learner, cohort, assignment, experiment, django_assert_num_queries
):
    upload = SimpleUploadedFile("haaste.pdf", b"%PDF-1.4\n" + b"x" * 1000, "application/pdf")
    # A savepoint and its release; the learner and team checks, the experiment's lock, the
    # previous version, the next version number (one query with the answers sent before
    # experiments), the files to keep, the extension and the phase's due days (the cohort is
    # the one given), the version, the draft, the team's progress, the event, the impact plan,
    # the file, and the completion check (2).
    with django_assert_num_queries(18):
        services.submission_submit(
            learner=learner,
            assignment=assignment,
            cohort=cohort,
            experiment=experiment,
            text="Haasteeni on matkaketjut.",
            uploads=[upload],
        )


def test_version_numbers_continue_from_answers_sent_before_experiments(
    learner, cohort, assignment, experiment
):
    from tests import factories

    factories.SubmissionFactory(
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        experiment=None,
        version=3,
        status="revision",
    )
    submission = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=experiment, text="Uusi"
    )
    assert submission.version == 4


def test_with_files_in_a_bucket_uploads_are_spooled_in_the_system_folder(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "core.storage.PrivateS3Storage", "OPTIONS": {}},
    }
    assert uploads.upload_temp_dir() is None


def test_an_unwritable_private_disk_still_receives_the_upload(settings, tmp_path):
    # The storage then fails, and the learner gets the form back with a 503 (faults tests).
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"
    assert uploads.upload_temp_dir() is None
    upload = uploads.SpooledUpload("haaste.pdf", "application/pdf", 0, None)
    try:
        assert Path(upload.temporary_file_path()).parent == Path(tempfile.gettempdir())
    finally:
        upload.close()


def test_what_a_dead_worker_left_in_the_incoming_folder_is_removed(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    incoming = tmp_path / "private" / uploads.INCOMING
    incoming.mkdir(parents=True)
    old, new = incoming / "tmpold.upload.pdf", incoming / "tmpnew.upload.pdf"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    day_ago = time.time() - uploads.STALE_AFTER_S - 60
    os.utime(old, (day_ago, day_ago))
    assert uploads.upload_temp_dir() == str(incoming)
    assert not old.exists()
    assert new.exists()
