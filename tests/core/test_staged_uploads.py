"""Files sent ahead of the form (core/staged_uploads.py, core/views_uploads.py,
core/staged_fields.py): the endpoint, the token's rules, the form that uses them and the
sweeper."""

from __future__ import annotations

import io
import os
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import LimitedStream
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from core import staged_uploads
from core.models import StagedUpload
from core.staged_fields import staged_name
from core.uploads import INCOMING
from core.views_uploads import staged_upload
from workshops import services
from workshops.forms import SubmissionForm
from workshops.models import Submission, SubmissionFile

pytestmark = pytest.mark.django_db

URL = "/uploads/"
PDF = b"%PDF-1.4\n" + b"kysely " * 2000


@pytest.fixture
def in_english(learner, other_learner):
    """Messages asserted by their English source."""
    for person in (learner, other_learner):
        person.language = "en"
        person.save(update_fields=["language"])


@pytest.fixture
def experiment(learner, cohort, assignment):
    return services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=cohort, title="Liityntäkyyti"
    )


def send(client, body=PDF, name="kysely.pdf", content_type="application/pdf", **headers):
    from urllib.parse import quote

    return client.post(
        URL,
        data=body,
        content_type=content_type,
        headers={"X-File-Name": quote(name), **headers},
    )


def stage(client, body=PDF, name="kysely.pdf") -> dict:
    response = send(client, body, name)
    assert response.status_code == 201, response.content
    return response.json()


def incoming() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / INCOMING


# --- the endpoint ------------------------------------------------------------------------------


def test_the_url_is_the_named_route():
    assert reverse("core:staged_upload") == URL


def test_an_anonymous_visitor_cannot_send_a_file(client):
    response = send(client)
    assert response.status_code == 403
    assert StagedUpload.objects.count() == 0
    assert not incoming().exists() or list(incoming().iterdir()) == []


def test_only_post_is_answered(client_for, learner):
    assert client_for(learner).get(URL).status_code == 405


def test_the_csrf_token_is_required_and_the_header_is_enough(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert send(client).status_code == 403
    # The CSRF cookie a page would have set, and the same secret in the header.
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    response = send(client, **{"X-CSRFToken": token})
    assert response.status_code == 201, response.content
    assert StagedUpload.objects.filter(owner=learner).count() == 1


def test_a_file_is_written_to_the_incoming_folder_and_recorded_for_its_sender(client_for, learner):
    answer = stage(client_for(learner), name="Kyselyn tulokset – syksy.pdf")
    row = StagedUpload.objects.get(token=answer["token"])
    assert row.owner == learner
    assert answer["name"] == row.name == "Kyselyn tulokset – syksy.pdf"
    assert answer["size"] == row.size == len(PDF)
    assert row.content_type == "application/pdf"
    assert row.on_disk
    path = incoming() / row.stored_name
    assert path.read_bytes() == PDF
    # The name on the disk is random, not the person's name or the token.
    assert "Kyselyn" not in row.stored_name
    assert answer["token"] not in row.stored_name
    assert len(answer["token"]) >= 40


def test_a_name_with_a_path_is_cut_to_its_last_part(client_for, learner):
    answer = stage(client_for(learner), name="../../etc/passwd\x00.pdf")
    assert answer["name"] == "passwd.pdf"


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    client_for, learner, settings, in_english
):
    settings.SUBMISSION_MAX_FILE_MB = 1
    response = send(client_for(learner), body=b"%PDF-" + b"x" * (1024 * 1024))
    assert response.status_code == 413
    assert "the largest allowed is 1.0" in response.json()["error"]
    assert StagedUpload.objects.count() == 0
    assert not incoming().exists() or list(incoming().iterdir()) == []


def test_a_file_that_grows_past_the_limit_while_read_is_refused_and_removed(
    learner, settings, in_english
):
    # A Content-Length within the limit, a body beyond it (what LimitedStream would cut, here
    # fed as is): the count while reading refuses it, and the partial file goes.
    settings.SUBMISSION_MAX_FILE_MB = 1
    body = io.BytesIO(b"x" * (3 * 1024 * 1024))
    with pytest.raises(staged_uploads.StagedUploadError) as refused:
        staged_uploads.staged_upload_receive(
            owner=learner, stream=body, length=1000, name="iso.pdf", content_type="application/pdf"
        )
    assert refused.value.status == 413
    assert list(incoming().iterdir()) == []
    assert StagedUpload.objects.count() == 0


