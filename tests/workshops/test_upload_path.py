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
from django.core.files.base import ContentFile
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
    # the file, and the completion check wanted (its row: the course and cohort are in hand).
    with django_assert_num_queries(17):
        submission = services.submission_submit(
            learner=learner,
            assignment=assignment,
            cohort=cohort,
            experiment=experiment,
            text="Haasteeni on matkaketjut.",
            uploads=[upload],
        )
    # The completion check wanted names the version's course and cohort without reading it.
    from courses.models import CompletionCheckWanted

    wanted = CompletionCheckWanted.objects.get(submission_id=submission.pk)
    assert (wanted.course_id, wanted.cohort_id) == (assignment.workshop.course_id, cohort.pk)


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


@pytest.fixture
def in_english(learner):
    """The learner reads the pages in English (messages asserted by their English source)."""
    learner.language = "en"
    learner.save(update_fields=["language"])


def _accepted_version_for_revision(learner, cohort, assignment, experiment):
    """Version 1 sent back for revision, with two accepted files the next version may keep."""
    from tests import factories
    from workshops.models import Submission

    v1 = factories.SubmissionFactory(
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        experiment=experiment,
        status=Submission.Status.REVISION_REQUESTED,
    )
    files = [
        factories.SubmissionFileFactory(
            submission=v1,
            original_name=name,
            file=ContentFile(b"%PDF-1.4\n" + name.encode(), name=name),
            status=SubmissionFile.Status.ACCEPTED,
        )
        for name in ("kartta.pdf", "kysely.pdf")
    ]
    return v1, files


def test_a_successful_answer_post_stays_within_its_query_budget(
    client_for, learner, cohort, assignment, experiment, django_assert_num_queries
):
    """The phase answer POST validates, calls submission_submit and redirects: it builds none
    of the phase page (track, history, run log, draft, feedback) and reads nothing back."""
    v1, _files = _accepted_version_for_revision(learner, cohort, assignment, experiment)
    client = client_for(learner)
    upload = SimpleUploadedFile("haaste.pdf", b"%PDF-1.4\n" + b"x" * 1000, "application/pdf")
    # The request: the session and the learner (2). The view: the assignment and the learner's
    # cohort (2), their experiment (1), the phase's newest version, to tell whether a version
    # may be sent now (1), the files added to the answer on the learner's other devices (1,
    # core/staged_fields.py). submission_submit: its budget above (17), plus the previous
    # version's files it keeps, read once under the experiment's lock (1) and copied in one
    # bulk insert (1), and the earlier versions marked superseded in one UPDATE (1: the
    # review queue counts outstanding revisions from an index), and the team's notices of the
    # revision it answers put away in one UPDATE (1). Nothing after it returns: the
    # messages come from the version and the uploads in hand. (It was 35 while the POST built
    # the whole phase page and read the previous files twice; a query more here is a page
    # query creeping back into the POST.)
    with django_assert_num_queries(28):
        response = client.post(
            reverse("workshops:assignment", args=[assignment.pk]),
            {"text": "Haasteeni on matkaketjut.", "attachments": upload},
        )
    assert response.status_code == 302
    v2 = experiment.submissions.get(version=2)
    assert response.url == reverse("workshops:submission_detail", args=[v2.pk])
    assert sorted(v2.files.values_list("original_name", flat=True)) == [
        "haaste.pdf",
        "kartta.pdf",
        "kysely.pdf",
    ]


def test_a_refused_answer_comes_back_with_the_previous_versions_files_to_tick(
    client_for, learner, cohort, assignment, experiment, in_english
):
    """The error path still renders the whole page: the form's error, the text, and the files
    of the previous version with the ones ticked for removal still ticked."""
    _v1, (kartta, kysely) = _accepted_version_for_revision(learner, cohort, assignment, experiment)
    client = client_for(learner)
    url = reverse("workshops:assignment", args=[assignment.pk])
    for removed in ([], [kysely.pk]):
        response = client.post(url, {"text": "  ", "remove_files": [str(pk) for pk in removed]})
        assert response.status_code == 400
        page = response.content.decode()
        assert "Write your answer before submitting." in page
        assert page.count('name="remove_files"') == 2
        ticked = f'value="{kysely.pk}" id="remove-file-{kysely.pk}" checked>'
        assert (ticked in page) == bool(removed)
        assert f'value="{kartta.pk}" id="remove-file-{kartta.pk}">' in page
        assert 'data-testid="answer-text"' in page
    assert not experiment.submissions.filter(version=2).exists()


def test_ticking_a_file_for_removal_keeps_only_the_others(
    client_for, learner, cohort, assignment, experiment
):
    _v1, (kartta, kysely) = _accepted_version_for_revision(learner, cohort, assignment, experiment)
    response = client_for(learner).post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Toinen versio.", "remove_files": [str(kysely.pk)]},
    )
    assert response.status_code == 302
    v2 = experiment.submissions.get(version=2)
    assert list(v2.files.values_list("original_name", flat=True)) == ["kartta.pdf"]
    assert v2.status == "received"  # nothing new to check


def test_the_message_after_sending_says_whether_files_wait_for_their_check(
    client_for, learner, cohort, assignment, experiment, in_english
):
    client = client_for(learner)
    url = reverse("workshops:assignment", args=[assignment.pk])
    upload = SimpleUploadedFile("haaste.pdf", b"%PDF-1.4\n" + b"x" * 1000, "application/pdf")
    empty = SimpleUploadedFile("tyhja.pdf", b"", "application/pdf")
    response = client.post(url, {"text": "Haaste.", "attachments": [upload, empty]}, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert said[0] == "Your answer was saved and sent. Its files will be checked shortly."
    assert said[1].startswith("tyhja.pdf was rejected: The file is empty (0 bytes).")
    assert len(said) == 2
