"""`manage.py backup` / `manage.py restore`: the whole platform into one archive and back.

The restore runs as an operator runs it: a separate process with DATABASE_URL pointing at a new,
empty database (PostgreSQL when the tests run on PostgreSQL, as in CI: pg_dump / pg_restore;
SQLite otherwise: dumpdata / loaddata) and empty file folders.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from tests import factories
from workshops.models import Submission, SubmissionFile

PDF_V1 = b"%PDF-1.4\n% version one of the plan\n" + bytes(range(256)) * 40
PDF_V2 = b"%PDF-1.4\n% version two, after the review\n" + bytes(reversed(range(256))) * 40
COMPARED_APPS = ["core", "courses", "learners", "workshops", "notifications", "portfolio", "impact"]


def _run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class EmptyTarget:
    """A new, empty database of the test database's kind, and empty file folders."""

    def __init__(self, tmp_path: Path, name: str = "restore") -> None:
        self.private = tmp_path / f"{name}-private"
        self.media = tmp_path / f"{name}-media"
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.db_name = f"{connection.settings_dict['NAME']}_{name}"
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}"')
            self._admin(f'CREATE DATABASE "{self.db_name}"')
            from tests.e2e_support import worker_database_url

            base = worker_database_url().rsplit("/", 1)[0]
            self.url = f"{base}/{self.db_name}"
        else:
            self.db_path = tmp_path / f"{name}.sqlite3"
            self.url = f"sqlite:///{self.db_path}"

    def _admin(self, sql: str) -> None:
        import psycopg

        db = connection.settings_dict
        with psycopg.connect(
            dbname="postgres",
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            autocommit=True,
        ) as admin:
            admin.execute(sql)

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.base",
                "DATABASE_URL": self.url,
                "PRIVATE_MEDIA_ROOT": str(self.private),
                "MEDIA_ROOT": str(self.media),
                "CELERY_BROKER_URL": "",
            }
        )
        return env

    def rows(self, sql: str) -> list[tuple]:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.url) as conn:
                return [tuple(row) for row in conn.execute(sql).fetchall()]
        with sqlite3.connect(self.db_path) as conn:
            return [tuple(row) for row in conn.execute(sql).fetchall()]

    def tables(self) -> list[str]:
        if self.vendor == "postgresql":
            return [
                r[0]
                for r in self.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ]
        if not self.db_path.exists():
            return []
        return [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]


@pytest.fixture
def target(transactional_db, tmp_path):
    empty = EmptyTarget(tmp_path)
    yield empty
    empty.drop()


@pytest.fixture
def a_week_of_work(transactional_db, cohort, learner, instructor, assignment):
    """A plan sent, sent back for revision and sent again with a new file; a course image."""
    v1 = factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        version=1,
        text="Ensimmäinen versio: matkaketjut.",
        status=Submission.Status.REVISION_REQUESTED,
    )
    factories.SubmissionFileFactory(
        submission=v1, file=ContentFile(PDF_V1, name="suunnitelma.pdf"), size=len(PDF_V1)
    )
    v2 = factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        version=2,
        text="Toinen versio: matkaketjut ja kyytipalvelu.",
    )
    factories.SubmissionFileFactory(
        submission=v2, file=ContentFile(PDF_V2, name="suunnitelma-v2.pdf"), size=len(PDF_V2)
    )
    image = Path(settings.MEDIA_ROOT) / "images" / "kartta.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"kartta" * 100)
    return v1, v2


def _dump(env: dict[str, str] | None = None) -> list[dict]:
    """The rows of the platform's own apps as dumpdata sees them, here or in `env`'s database."""
    # Unmanaged models are SQLite's full-text indexes (compared through the rows they index).
    unmanaged = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in COMPARED_APPS and not m._meta.managed
    ]
    if env is None:
        out = io.StringIO()
        call_command(
            "dumpdata", *COMPARED_APPS, natural_foreign=True, exclude=unmanaged, stdout=out
        )
        data = out.getvalue()
    else:
        excludes = [arg for label in unmanaged for arg in ("-e", label)]
        result = _run_manage("dumpdata", *COMPARED_APPS, "--natural-foreign", *excludes, env=env)
        assert result.returncode == 0, result.stderr
        data = result.stdout
    return sorted(json.loads(data), key=lambda row: (row["model"], str(row["pk"])))


