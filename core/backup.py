"""Backups of the whole platform and their restore (`manage.py backup` / `manage.py restore`).

One archive (an uncompressed tar; its parts are compressed already) holds:

- `database.dump`: a `pg_dump --format=custom` snapshot on PostgreSQL, or `database.sqlite3`:
  a copy made with SQLite's online backup API on SQLite (exact, including the full-text search
  tables that `dumpdata` cannot carry);
- `private/...`: every file under PRIVATE_MEDIA_ROOT (learners' uploads, previews, run-log
  photos, session materials, generated PDFs) except `.incoming/`, where uploads still arriving
  are spooled (core/uploads.py: half-written temporary files no row refers to), and
  `media/...`: every file under MEDIA_ROOT;
- `manifest.json`: the format, when and from what it was made, the applied migrations, the row
  count of every model, and the size and SHA-256 of every other member.

A restore checks the whole archive against its manifest before it changes anything, needs an
empty database and empty file folders (a private folder holding only `.incoming/` counts as
empty: the server makes it when it receives its first large upload, and a worker may be writing
in it; it is left as it is), loads the database in one transaction, then moves the
files into place and compares the row counts with the manifest.

The database is dumped first and the files copied after it, so every file a row refers to is in
the archive unless it was deleted in between.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from core.storage import PrivateStorage, private_storage_is_local
from core.uploads import INCOMING

FORMAT = "alueagentti-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_DUMP = "database.sqlite3"
DUMP_FILES = {"pg_dump-custom": PG_DUMP, "sqlite-backup": SQLITE_DUMP}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    created_at: str
    database_vendor: str
    database_format: str
    migrations: dict[str, list[str]]
    counts: dict[str, int]
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": self.created_at,
                "database": {"vendor": self.database_vendor, "format": self.database_format},
                "migrations": self.migrations,
                "counts": self.counts,
                "members": self.members,
            },
            indent=2,
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise BackupError("This is not an Alueagentti backup (unknown manifest format).")
            if data.get("version") != FORMAT_VERSION:
                raise BackupError(
                    f"Backup format version {data.get('version')} is not supported "
                    f"(this version reads {FORMAT_VERSION})."
                )
            return cls(
                created_at=data["created_at"],
                database_vendor=data["database"]["vendor"],
                database_format=data["database"]["format"],
                migrations=data["migrations"],
                counts=data["counts"],
                members=data["members"],
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"The backup's manifest is unreadable: {exc}") from None


# --- helpers ---------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _file_roots() -> dict[str, Path]:
    """The folders whose files are backed up as they are on disk: MEDIA_ROOT, and
    PRIVATE_MEDIA_ROOT unless the private files are in an S3 bucket (see _bucket_files)."""
    roots = {"media": Path(settings.MEDIA_ROOT)}
    if private_storage_is_local():
        roots["private"] = Path(settings.PRIVATE_MEDIA_ROOT)
    return roots


def _bucket() -> Storage:
    """The private storage at its root (an S3 bucket and prefix when configured)."""
    return cast(Storage, PrivateStorage(""))  # a lazy proxy of the configured Storage


def _bucket_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in `storage` under `folder`, depth first."""
    directories, files = storage.listdir(folder)
    for name in sorted(files):
        yield posixpath.join(folder, name)
    for directory in sorted(directories):
        yield from _bucket_files(storage, posixpath.join(folder, directory))


