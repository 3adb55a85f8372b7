"""Files sent on their own before the form that uses them ("upload first, then submit").

The browser sends each chosen file as the raw body of one request (static/js/staged-uploads.js,
`core.views_uploads.staged_upload`) as soon as it is chosen; the form then carries only a token
(`core.staged_fields.StagedFilesField`). The bytes are written once, 1 MB at a time, as they
arrive: on this machine's disk into PRIVATE_MEDIA_ROOT/.incoming, on the same file system as
their final place, so storing them later is a rename; with an S3 bucket through the system's
temporary folder into the bucket's `.incoming/`, shared by every web machine. The form's
request then carries a few hundred bytes, and a form that comes back with an error keeps the
files already sent.

The row is written first, before any byte: the limit on files waiting per person is a condition
of its INSERT, so it costs no query of its own and a person at the limit is refused before the
body is read. The token goes out only once all the bytes are there; a body refused or cut short
takes its row and its bytes with it.

A token is used once. The row is deleted when the file's bytes are first taken (the storage
renames or reads it) inside the transaction that stores it, so of two submits with the same
token one stores the file and the other finds no row (an OSError, which the services answer as
"could not be stored"); a rolled-back submit leaves the row as it was. Rows unused for a day,
and their files, are removed by `staged_uploads_expire` (beat, hourly).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, Protocol, cast

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connections, router, transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from core.direct_body import BodyCut, read_body_into
from core.models import StagedUpload, User
from core.storage import PrivateStorage, private_storage_is_local
from core.uploads import CHUNK_SIZE, INCOMING, STALE_AFTER_S, _incoming, remove_files_older_than

logger = logging.getLogger(__name__)

# A staged file unused this long is removed; so are files in `.incoming` a dead worker left.
KEEP_FOR = timedelta(seconds=STALE_AFTER_S)
# Unused staged files one person may have at once: enough for several forms' worth of files,
# few enough that nobody fills the disk by sending files and never submitting.
MAX_WAITING = 30
# The body types Django itself would parse as a form (the CSRF check reads them first).
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

# The bucket's `.incoming/`: the S3 counterpart of PRIVATE_MEDIA_ROOT/.incoming.
staged_storage = PrivateStorage(INCOMING)


class StagedUploadGone(FileNotFoundError):
    """The staged upload was taken by another submit of the same form (a second click) or
    expired since the form was read: nothing is wrong with the storage."""


class StagedUploadError(Exception):
    """A staged upload refused, with a message for the person and the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def max_file_bytes() -> int:
    """The per-file limit of every upload form (SUBMISSION_MAX_FILE_MB)."""
    return int(settings.SUBMISSION_MAX_FILE_MB) * 1024 * 1024


def too_large_message(size: int) -> str:
    # The same words as the file checks' (workshops/checks.py), so one translation serves both.
    return _("The file is %(size)s; the largest allowed is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(max_file_bytes()),
    }


def clean_name(raw: str) -> str:
    """A file name fit to show and store: its last path part, no control characters, at most
    255 characters with its extension kept."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext[:20])] + ext[:20]
    return name or "file"


def _stored_name(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", ext):
        ext = ""
    return f"staged-{secrets.token_hex(16)}{ext}"


def _local_path(stored_name: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / INCOMING / stored_name


def _copy(stream: Readable, out: IO[bytes], length: int) -> int:
    """Copy the request body to `out` 1 MB at a time; refuse it as soon as it is too large.
    1 MB is the most gunicorn receives at once for a body of known length; smaller reads make
    its buffers copy what is left over again (in the worker, 15 MB read 256 kB at a time cost
    more CPU, 64 kB at a time twice as much)."""
    limit = max_file_bytes()
    total = 0
    while chunk := stream.read(CHUNK_SIZE):
        total += len(chunk)
        if total > limit:
            raise StagedUploadError(too_large_message(total), status=413)
        out.write(chunk)
    if total != length:
        # The browser stopped sending (the page was closed, the connection dropped).
        raise StagedUploadError(_("The file did not arrive whole. Add it again."))
    return total


def _direct(stream: Readable, out: IO[bytes], length: int) -> int | None:
    """The body read from the socket straight into `out` (core/direct_body.py), or None where
    it cannot be, having read nothing: then `_copy` reads it through gunicorn's reader."""
    if not isinstance(stream, HttpRequest):
        return None
    try:
        return read_body_into(stream, out.fileno(), length)
    except BodyCut:
        raise StagedUploadError(_("The file did not arrive whole. Add it again.")) from None


# A form's key as the browser sends it (X-Upload-Form): an address-like string.
FORM_KEY = re.compile(r"[A-Za-z0-9_:/.-]{1,200}")


