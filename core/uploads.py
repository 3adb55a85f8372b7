"""How a request's files are received (settings.FILE_UPLOAD_HANDLERS).

Django's own handlers read an upload 64 kB at a time: a 15 MB attachment takes 240 turns of
the multipart parser and of gunicorn's body reader, each a few Python calls and buffer copies.
These are the same handlers reading 1 MB at a time. Memory stays one chunk whatever the file's
size: a file larger than FILE_UPLOAD_MAX_MEMORY_SIZE is still streamed to a temporary file.

That temporary file is written once, as the bytes arrive, and never read again in the request.
When the private files are on this machine's disk it is created in `.incoming/` under
PRIVATE_MEDIA_ROOT, on the same file system as its final place, so storing it is a rename
(FileSystemStorage moves a file that has a `temporary_file_path`); from the system's temporary
folder, often another file system (a container's /tmp beside a volume), the storage would copy
the whole file again inside the learner's request. With an S3 bucket the file stays in the
system's temporary folder and the storage streams it to the bucket, as before.

This is the path of files that come inside a form's multipart body (a browser without
JavaScript). The answer form's files normally come ahead of it, each as the body of its own
request (core/staged_uploads.py), written to the same `.incoming/` folder without the multipart
parser; the form then carries only their tokens.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

CHUNK_SIZE = 1024 * 1024
INCOMING = ".incoming"
# A temporary file this old was left by a worker that died mid-upload (a request lasts at most
# gunicorn's timeout): it is removed the first time a process receives an upload.
STALE_AFTER_S = 24 * 60 * 60


class MemoryUploadHandler(MemoryFileUploadHandler):
    """Uploads up to FILE_UPLOAD_MAX_MEMORY_SIZE kept in memory, read 1 MB at a time."""

    chunk_size = CHUNK_SIZE


def upload_temp_dir() -> str | None:
    """Where a large upload is spooled: FILE_UPLOAD_TEMP_DIR when set; else `.incoming/` under
    PRIVATE_MEDIA_ROOT when the private files are on this disk (storing is then a rename);
    else None, the system's temporary folder."""
    from core.storage import private_storage_is_local

    if settings.FILE_UPLOAD_TEMP_DIR:
        return str(settings.FILE_UPLOAD_TEMP_DIR)
    if not private_storage_is_local():
        return None
    try:
        return _incoming(str(Path(settings.PRIVATE_MEDIA_ROOT) / INCOMING))
    except OSError:
        # A private disk that cannot be written: the upload is still received (into the
        # system's folder), so the storage's failure is answered with the form, not a 500.
        return None


@functools.cache
def _incoming(folder: str) -> str:
    """Create the folder (once per process) and remove what a dead worker left in it."""
    os.makedirs(folder, mode=0o750, exist_ok=True)
    remove_files_older_than(folder, time.time() - STALE_AFTER_S)
    return folder


def remove_files_older_than(folder: str | Path, cutoff: float) -> None:
    """Remove the files in `folder` last written before `cutoff` (a timestamp); a file that
    goes or cannot be removed meanwhile is left to the next sweep."""
    with os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.remove(entry.path)


class SpooledUpload(TemporaryUploadedFile):
    """An upload streamed to a temporary file in `upload_temp_dir()`."""

    def __init__(
        self,
        name: str,
        content_type: str,
        size: int,
        charset: str | None,
        content_type_extra: dict[str, Any] | None = None,
    ) -> None:
        _, ext = os.path.splitext(name)
        try:
            # The file outlives this call: the upload closes (and so removes) it.
            file = tempfile.NamedTemporaryFile(suffix=".upload" + ext, dir=upload_temp_dir())  # noqa: SIM115
        except OSError:
            # `.incoming` removed or turned unwritable since: the system's folder (see above).
            file = tempfile.NamedTemporaryFile(suffix=".upload" + ext)  # noqa: SIM115
        # TemporaryUploadedFile.__init__ would open a second file in FILE_UPLOAD_TEMP_DIR.
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class TemporaryUploadHandler(TemporaryFileUploadHandler):
    """Larger uploads streamed to a temporary file on the private disk, 1 MB at a time."""

    chunk_size = CHUNK_SIZE

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super(TemporaryFileUploadHandler, self).new_file(*args, **kwargs)
        # new_file has set the name and type of the part being received.
        self.file = SpooledUpload(
            self.file_name or "", self.content_type or "", 0, self.charset, self.content_type_extra
        )