def _walk_files(root: Path, *, skip: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Every regular file under `root`, leaving out the top-level entries named in `skip`."""
    if not root.is_dir():
        return
    for directory, dirs, files in os.walk(root):
        if directory == os.fspath(root):
            dirs[:] = [name for name in dirs if name not in skip]
            files = [name for name in files if name not in skip]
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _not_backed_up(prefix: str) -> frozenset[str]:
    """Top-level entries of a file root that are no part of the platform's data: uploads still
    arriving in the private files' `.incoming/` (see core/uploads.py)."""
    return frozenset({INCOMING}) if prefix == "private" else frozenset()


def _pg_environment(alias: str = "default") -> dict[str, str]:
    """libpq's environment for pg_dump / pg_restore, from the Django connection settings."""
    db = connections[alias].settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, variable in (
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _run(command: list[str], *, env: dict[str, str]) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed programs, arguments from settings
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client of the server's "
            "major version (the image has it)."
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


def applied_migrations(alias: str = "default") -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[alias])
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def row_counts(alias: str = "default") -> dict[str, int]:
    """Rows of every model with a table of its own (the numbers a restore must find again)."""
    counts = {
        model._meta.label: model._base_manager.using(alias).count() for model in _counted_models()
    }
    return dict(sorted(counts.items()))


def database_is_empty(alias: str = "default") -> bool:
    with connections[alias].cursor() as cursor:
        return not connections[alias].introspection.table_names(cursor)


# --- backup ----------------------------------------------------------------------------------


def _counted_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if not model._meta.proxy and model._meta.managed]


def _pg_dump_with_counts(dump: Path, alias: str) -> tuple[dict[str, list[str]], dict[str, int]]:
    """pg_dump and the row counts from one snapshot, so the counts match the dump exactly
    while people keep working: the counts are read in a repeatable-read transaction whose
    snapshot pg_dump is given (`--snapshot`)."""
    connection = connections[alias]
    command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"]
    if connection.in_atomic_block:
        # Inside a caller's transaction no snapshot can be exported: counts, then the dump.
        migrations, counts = applied_migrations(alias), row_counts(alias)
        _run(command, env=_pg_environment(alias))
        return migrations, counts
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        migrations, counts = applied_migrations(alias), row_counts(alias)
        _run([*command, f"--snapshot={snapshot}"], env=_pg_environment(alias))
    return migrations, counts


