"""The personal data archive: requested on "My data", made by Celery, downloaded as a ZIP with
every kind of record and the person's own files, then removed after the keeping time."""

import datetime
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.outbox import PublishHint
from privacy import outbox as privacy_outbox
from privacy import services, tasks
from privacy.models import DataExport

# Every kind of record the issue lists, by the archive's file name.
EXPECTED = {
    "profile": "profile",
    "memberships": "memberships",
    "progress": "progress",
    "quiz attempts": "quiz_attempts",
    "reflections": "reflections",
    "experiments": "experiments",
    "experiment versions": "submissions",
    "file records": "submission_files",
    "feedback received": "feedback_received",
    "feedback given (peer)": "peer_reviews_given",
    "peer reviews received": "peer_reviews_received",
    "impact plans": "impact_plans",
    "impact measurements": "impact_measurements",
    "cards": "cards",
    "card messages": "card_messages",
    "certificates": "certificates",
    "notifications": "notifications",
    "notification preferences": "notification_preferences",
    "drafts": "drafts",
    "run log": "run_log",
    "thread messages": "phase_comments",
    "attendance": "attendance",
}


def _build(user) -> DataExport:
    export = DataExport.objects.create(user=user)
    assert services.data_export_build(export_id=export.pk) is True
    export.refresh_from_db()
    return export


