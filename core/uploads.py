"""How a request's files are received (settings.FILE_UPLOAD_HANDLERS).

Django's own handlers read an upload 64 kB at a time: a 15 MB attachment takes 240 turns of
the multipart parser and of gunicorn's body reader, each a few Python calls and buffer copies.
These are the same handlers reading 1 MB at a time. Memory stays one chunk whatever the file's
size: a file larger than FILE_UPLOAD_MAX_MEMORY_SIZE is still streamed to a temporary file.
"""

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

CHUNK_SIZE = 1024 * 1024


class MemoryUploadHandler(MemoryFileUploadHandler):
    """Uploads up to FILE_UPLOAD_MAX_MEMORY_SIZE kept in memory, read 1 MB at a time."""

    chunk_size = CHUNK_SIZE


class TemporaryUploadHandler(TemporaryFileUploadHandler):
    """Larger uploads streamed to a temporary file, 1 MB at a time."""

    chunk_size = CHUNK_SIZE