def _sqlite_migrations_and_counts(
    copy: sqlite3.Connection,
) -> tuple[dict[str, list[str]], dict[str, int]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in copy.execute(
        "SELECT app, name FROM django_migrations ORDER BY app, name"
    ):
        applied.setdefault(app_label, []).append(name)
    counts = {}
    for model in _counted_models():
        table = model._meta.db_table.replace('"', '""')
        counts[model._meta.label] = copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - table names from the models
    return applied, dict(sorted(counts.items()))


class _HashingReader(io.RawIOBase):
    """Reads through a file object, hashing and counting what passes."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _add_stored_file(
    archive: tarfile.TarFile, manifest: Manifest, name: str, storage: Storage, stored: str
) -> None:
    """A file of the private storage (an S3 object), streamed into the archive."""
    info = tarfile.TarInfo(name)
    info.size = storage.size(stored)
    info.mode = 0o600
    info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
    with storage.open(stored, "rb") as handle:
        reader = _HashingReader(handle)
        archive.addfile(info, reader)
    if reader.size != info.size:
        raise BackupError(f"{stored} changed size while it was copied; run the backup again.")
    manifest.members[name] = {"size": reader.size, "sha256": reader.digest.hexdigest()}


def _add_member(archive: tarfile.TarFile, manifest: Manifest, name: str, path: Path) -> None:
    manifest.members[name] = {"size": path.stat().st_size, "sha256": _sha256_file(path)}
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with path.open("rb") as handle:
        archive.addfile(info, handle)


def backup_create(*, output: Path, alias: str = "default") -> Manifest:
    """Write a backup of the database and the private and public files to `output`."""
    connection = connections[alias]
    vendor = connection.vendor
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    with tempfile.TemporaryDirectory(prefix="alueagentti-backup-") as tmp:
        if vendor not in ("postgresql", "sqlite"):
            raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
        created_at = datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds")
        if vendor == "postgresql":
            dump = Path(tmp) / PG_DUMP
            migrations, counts = _pg_dump_with_counts(dump, alias)
        else:
            dump = Path(tmp) / SQLITE_DUMP
            connection.ensure_connection()
            copy = sqlite3.connect(dump)
            try:
                connection.connection.backup(copy)
                # Counted in the copy, so the numbers are exactly what the archive holds.
                migrations, counts = _sqlite_migrations_and_counts(copy)
            finally:
                copy.close()
        dump_name = dump.name
        manifest = Manifest(
            created_at=created_at,
            database_vendor=vendor,
            database_format="pg_dump-custom" if vendor == "postgresql" else "sqlite-backup",
            migrations=migrations,
            counts=counts,
        )
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                _add_member(archive, manifest, dump_name, dump)
                # Archives kept among the files themselves are not backed up again.
                backup_root = Path(settings.BACKUP_ROOT).resolve()
                this_archive = {output.resolve(), partial.resolve()}
                for prefix, root in _file_roots().items():
                    for path in _walk_files(root, skip=_not_backed_up(prefix)):
                        resolved = path.resolve()
                        if resolved in this_archive or backup_root in resolved.parents:
                            continue
                        name = f"{prefix}/{path.relative_to(root).as_posix()}"
                        _add_member(archive, manifest, name, path)
                if not private_storage_is_local():
                    bucket = _bucket()
                    for stored in _bucket_files(bucket):
                        _add_stored_file(archive, manifest, f"private/{stored}", bucket, stored)
                raw = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(raw)
                info.mode = 0o600
                info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
                archive.addfile(info, io.BytesIO(raw))
            os.chmod(partial, 0o600)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


# --- restore ---------------------------------------------------------------------------------


def _safe_member_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The backup holds an unsafe path: {name!r}.")
    return path


def _copy_member(source: IO[bytes], target: Path, expected: dict[str, Any], name: str) -> None:
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
    if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
        raise BackupError(
            f"{name} in the backup does not match its manifest: the archive is damaged."
        )


def _read_archive(archive_path: Path, staging: Path) -> tuple[Manifest, Path]:
    """Unpack the archive into `staging`, checking every member against the manifest."""
    try:
        archive = tarfile.open(archive_path, "r:*")  # noqa: SIM115 - closed by `with` below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Cannot read the backup {archive_path}: {exc}") from None
    with archive:
        try:
            manifest_member = archive.extractfile(MANIFEST)
        except KeyError:
            raise BackupError("The backup has no manifest.json: it is not complete.") from None
        if manifest_member is None:
            raise BackupError("The backup's manifest.json is not a file.")
        manifest = Manifest.from_json(manifest_member.read())
        seen = set()
        for member in archive:
            if member.name == MANIFEST:
                continue
            path = _safe_member_name(member.name)
            if not member.isfile():
                raise BackupError(f"The backup holds something other than a file: {member.name!r}.")
            expected = manifest.members.get(member.name)
            if expected is None:
                raise BackupError(f"{member.name} in the backup is not in its manifest.")
            source = archive.extractfile(member)
            assert source is not None  # noqa: S101 - a regular file always has a reader
            _copy_member(source, staging.joinpath(*path.parts), expected, member.name)
            seen.add(member.name)
    missing = sorted(set(manifest.members) - seen)
    if missing:
        raise BackupError(f"The backup is missing {len(missing)} file(s), e.g. {missing[0]}.")
    dump_name = DUMP_FILES.get(manifest.database_format)
    if dump_name is None:
        raise BackupError(f"Unknown database format {manifest.database_format!r} in the backup.")
    if dump_name not in seen:
        raise BackupError("The backup holds no database dump.")
    return manifest, staging / dump_name


def _check_migrations(manifest: Manifest) -> None:
    """Refuse a backup made by a newer version of the platform than this one."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app_label}.{name}"
        for app_label, names in manifest.migrations.items()
        for name in names
        if (app_label, name) not in known
    ]
    if unknown:
        raise BackupError(
            "The backup was made by a newer version of the platform (unknown migrations: "
            f"{', '.join(unknown[:5])}). Restore it with that version."
        )