def _open(export) -> zipfile.ZipFile:
    with export.file.storage.open(export.file.name, "rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def test_the_archive_holds_every_kind_of_record_and_the_persons_files(world):
    export = _build(world.learner)
    assert export.status == DataExport.Status.DONE
    assert export.progress == 100
    assert export.size > 0
    assert export.expires_at > timezone.now() + datetime.timedelta(days=6)
    archive = _open(export)
    names = set(archive.namelist())
    for label, name in EXPECTED.items():
        rows = json.loads(archive.read(f"{name}.json"))
        assert rows, f"the archive has no {label}"
    # Both versions of the team's answer and the solo answer.
    versions = {r["pk"] for r in json.loads(archive.read("submissions.json"))}
    assert {world.answer.pk, world.answer_v2.pk, world.solo_answer.pk} <= versions
    profile = json.loads(archive.read("profile.json"))[0]["fields"]
    assert profile["email"] == "oona@example.fi"
    assert "password" not in profile
    # The peer reviewer stays anonymous to the learner.
    assert all(
        "reviewer" not in r["fields"]
        for r in json.loads(archive.read("peer_reviews_received.json"))
    )
    files = [n for n in names if n.startswith("files/")]
    assert any(n.endswith("haaste.pdf") for n in files)
    assert any(n.endswith("oma.pdf") for n in files)
    assert any(n.startswith("files/run-log/") for n in files)
    assert "files/certificates/AAAA-CERT-0001.pdf" in names
    pdf = next(n for n in files if n.endswith("haaste.pdf"))
    assert archive.read(pdf) == b"%PDF-1.4 tiimin liite"
    assert "README.txt" in names


def test_the_archive_holds_nothing_of_anyone_else(world, outsider_learner):
    export = _build(outsider_learner)
    archive = _open(export)
    assert json.loads(archive.read("submissions.json")) == []
    assert json.loads(archive.read("certificates.json")) == []
    assert not [n for n in archive.namelist() if n.startswith("files/")]
    text = b"".join(archive.read(n) for n in archive.namelist())
    assert b"oona@example.fi" not in text


def test_a_duplicate_task_finds_the_archive_claimed_and_stops(world):
    export = _build(world.learner)
    assert services.data_export_build(export_id=export.pk) is False


def test_my_data_queues_one_archive_and_polls_until_it_is_ready(world, client_for):
    client = client_for(world.learner)
    with translation.override("en"):
        page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200
    assert b'data-testid="data-export-request"' in page.content
    response = client.post(reverse("privacy:export_request"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    export = DataExport.objects.get(user=world.learner)
    # A second click while it waits does not queue another.
    client.post(reverse("privacy:export_request"))
    assert DataExport.objects.filter(user=world.learner).count() == 1
    partial = client.get(reverse("privacy:my_data") + "?part=exports", HTTP_HX_REQUEST="true")
    if export.status == DataExport.Status.PENDING:
        assert b'hx-trigger="every 2s"' in partial.content
    services.data_export_build(export_id=export.pk)
    partial = client.get(reverse("privacy:my_data") + "?part=exports", HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in partial.content
    assert b'data-testid="data-export-download"' in partial.content
    download = client.get(reverse("privacy:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    download.close()
    assert zipfile.ZipFile(io.BytesIO(body)).read("profile.json")


def test_the_request_publishes_the_task_after_commit(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.learner)
    with django_capture_on_commit_callbacks() as hooks:
        client.post(reverse("privacy:export_request"))
    export = DataExport.objects.get(user=world.learner)
    hints = [h for h in hooks if isinstance(h, PublishHint)]
    assert [(h.task.name, h.args) for h in hints] == [
        ("privacy.tasks.data_export_build", (export.pk,))
    ]


def test_nobody_else_may_download_a_persons_archive(world, client_for, instructor, superuser):
    export = _build(world.learner)
    url = reverse("privacy:export_download", args=[export.pk])
    for other in (world.team_mate, instructor, superuser):
        assert client_for(other).get(url).status_code == 404
    own = client_for(world.learner).get(url)
    assert own.status_code == 200
    own.close()


def test_my_data_needs_a_sign_in(client, db):
    for response in (
        client.get(reverse("privacy:my_data")),
        client.post(reverse("privacy:export_request")),
    ):
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert DataExport.objects.count() == 0


def test_archives_are_removed_after_the_keeping_time(world, settings):
    export = _build(world.learner)
    stored_name, storage = export.file.name, export.file.storage
    assert storage.exists(stored_name)
    assert services.data_exports_expire() == 0
    later = timezone.now() + datetime.timedelta(days=settings.PRIVACY_EXPORT_KEEP_DAYS, hours=1)
    assert services.data_exports_expire(now=later) == 1
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert not export.file
    assert not storage.exists(stored_name)
    assert services.data_exports_expire(now=later) == 0


def test_the_sweeper_publishes_a_lost_archive_and_resets_a_dead_worker(world, monkeypatch):
    published = []
    monkeypatch.setattr(
        "core.outbox.publish", lambda task, *args, **kw: published.append(args) or True
    )
    waiting = DataExport.objects.create(user=world.learner)
    later = timezone.now() + datetime.timedelta(hours=1)
    assert privacy_outbox.data_exports_sweep(now=later) == [waiting.pk]
    assert privacy_outbox.data_exports_sweep(now=later) == []  # claimed: not twice
    DataExport.objects.filter(pk=waiting.pk).update(
        status=DataExport.Status.RUNNING, claimed_at=later - datetime.timedelta(hours=1)
    )
    much_later = later + datetime.timedelta(hours=3)
    assert privacy_outbox.data_exports_sweep(now=much_later) == [waiting.pk]
    waiting.refresh_from_db()
    assert waiting.status == DataExport.Status.PENDING
    assert tasks.data_export_build.name == "privacy.tasks.data_export_build"


@pytest.mark.parametrize("extra", [0, 8])
def test_my_data_reads_a_fixed_number_of_queries(
    world, client_for, instructor, django_assert_num_queries, extra
):
    from privacy.models import AccessLogEntry

    for _ in range(extra):
        DataExport.objects.create(user=world.learner, status=DataExport.Status.FAILED)
        AccessLogEntry.objects.create(
            learner=world.learner, viewer=instructor, cohort=world.cohort, kind="submission"
        )
    client = client_for(world.learner)
    # The session, and the learner with the navigation's roles and unread badge (2); her
    # exports (1); the access log's count (1) and, when it has any row, its page with viewers,
    # cohorts and roles (1: an empty log has no page to read); her open erasure request (1),
    # for one export and log row or nine. (12 allowed before.)
    with django_assert_num_queries(5 if extra == 0 else 6):
        assert client.get(reverse("privacy:my_data")).status_code == 200


@pytest.mark.parametrize("versions", [0, 15])
def test_making_the_archive_reads_a_fixed_number_of_queries(
    world, django_assert_max_num_queries, versions
):
    from django.core.files.base import ContentFile

    from tests import factories

    for n in range(versions):
        answer = factories.SubmissionFactory(
            assignment=world.answer.assignment,
            cohort=world.cohort,
            learner=world.learner,
            experiment=world.team_experiment,
            version=3 + n,
        )
        factories.SubmissionFileFactory(
            submission=answer, file=ContentFile(b"%PDF-1.4 x", name="x.pdf")
        )
    export = DataExport.objects.create(user=world.learner)
    # 63 measured on SQLite (with the feedback files, the files waiting for a form and the
    # answers to showing a name with a team card): one or two per kind of record, the progress
    # updates.
    with django_assert_max_num_queries(64):
        services.data_export_build(export_id=export.pk)
    export.refresh_from_db()
    names = _open(export).namelist()
    assert len([n for n in names if n.startswith("files/submissions/")]) == 2 + versions


def test_files_sent_ahead_of_a_form_not_yet_submitted_are_in_the_archive(world, outsider_learner):
    # A learner added a file to the answer form (it went ahead to /uploads/) and has not
    # submitted yet: the file is theirs too, and only theirs.
    from core import staged_uploads

    body = b"%PDF-1.4 luonnoksen liite"
    staged_uploads.staged_upload_receive(
        owner=world.learner,
        stream=io.BytesIO(body),
        length=len(body),
        name="luonnos/../liite 1.pdf",
        content_type="application/pdf",
    )
    archive = _open(_build(world.learner))
    waiting = json.loads(archive.read("files_waiting.json"))
    assert [row["fields"]["name"] for row in waiting] == ["liite 1.pdf"]
    assert "token" not in waiting[0]["fields"]  # the form's key to the file stays out
    stored = [n for n in archive.namelist() if n.startswith("files/waiting/")]
    assert stored == [f"files/waiting/{waiting[0]['pk']}-liite 1.pdf"]
    assert archive.read(stored[0]) == body
    assert "files/waiting/" in archive.read("README.txt").decode()
    other = _open(_build(outsider_learner))
    assert json.loads(other.read("files_waiting.json")) == []
    assert not [n for n in other.namelist() if n.startswith("files/waiting/")]


@pytest.mark.parametrize(
    ("language", "words"),
    [("fi", "Tiedosto on tyhjä."), ("sv", "Filen är tom."), ("en", "The file is empty.")],
)
def test_a_refused_files_reason_is_in_words_in_the_holders_language(world, language, words):
    """Refusals are kept as codes (workshops.checks): the archive says why in words, in the
    language of the person whose archive it is, not the worker's."""
    from workshops.models import SubmissionFile

    SubmissionFile.objects.filter(original_name="oma.pdf").update(
        status=SubmissionFile.Status.REJECTED, reason_code="empty", reason=""
    )
    world.learner.language = language
    world.learner.save(update_fields=["language"])
    with translation.override("fi" if language != "fi" else "en"):
        rows = json.loads(_open(_build(world.learner)).read("submission_files.json"))
    refused = next(r["fields"] for r in rows if r["fields"]["original_name"] == "oma.pdf")
    assert refused["reason"] == words
