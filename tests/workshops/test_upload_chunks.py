"""Uploads are read 1 MB at a time (core/uploads.py); a file larger than what is kept in memory
is streamed to disk and arrives whole, byte for byte."""

import hashlib
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.uploads import CHUNK_SIZE
from workshops.models import SubmissionFile

pytestmark = pytest.mark.django_db


def test_the_upload_handlers_read_a_megabyte_at_a_time():
    from django.utils.module_loading import import_string

    handlers = [import_string(path) for path in settings.FILE_UPLOAD_HANDLERS]
    assert [h.chunk_size for h in handlers] == [CHUNK_SIZE, CHUNK_SIZE]
    assert CHUNK_SIZE == 1024 * 1024


def test_an_attachment_larger_than_the_memory_limit_is_stored_whole(
    client_for, learner, assignment, experiment, django_capture_on_commit_callbacks
):
    # A PDF header, then more random bytes than FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): the
    # handler streams it to a temporary file in 1 MB chunks and the chunk edges must not show.
    body = b"%PDF-1.4\n" + os.urandom(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + CHUNK_SIZE // 3)
    upload = SimpleUploadedFile("haaste.pdf", body, content_type="application/pdf")
    client = client_for(learner)
    response = client.post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Haasteeni on matkaketjut.", "attachments": upload},
    )
    assert response.status_code == 302
    stored = SubmissionFile.objects.get(submission__experiment=experiment)
    assert stored.size == len(body)
    with stored.file.open("rb") as f:
        assert hashlib.sha256(f.read()).digest() == hashlib.sha256(body).digest()