def staged_upload_receive(
    *,
    owner: User,
    stream: Readable,
    length: int | None,
    name: str,
    content_type: str,
    form_key: str = "",
) -> StagedUpload:
    """Write one file sent as a request body (`length` bytes, its Content-Length) and record
    it for `owner`. Raises StagedUploadError (with the HTTP status) for a file refused.
    `form_key` names the form it was added to (`staged_uploads_for_form`); it is recorded
    only once the file is whole, so a file still arriving is never sent with that form."""
    if content_type.split(";")[0].strip().lower() in FORM_TYPES:
        raise StagedUploadError(_("Send the file itself, not a form."), status=415)
    if length is None:
        raise StagedUploadError(_("The file's size is missing."), status=411)
    if length > max_file_bytes():
        raise StagedUploadError(too_large_message(length), status=413)
    if length == 0:
        # The same words as workshops.services.refusal_reason, one translation for both.
        raise StagedUploadError(_("The file is empty (0 bytes). Check the file and add it again."))
    name = clean_name(name)
    on_disk = private_storage_is_local()
    row = StagedUpload(
        owner=owner,
        token=secrets.token_urlsafe(32),
        name=name,
        # What the body says it holds; `_copy` refuses a body that brings any other amount.
        size=length,
        content_type=content_type[:255],
        stored_name=_stored_name(name),
        on_disk=on_disk,
    )
    if not _insert_unless_full(row):
        raise StagedUploadError(
            _("You have many files waiting to be sent. Submit or reload the form first."),
            status=429,
        )
    try:
        if on_disk:
            folder = _incoming(str(Path(settings.PRIVATE_MEDIA_ROOT) / INCOMING))
            path = Path(folder) / row.stored_name
            with open(path, "xb") as out:  # noqa: PTH123 -- a new file only, never overwritten
                os.fchmod(out.fileno(), settings.FILE_UPLOAD_PERMISSIONS or 0o640)
                if _direct(stream, out, length) is None:
                    _copy(stream, out, length)
        else:
            # Through the system's folder (one piece in memory at a time) into the bucket,
            # which every web machine sees: the submit may reach another machine.
            with tempfile.NamedTemporaryFile(suffix=".upload") as spool:
                _copy(stream, spool, length)
                spool.seek(0)
                stored_name = staged_storage.save(
                    row.stored_name, File(spool, name=row.stored_name)
                )
            if stored_name != row.stored_name:
                row.stored_name = stored_name
                row.save(update_fields=["stored_name"])
    except BaseException:
        # The token was never given out: nobody else can have the row, which goes with the bytes.
        try:
            StagedUpload.objects.filter(pk=row.pk).delete()
        except DatabaseError:
            # Left to the sweeper (a day), counted among the person's waiting files until then.
            logger.warning(
                "could not remove the unfinished staged upload %s", row.pk, exc_info=True
            )
        _remove_file(row.stored_name, on_disk=on_disk)
        raise
    if form_key and FORM_KEY.fullmatch(form_key):
        StagedUpload.objects.filter(pk=row.pk).update(form_key=form_key)
        row.form_key = form_key
    return row