def test_a_body_that_stops_short_is_refused_and_removed(learner):
    with pytest.raises(staged_uploads.StagedUploadError) as refused:
        staged_uploads.staged_upload_receive(
            owner=learner,
            stream=io.BytesIO(b"%PDF-1.4 half"),
            length=10_000,
            name="puolikas.pdf",
            content_type="application/pdf",
        )
    assert refused.value.status == 400
    assert list(incoming().iterdir()) == []
    # Its row, written before the bytes, goes with them: it is not among the files waiting.
    assert StagedUpload.objects.count() == 0


def test_an_empty_file_and_a_form_body_are_refused(client_for, learner, in_english):
    client = client_for(learner)
    # (The test client leaves an empty body without a length; a browser sends "0".)
    empty = client.generic("POST", URL, b"", CONTENT_LENGTH="0", CONTENT_TYPE="application/pdf")
    assert empty.status_code == 400
    assert "empty" in empty.json()["error"]
    form = send(client, body=b"a=b", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    assert StagedUpload.objects.count() == 0


def test_one_person_cannot_pile_up_files(client_for, learner, monkeypatch, in_english):
    monkeypatch.setattr(staged_uploads, "MAX_WAITING", 2)
    client = client_for(learner)
    stage(client)
    stage(client)
    response = send(client)
    assert response.status_code == 429
    assert "waiting" in response.json()["error"]
    # Refused before the body is read: nothing more on the disk or in the table.
    assert StagedUpload.objects.filter(owner=learner).count() == 2
    assert len(list(incoming().iterdir())) == 2


def test_the_limit_counts_only_the_persons_own_files(
    client_for, learner, other_learner, monkeypatch
):
    monkeypatch.setattr(staged_uploads, "MAX_WAITING", 2)
    stage(client_for(other_learner))
    stage(client_for(other_learner))
    client = client_for(learner)
    stage(client)
    stage(client)
    assert send(client).status_code == 429
    assert send(client_for(other_learner)).status_code == 429
    assert StagedUpload.objects.filter(owner=learner).count() == 2


def test_a_file_removed_from_the_form_makes_room_for_another(client_for, learner, monkeypatch):
    monkeypatch.setattr(staged_uploads, "MAX_WAITING", 1)
    client = client_for(learner)
    first = stage(client)
    assert send(client).status_code == 429
    assert staged_uploads.staged_upload_discard(owner=learner, token=first["token"])
    stage(client)


def test_the_endpoint_keeps_one_chunk_in_memory_whatever_the_size(learner, settings, tmp_path):
    """The peak memory of receiving 2 MB and 24 MB differs by less than a megabyte: the body is
    read a piece at a time and never whole."""
    settings.SUBMISSION_MAX_FILE_MB = 30
    peaks = {}
    for megabytes in (2, 24):
        source = tmp_path / f"{megabytes}.bin"
        with source.open("wb") as out:
            block = os.urandom(1024 * 1024)
            for _ in range(megabytes):
                out.write(block)
        size = source.stat().st_size
        request = RequestFactory().generic(
            "POST", URL, content_type="application/pdf", HTTP_X_FILE_NAME="iso.pdf"
        )
        request.user = learner
        with source.open("rb") as stream:
            request.META["CONTENT_LENGTH"] = str(size)
            request._stream = LimitedStream(stream, size)
            tracemalloc.start()
            try:
                response = staged_upload(request)
                peaks[megabytes] = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        assert response.status_code == 201
    assert peaks[24] - peaks[2] < 1024 * 1024, peaks
    assert peaks[24] < 4 * 1024 * 1024, peaks


@pytest.mark.parametrize("waiting", [0, 10])
def test_sending_a_file_stays_within_its_query_budget(
    client_for, learner, waiting, django_assert_num_queries
):
    client = client_for(learner)
    for _ in range(waiting):
        stage(client)
    # The session and the person; the new row, whose INSERT also counts the files they have
    # waiting (no query of its own, however many). The bytes go to the disk, never to the
    # database.
    with django_assert_num_queries(3):
        stage(client)


def test_a_person_at_the_limit_is_refused_within_the_same_budget(
    client_for, learner, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(staged_uploads, "MAX_WAITING", 3)
    client = client_for(learner)
    for _ in range(3):
        stage(client)
    # The session, the person, and the INSERT that finds no room.
    with django_assert_num_queries(3):
        assert send(client).status_code == 429


def test_a_file_removed_from_the_form_is_discarded_by_its_sender_only(
    client_for, learner, other_learner
):
    answer = stage(client_for(learner))
    row = StagedUpload.objects.get(token=answer["token"])
    url = reverse("core:staged_upload_discard", args=[answer["token"]])
    assert Client().post(url).status_code == 403  # signed out
    assert client_for(other_learner).post(url).status_code == 404
    assert client_for(other_learner).get(url).status_code == 405
    assert (incoming() / row.stored_name).exists()
    assert client_for(learner).post(url).status_code == 204
    assert not StagedUpload.objects.exists()
    assert not (incoming() / row.stored_name).exists()
    assert client_for(learner).post(url).status_code == 404


# --- the form and the token's rules --------------------------------------------------------------


def _post(token_or_tokens, text="Kyselyn tulokset liitteenä.", files=None):
    from django.http import QueryDict
    from django.utils.datastructures import MultiValueDict

    data = QueryDict(mutable=True)
    data["text"] = text
    tokens = token_or_tokens if isinstance(token_or_tokens, list) else [token_or_tokens]
    data.setlist(staged_name("attachments"), tokens)
    return data, MultiValueDict({"attachments": files or []})


def test_the_form_turns_its_owners_tokens_into_uploads_without_taking_them(client_for, learner):
    answer = stage(client_for(learner))
    form = SubmissionForm(*_post(answer["token"]), draft_owner=learner.pk)
    assert form.is_valid(), form.errors
    [upload] = form.cleaned_data["attachments"]
    assert (upload.name, upload.size) == ("kysely.pdf", len(PDF))
    # Only storing the file takes it: a form that fails elsewhere keeps it.
    assert StagedUpload.objects.filter(token=answer["token"]).exists()


def test_a_form_with_no_javascript_takes_the_posted_files_as_before(learner):
    posted = SimpleUploadedFile("kartta.pdf", PDF, "application/pdf")
    data, files = _post([])
    files.setlist("attachments", [posted])
    form = SubmissionForm(data, files, draft_owner=learner.pk)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["attachments"] == [posted]


def test_posted_files_and_staged_ones_come_together(client_for, learner):
    answer = stage(client_for(learner), name="kysely.pdf")
    posted = SimpleUploadedFile("kartta.pdf", PDF, "application/pdf")
    form = SubmissionForm(*_post(answer["token"], files=[posted]), draft_owner=learner.pk)
    assert form.is_valid(), form.errors
    assert [u.name for u in form.cleaned_data["attachments"]] == ["kartta.pdf", "kysely.pdf"]


def test_another_persons_token_is_refused_and_left_alone(
    client_for, learner, other_learner, in_english
):
    answer = stage(client_for(other_learner))
    form = SubmissionForm(*_post(answer["token"]), draft_owner=learner.pk)
    assert not form.is_valid()
    assert "no longer available" in str(form.errors["attachments"])
    assert StagedUpload.objects.get(token=answer["token"]).owner == other_learner


def test_a_form_without_an_owner_ignores_tokens(client_for, learner):
    answer = stage(client_for(learner))
    form = SubmissionForm(*_post(answer["token"]))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["attachments"] == []


def test_a_staged_file_is_stored_by_a_rename_and_used_once(
    client_for, learner, assignment, experiment, in_english
):
    client = client_for(learner)
    answer = stage(client)
    row = StagedUpload.objects.get(token=answer["token"])
    staged_path = incoming() / row.stored_name
    inode = os.stat(staged_path).st_ino
    url = reverse("workshops:assignment", args=[assignment.pk])
    response = client.post(
        url, {"text": "Kyselyn tulokset.", staged_name("attachments"): answer["token"]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = SubmissionFile.objects.get(submission__experiment=experiment)
    assert (stored.original_name, stored.size) == ("kysely.pdf", len(PDF))
    assert stored.status == SubmissionFile.Status.PENDING  # checked after commit, as before
    assert os.stat(stored.file.path).st_ino == inode  # the same bytes, renamed into place
    assert not staged_path.exists()
    assert not StagedUpload.objects.filter(token=answer["token"]).exists()

    # The instructor asks for a revision; the same token in the next version is refused.
    Submission.objects.filter(pk=stored.submission_id).update(
        status=Submission.Status.REVISION_REQUESTED
    )
    again = client.post(url, {"text": "Uusi versio.", staged_name("attachments"): answer["token"]})
    assert again.status_code == 400
    assert "no longer available" in again.content.decode()
    assert SubmissionFile.objects.filter(original_name="kysely.pdf").count() == 1


def test_two_submits_racing_with_one_token_attach_the_file_once(
    client_for, learner, cohort, assignment, experiment
):
    """Both forms were read while the file waited; the first to store it takes the row, the
    second finds none and is refused as storage trouble, storing nothing of its own."""
    answer = stage(client_for(learner))
    first = SubmissionForm(*_post(answer["token"]), draft_owner=learner.pk)
    second = SubmissionForm(*_post(answer["token"]), draft_owner=learner.pk)
    assert first.is_valid()
    assert second.is_valid()
    submission = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        experiment=experiment,
        text="Ensimmäinen",
        uploads=first.cleaned_data["attachments"],
    )
    with pytest.raises(services.SubmissionError):
        services.submission_add_files(
            submission=submission, learner=learner, uploads=second.cleaned_data["attachments"]
        )
    assert SubmissionFile.objects.filter(original_name="kysely.pdf").count() == 1
    assert StagedUpload.objects.count() == 0


def test_a_refused_submit_leaves_the_token_usable(
    client_for, learner, cohort, assignment, experiment
):
    """The service refuses after the form was valid (here: the phase is closed); its
    transaction rolls back and the staged file waits for the next try."""
    answer = stage(client_for(learner))
    form = SubmissionForm(*_post(answer["token"]), draft_owner=learner.pk)
    assert form.is_valid()
    type(experiment).objects.filter(pk=experiment.pk).update(phase=2)
    experiment.refresh_from_db()
    with pytest.raises(services.SubmissionError):
        services.submission_submit(
            learner=learner,
            assignment=assignment,
            cohort=cohort,
            experiment=experiment,
            text="Vastaus",
            uploads=form.cleaned_data["attachments"],
        )
    row = StagedUpload.objects.get(token=answer["token"])
    assert (incoming() / row.stored_name).exists()


def test_a_form_sent_back_with_an_error_lists_the_staged_files_with_their_tokens(
    client_for, learner, assignment, experiment
):
    client = client_for(learner)
    answer = stage(client, name="kysely & tulokset.pdf")
    url = reverse("workshops:assignment", args=[assignment.pk])
    response = client.post(url, {"text": "", staged_name("attachments"): answer["token"]})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'name="attachments_staged" value="{answer["token"]}"' in page
    assert "kysely &amp; tulokset.pdf" in page
    assert 'data-testid="staged-file"' in page
    # Sent again with the text, the same token attaches the file.
    response = client.post(
        url, {"text": "Nyt tekstin kanssa.", staged_name("attachments"): answer["token"]}
    )
    assert response.status_code == 302
    assert SubmissionFile.objects.get(submission__experiment=experiment).original_name == (
        "kysely & tulokset.pdf"
    )


def test_the_answer_page_offers_the_upload_with_its_script(
    client_for, learner, assignment, experiment
):
    page = client_for(learner).get(reverse("workshops:assignment", args=[assignment.pk]))
    html = page.content.decode()
    assert "data-staged-uploads" in html
    assert f'data-upload-url="{URL}"' in html
    assert "js/staged-uploads.js" in html
    # The plain file input is still there, for browsers without the script.
    assert 'type="file" name="attachments"' in html
    assert "multiple" in html


# --- on S3 ---------------------------------------------------------------------------------------


def test_with_files_in_a_bucket_a_staged_file_waits_there_and_is_stored_from_it(
    s3_storage,
    moto_s3,
    client_for,
    learner,
    cohort,
    assignment,
    experiment,
    django_capture_on_commit_callbacks,
):
    answer = stage(client_for(learner))
    row = StagedUpload.objects.get(token=answer["token"])
    assert not row.on_disk
    assert f".incoming/{row.stored_name}" in moto_s3.keys(s3_storage)
    form = SubmissionForm(*_post(answer["token"]), draft_owner=learner.pk)
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_submit(
            learner=learner,
            assignment=assignment,
            cohort=cohort,
            experiment=experiment,
            text="Vastaus",
            uploads=form.cleaned_data["attachments"],
        )
    stored = SubmissionFile.objects.get(submission__experiment=experiment)
    keys = moto_s3.keys(s3_storage)
    assert moto_s3.read(s3_storage, stored.file.name) == PDF
    assert f".incoming/{row.stored_name}" not in keys
    assert not StagedUpload.objects.exists()


def test_with_files_in_a_bucket_the_row_follows_the_name_the_bucket_chose(
    s3_storage, moto_s3, client_for, learner, monkeypatch
):
    from core.storage import PrivateS3Storage

    # The row is written before the bytes; a storage that picks another name than the one
    # asked for (its own rules for names) must not leave the row pointing at nothing.
    monkeypatch.setattr(
        PrivateS3Storage, "get_available_name", lambda self, name, max_length=None: "chosen.pdf"
    )
    answer = stage(client_for(learner))
    row = StagedUpload.objects.get(token=answer["token"])
    assert row.stored_name == "chosen.pdf"
    assert moto_s3.read(s3_storage, ".incoming/chosen.pdf") == PDF
    assert list(staged_uploads.staged_uploads_for(owner_id=learner.pk, tokens=[row.token]))


def test_with_files_in_a_bucket_a_body_cut_short_leaves_nothing(s3_storage, moto_s3, learner):
    with pytest.raises(staged_uploads.StagedUploadError):
        staged_uploads.staged_upload_receive(
            owner=learner,
            stream=io.BytesIO(b"%PDF-1.4 half"),
            length=10_000,
            name="puolikas.pdf",
            content_type="application/pdf",
        )
    assert not StagedUpload.objects.exists()
    assert moto_s3.keys(s3_storage) == []


# --- the sweeper ---------------------------------------------------------------------------------


def test_the_sweeper_removes_files_unused_for_a_day_and_keeps_newer_ones(client_for, learner):
    from core.tasks import staged_uploads_expire

    client = client_for(learner)
    old = stage(client, name="vanha.pdf")
    new = stage(client, name="uusi.pdf")
    StagedUpload.objects.filter(token=old["token"]).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    old_row = StagedUpload.objects.get(token=old["token"])
    new_row = StagedUpload.objects.get(token=new["token"])
    # A file a dead worker left long ago, with no row.
    orphan = incoming() / "tmpdead.upload.pdf"
    orphan.write_bytes(b"x")
    long_ago = time.time() - 2 * 24 * 3600
    os.utime(orphan, (long_ago, long_ago))
    assert staged_uploads_expire() == 1
    assert not StagedUpload.objects.filter(pk=old_row.pk).exists()
    assert not (incoming() / old_row.stored_name).exists()
    assert not orphan.exists()
    assert StagedUpload.objects.filter(pk=new_row.pk).exists()
    assert (incoming() / new_row.stored_name).exists()


def test_the_sweeper_runs_from_beat_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["remove-unused-staged-uploads"]
    assert entry == {"task": "core.tasks.staged_uploads_expire", "schedule": 3600}


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_take_a_token_once(client_for, learner, monkeypatch):
    """Two requests that both read the form take the file in their own transactions at the same
    moment: the conditional delete is the lock, so one gets the staged file and the other is
    refused (on PostgreSQL the second delete waits for the first to commit and finds no row)."""
    import threading

    from django.db import connection, transaction

    from core.staged_uploads import StagedUploadedFile

    answer = stage(client_for(learner))
    row = StagedUpload.objects.get(token=answer["token"])
    uploads = [StagedUploadedFile(row), StagedUploadedFile(row)]
    # The staged file stays where it is, so only the row can tell the two requests apart.
    monkeypatch.setattr(staged_uploads, "_remove_file", lambda *args, **kwargs: None)
    taken, refused = [], []
    start = threading.Barrier(2)

    def submit(n: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                path = uploads[n].temporary_file_path()
                # Hold the transaction open while the other request tries.
                time.sleep(0.3)
            taken.append(path)
        except FileNotFoundError:
            refused.append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(taken) == 1, (taken, refused)
    assert len(refused) == 1, (taken, refused)
    assert Path(taken[0]).read_bytes() == PDF
    assert not StagedUpload.objects.exists()