def test_a_restore_into_an_empty_database_finds_the_same_versions_and_files(
    a_week_of_work, target, tmp_path
):
    archive = tmp_path / "backups" / "alueagentti.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds everyone's data

    assert target.tables() == []
    result = _run_manage("restore", str(archive), env=target.env)
    assert result.returncode == 0, result.stderr
    assert "Restored the backup" in result.stdout

    # The same submission versions, with the same texts and files.
    versions = target.rows(
        "SELECT id, version, text, status FROM workshops_submission ORDER BY version"
    )
    assert versions == [
        (s.pk, s.version, s.text, s.status) for s in Submission.objects.order_by("version")
    ]
    # Every file, byte for byte, under the name the rows point to.
    for stored in SubmissionFile.objects.all():
        restored = target.private / stored.file.name
        assert restored.read_bytes() == Path(stored.file.path).read_bytes()
    assert {p.read_bytes() for p in target.private.rglob("*") if p.is_file()} == {PDF_V1, PDF_V2}
    image = target.media / "images" / "kartta.png"
    assert image.read_bytes() == (Path(settings.MEDIA_ROOT) / "images" / "kartta.png").read_bytes()
    # And every other row of the platform's apps, identical.
    assert _dump(target.env) == _dump()


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(
    a_week_of_work, tmp_path, settings
):
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    before = _dump()
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "elsewhere"
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(archive))
    assert _dump() == before
    assert not (tmp_path / "elsewhere").exists()


def _damage(archive: Path, prefix: str) -> Path:
    """A copy of the archive with the last byte of its first member under `prefix` changed."""
    damaged = archive.with_name("damaged.tar")
    changed = False
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as copy:
        for member in source:
            data = source.extractfile(member).read()
            if member.name.startswith(prefix) and not changed:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
                changed = True
            copy.addfile(member, io.BytesIO(data))
    assert changed
    return damaged


def test_a_damaged_archive_is_refused_before_anything_is_restored(a_week_of_work, target, tmp_path):
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    damaged = _damage(archive, "private/")

    result = _run_manage("restore", str(damaged), env=target.env)
    assert result.returncode != 0
    assert "does not match its manifest: the archive is damaged" in result.stderr
    assert target.tables() == []
    assert not target.private.exists()
    assert not target.media.exists()
    # Nothing left behind next to the folders either.
    assert not list(target.private.parent.glob(".restore-*"))


def test_restore_refuses_folders_that_hold_files(a_week_of_work, target, tmp_path):
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    target.private.mkdir()
    (target.private / "old.pdf").write_bytes(b"old")
    result = _run_manage("restore", str(archive), env=target.env)
    assert result.returncode != 0
    assert "is not empty" in result.stderr
    assert target.tables() == []
    assert (target.private / "old.pdf").read_bytes() == b"old"


def test_the_archive_lists_every_member_with_its_checksum(a_week_of_work, tmp_path):
    archive = tmp_path / "backup.tar"
    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["format"] == "alueagentti-backup"
    assert manifest["database"]["vendor"] == connection.vendor
    assert set(manifest["members"]) == set(names) - {"manifest.json"}
    assert all(not name.startswith("/") and ".." not in name for name in names)
    assert sum(name.startswith("private/") for name in names) == 2
    assert "media/images/kartta.png" in names
    assert manifest["counts"]["workshops.Submission"] == 2
    assert "0001_initial" in manifest["migrations"]["workshops"]
    assert f"and 3 files to {archive}" in out.getvalue()


def test_backup_will_not_overwrite_an_archive(db, tmp_path):
    archive = tmp_path / "backup.tar"
    archive.write_bytes(b"yesterday's backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", output=archive)
    assert archive.read_bytes() == b"yesterday's backup"


