"""A real worker of the `bulk` queue makes a person's archive requested on "My data" (skipped
without a broker and PostgreSQL; CI runs it)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from privacy.models import DataExport
from tests.conftest import skip_or_fail
from tests.e2e_support import celery_worker, wait_until, worker_unavailable_reason

pytestmark = pytest.mark.worker


def test_a_bulk_worker_makes_the_archive_the_person_asked_for(
    transactional_db, settings, tmp_path, world, client_for
):
    reason = worker_unavailable_reason()
    if reason:
        skip_or_fail(reason)
    with celery_worker(tmp_path=tmp_path, site_url=settings.SITE_URL, queues="bulk") as worker:
        client = client_for(world.learner)
        assert client.post(reverse("privacy:export_request")).status_code == 302
        export = DataExport.objects.get(user=world.learner)

        def ready():
            export.refresh_from_db()
            return export.status not in (DataExport.Status.PENDING, DataExport.Status.RUNNING)

        wait_until(ready, timeout=90, what="the bulk worker to make the archive")
        assert export.status == DataExport.Status.DONE, export.error
        assert worker.succeeded("privacy.tasks.data_export_build") == 1
    download = client.get(reverse("privacy:export_download", args=[export.pk]))
    body = b"".join(download.streaming_content)
    download.close()
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert json.loads(archive.read("certificates.json"))
    assert "files/certificates/AAAA-CERT-0001.pdf" in archive.namelist()