def _check_targets_empty(roots: dict[str, Path]) -> None:
    """Refuse folders that hold files; `.incoming/` in the private folder does not count: the
    server may have received an upload there before the restore (it holds only temporary files,
    and a worker may be writing one, so it is left alone)."""
    for prefix, root in roots.items():
        skip = _not_backed_up(prefix)
        if root.exists() and any(
            not (child.name in skip and child.is_dir() and not child.is_symlink())
            for child in root.iterdir()
        ):
            raise BackupError(
                f"{root} is not empty. Restore into empty folders (move the old files away first)."
            )


def _restore_database(manifest: Manifest, dump: Path, alias: str) -> None:
    vendor = connections[alias].vendor
    if manifest.database_format == "pg_dump-custom":
        if vendor != "postgresql":
            raise BackupError(
                "This backup holds a PostgreSQL dump: restore it into a PostgreSQL database."
            )
        connections[alias].close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                connections[alias].settings_dict["NAME"],
                str(dump),
            ],
            env=_pg_environment(alias),
        )
        return
    if vendor != "sqlite":
        raise BackupError("This backup holds an SQLite database: restore it into SQLite.")
    connection = connections[alias]
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        # Copies every page in one step; the target is locked meanwhile.
        source.backup(connection.connection)
    finally:
        source.close()


def _move_into_place(staging: Path, roots: dict[str, Path]) -> None:
    for prefix, root in roots.items():
        source = staging / prefix
        if not source.is_dir():
            continue
        # Child by child into the (checked empty) folder, which may be a mount point.
        root.mkdir(parents=True, exist_ok=True)
        for child in source.iterdir():
            shutil.move(str(child), str(root / child.name))


def _upload_to_bucket(folder: Path) -> None:
    """Put the staged private files into the (checked empty) bucket under their own names."""
    if not folder.is_dir():
        return
    bucket = _bucket()
    for path in _walk_files(folder):
        name = path.relative_to(folder).as_posix()
        with path.open("rb") as handle:
            saved = bucket.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"{name} was stored as {saved}: the bucket was not empty.")


def backup_restore(*, archive: Path, alias: str = "default") -> Manifest:
    """Restore `archive` into the (empty) database and the (empty) file folders."""
    if not database_is_empty(alias):
        raise BackupError(
            "The database is not empty. Restore into a new, empty database (create one and "
            "point DATABASE_URL at it)."
        )
    roots = _file_roots()
    _check_targets_empty(roots)
    if not private_storage_is_local() and any(_bucket().listdir("")):
        raise BackupError(
            "The private files' bucket (ALUEAGENTTI_S3_BUCKET and its prefix) is not empty. "
            "Restore into an empty bucket or prefix."
        )
    # Staged next to the files, so moving them into place is a rename.
    staging_parent = roots.get("private", roots["media"]).parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=staging_parent) as tmp:
        staging = Path(tmp)
        manifest, dump = _read_archive(archive, staging)
        # A backup made before `.incoming/` was left out may hold half-written uploads there.
        for name in _not_backed_up("private"):
            shutil.rmtree(staging / "private" / name, ignore_errors=True)
        _check_migrations(manifest)
        _restore_database(manifest, dump, alias)
        dump.unlink()
        _move_into_place(staging, roots)
        if not private_storage_is_local():
            _upload_to_bucket(staging / "private")
    counts = row_counts(alias)
    differing = {
        label: (expected, counts.get(label))
        for label, expected in manifest.counts.items()
        if counts.get(label) != expected
    }
    if differing:
        label, (expected, found) = next(iter(differing.items()))
        raise BackupError(
            f"Restored, but {len(differing)} table(s) differ from the backup, e.g. {label}: "
            f"{found} rows instead of {expected}."
        )
    return manifest