def test_rows_written_while_pg_dump_runs_are_neither_dumped_nor_counted(
    a_week_of_work, target, tmp_path, monkeypatch
):
    """People keep working during a backup: the counts and the dump come from one snapshot."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump's snapshot: the SQLite copy is counted in the copy itself")
    import psycopg

    from core import backup as backup_module

    real_run = backup_module._run

    def run_while_someone_signs_in(command, *, env):
        with psycopg.connect(target.url.rsplit("/", 1)[0] + "/" + env["PGDATABASE"]) as other:
            other.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date) "
                "VALUES ('written-during-the-dump', 'x', now() + interval '1 day')"
            )
        real_run(command, env=env)

    monkeypatch.setattr(backup_module, "_run", run_while_someone_signs_in)
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["counts"]["sessions.Session"] == 0

    result = _run_manage("restore", str(archive), env=target.env)
    assert result.returncode == 0, result.stderr
    assert target.rows("SELECT session_key FROM django_session") == []


def test_archives_kept_among_the_files_are_not_backed_up_again(a_week_of_work, settings):
    settings.BACKUP_ROOT = Path(settings.PRIVATE_MEDIA_ROOT) / "backups"
    call_command("backup", stdout=io.StringIO())
    call_command("backup", output=settings.BACKUP_ROOT / "second.tar", stdout=io.StringIO())
    with tarfile.open(settings.BACKUP_ROOT / "second.tar") as tar:
        names = tar.getnames()
    assert sum(name.startswith("private/") for name in names) == 2
    assert not [name for name in names if name.endswith(".tar")]


# Two spooled S3 downloads are left to the garbage collector in this test (ResourceWarning);
# where they are opened is not pinned down yet: backup and restore close theirs with `with`.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_private_files_in_an_s3_bucket_are_backed_up_and_restored_into_an_empty_one(
    s3_storage, moto_s3, a_week_of_work, target, tmp_path, monkeypatch
):
    """With ALUEAGENTTI_S3_BUCKET the private files live in the bucket, not on this disk."""
    stored = {}
    for row in SubmissionFile.objects.all():
        with row.file.open("rb") as handle:
            stored[row.file.name] = handle.read()
    assert set(stored.values()) == {PDF_V1, PDF_V2}
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        private = {
            name.removeprefix("private/"): tar.extractfile(name).read()
            for name in tar.getnames()
            if name.startswith("private/")
        }
    assert private == stored

    empty_bucket = moto_s3.create_bucket()
    env = {**target.env, **moto_s3.environment(empty_bucket)}
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    result = _run_manage("restore", str(archive), env=env)
    assert result.returncode == 0, result.stderr
    assert {key: moto_s3.read(empty_bucket, key) for key in moto_s3.keys(empty_bucket)} == stored
    assert not target.private.exists()  # nothing went to the disk

    # A second restore into the same (now full) bucket is refused before anything changes.
    again = EmptyTarget(tmp_path, name="again")
    try:
        again_env = {**again.env, **moto_s3.environment(empty_bucket)}
        result = _run_manage("restore", str(archive), env=again_env)
        assert result.returncode != 0
        assert "bucket (ALUEAGENTTI_S3_BUCKET and its prefix) is not empty" in result.stderr
        assert again.tables() == []
    finally:
        again.drop()


def test_an_upload_still_arriving_is_not_backed_up(a_week_of_work, tmp_path):
    """A large upload is spooled into PRIVATE_MEDIA_ROOT/.incoming/ (core/uploads.py) while it
    arrives: a backup taken meanwhile leaves that half-written temporary file out."""
    from core.uploads import INCOMING, SpooledUpload

    arriving = SpooledUpload("plan.pdf", "application/pdf", 0, None)
    try:
        arriving.write(b"%PDF-1.4\n% the first megabyte of fifteen")
        arriving.flush()
        spooled = Path(arriving.temporary_file_path())
        assert spooled.parent == Path(settings.PRIVATE_MEDIA_ROOT) / INCOMING
        archive = tmp_path / "backup.tar"
        call_command("backup", output=archive, stdout=io.StringIO())
    finally:
        arriving.close()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert not [name for name in names if INCOMING in name]
    assert not [name for name in manifest["members"] if INCOMING in name]
    assert sum(name.startswith("private/") for name in names) == 2  # the two versions' files


def test_restore_into_a_folder_where_the_server_already_received_an_upload(
    a_week_of_work, target, tmp_path
):
    """The server makes PRIVATE_MEDIA_ROOT/.incoming/ when its first large upload arrives: a
    private folder holding only that counts as empty, and the worker's file is left alone."""
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    incoming = target.private / ".incoming"
    incoming.mkdir(parents=True)
    (incoming / "tmpabc123.upload.pdf").write_bytes(b"%PDF-1.4\n% still arriving")

    result = _run_manage("restore", str(archive), env=target.env)
    assert result.returncode == 0, result.stderr
    for stored in SubmissionFile.objects.all():
        assert (target.private / stored.file.name).read_bytes() == Path(
            stored.file.path
        ).read_bytes()
    assert (incoming / "tmpabc123.upload.pdf").read_bytes() == b"%PDF-1.4\n% still arriving"
    assert [p.name for p in incoming.iterdir()] == ["tmpabc123.upload.pdf"]


def test_restore_still_refuses_files_beside_the_incoming_folder(a_week_of_work, target, tmp_path):
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    (target.private / ".incoming").mkdir(parents=True)
    (target.private / "old.pdf").write_bytes(b"old")
    result = _run_manage("restore", str(archive), env=target.env)
    assert result.returncode != 0
    assert "is not empty" in result.stderr
    assert target.tables() == []


def test_half_written_uploads_in_an_older_backup_are_not_restored(
    a_week_of_work, target, tmp_path, monkeypatch
):
    """A backup made before `.incoming/` was left out may hold a temporary file there."""
    from core import backup as backup_module

    spooled = Path(settings.PRIVATE_MEDIA_ROOT) / ".incoming" / "tmpold.upload.pdf"
    spooled.parent.mkdir(parents=True, exist_ok=True)
    spooled.write_bytes(b"%PDF-1.4\n% cut off")
    monkeypatch.setattr(backup_module, "INCOMING", "not-left-out")  # as the old version did
    archive = tmp_path / "backup.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        assert "private/.incoming/tmpold.upload.pdf" in tar.getnames()

    result = _run_manage("restore", str(archive), env=target.env)
    assert result.returncode == 0, result.stderr
    assert not (target.private / ".incoming").exists()
    assert sum(p.is_file() for p in target.private.rglob("*")) == 2