def _insert_unless_full(row: StagedUpload) -> bool:
    """INSERT `row` unless its owner already has MAX_WAITING files waiting. One statement: the
    count (at most MAX_WAITING entries of the owner's index) is the INSERT's condition, not a
    query of its own. Sets `row.pk`; False when there is no room."""
    db = router.db_for_write(StagedUpload)
    connection = connections[db]
    meta = StagedUpload._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]

    def quote(field: Any) -> str:
        # Every concrete field has a column (None is for the others).
        return connection.ops.quote_name(cast(str, field.column))

    table, owner_column = connection.ops.quote_name(meta.db_table), quote(meta.get_field("owner"))
    columns = ", ".join(quote(f) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    waiting = f"SELECT 1 FROM {table} WHERE {owner_column} = %s LIMIT %s"  # noqa: S608
    # Names from the model, every value a parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {placeholders} "  # noqa: S608
        f"WHERE (SELECT COUNT(*) FROM ({waiting}) AS waiting) < %s "
        f"RETURNING {quote(meta.pk)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, row.owner_id, MAX_WAITING, MAX_WAITING])
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    row._state.adding = False
    row._state.db = db
    return True


def staged_uploads_for(*, owner_id: int, tokens: Iterable[str]) -> dict[str, StagedUpload]:
    """The owner's staged uploads among these tokens, by token (another person's, a used one
    or an expired one is simply not there)."""
    wanted = [t for t in dict.fromkeys(tokens) if t and len(t) <= 64][:50]
    if not wanted:
        return {}
    rows = StagedUpload.objects.filter(owner_id=owner_id, token__in=wanted)
    return {
        row.token: row for row in rows if not row.on_disk or _local_path(row.stored_name).exists()
    }


def staged_uploads_for_form(*, owner_id: int, form_key: str) -> list[StagedUpload]:
    """The owner's whole files added to the form `form_key` and not used yet, oldest first:
    on whichever device or page they were added (one query)."""
    if not form_key:
        return []
    rows = StagedUpload.objects.filter(owner_id=owner_id, form_key=form_key).order_by(
        "created_at", "pk"
    )[:MAX_WAITING]
    return [row for row in rows if not row.on_disk or _local_path(row.stored_name).exists()]


def staged_upload_discard(*, owner: User, token: str) -> bool:
    """Remove one of `owner`'s staged files (removed from the form before it was sent).
    False when there is none: used, expired, or not theirs."""
    row = StagedUpload.objects.filter(owner=owner, token=token).first()
    # The conditional delete is the claim, as when a form stores the file.
    if row is None or not StagedUpload.objects.filter(pk=row.pk).delete()[0]:
        return False
    _remove_file(row.stored_name, on_disk=row.on_disk)
    return True


def staged_uploads_remove(*, owner: User) -> int:
    """Remove every file `owner` sent ahead of a form and has not used (their erasure): the
    rows now, the bytes after the caller's commit. Returns how many."""
    rows = list(
        StagedUpload.objects.filter(owner=owner).values_list("pk", "stored_name", "on_disk")
    )
    removed = StagedUpload.objects.filter(pk__in=[pk for pk, _name, _disk in rows]).delete()[0]

    def remove_files() -> None:
        for _pk, name, disk in rows:
            _remove_file(name, on_disk=disk)

    transaction.on_commit(remove_files)
    return int(removed)


def _remove_file(stored_name: str, *, on_disk: bool) -> None:
    try:
        if on_disk:
            _local_path(stored_name).unlink(missing_ok=True)
        else:
            staged_storage.delete(stored_name)
    except OSError:
        logger.warning("could not remove the staged file %s", stored_name, exc_info=True)


class StagedUploadedFile(UploadedFile):
    """A staged upload handed to a form as if it had come with the form.

    `temporary_file_path()` is the staged file on this disk, so FileSystemStorage stores it by a
    rename; any other storage reads it (`chunks()`, `read()`), from the disk or the bucket.
    Either is the moment the file is taken: the row is deleted then (see the module's note),
    in the caller's transaction, and the staged bytes are removed after its commit.
    """

    def __init__(self, staged: StagedUpload) -> None:
        self.staged = staged
        self._taken = False
        self._handle: IO[bytes] | None = None
        super().__init__(
            None, staged.name, staged.content_type or "application/octet-stream", staged.size
        )

    @property
    def token(self) -> str:
        return self.staged.token

    def _take(self) -> None:
        if self._taken:
            return
        deleted, _rows = StagedUpload.objects.filter(
            pk=self.staged.pk, owner_id=self.staged.owner_id
        ).delete()
        if not deleted:
            # Used by another submit (or expired) since the form was read.
            raise StagedUploadGone(errno.ENOENT, "the staged upload was used already")
        self._taken = True
        transaction.on_commit(self._after_commit)

    def _after_commit(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
        # After a rename there is nothing left; after a copy the staged bytes go.
        _remove_file(self.staged.stored_name, on_disk=self.staged.on_disk)

    def temporary_file_path(self) -> str:
        if not self.staged.on_disk:
            raise FileNotFoundError(errno.ENOENT, "the staged upload is in the bucket")
        self._take()
        return str(_local_path(self.staged.stored_name))

    # File keeps its file object in `file`; the staged bytes are opened only when read.
    @property
    def file(self) -> IO[bytes]:
        if self._handle is None:
            self._take()
            if self.staged.on_disk:
                self._handle = _local_path(self.staged.stored_name).open("rb")
            else:
                self._handle = staged_storage.open(self.staged.stored_name, "rb")
        return self._handle

    @file.setter
    def file(self, value: Any) -> None:
        self._handle = value

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def staged_uploads_expire(*, now: Any = None) -> int:
    """Remove staged uploads unused for a day, and files in `.incoming` older than that which
    no row names (a worker that died mid-upload). Returns how many rows were removed."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    removed = 0
    for row in StagedUpload.objects.filter(created_at__lt=cutoff).only(
        "pk", "stored_name", "on_disk"
    ):
        # The conditional delete is the claim: a submit storing the file right now wins.
        if StagedUpload.objects.filter(pk=row.pk).delete()[0]:
            _remove_file(row.stored_name, on_disk=row.on_disk)
            removed += 1
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / INCOMING
    # An hour's margin: a row just under a day old keeps its file.
    file_cutoff = cutoff.timestamp() - 60 * 60
    if folder.is_dir():
        remove_files_older_than(folder, file_cutoff)
    return removed
