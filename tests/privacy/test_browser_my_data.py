"""In a real browser: a learner opens "My data" from the user menu, asks for her archive, watches
it being made (htmx polling, no reload) and downloads the ZIP; she sees that her instructor
opened her answer; she asks for erasure and her coordinator sees the request."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from privacy import services
from privacy.models import DataExport
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser


def test_a_learner_downloads_her_archive_and_asks_for_erasure(
    transactional_db, live_server, browser, settings, world, instructor, coordinator, monkeypatch
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    # No worker yet: the archive waits, as it would behind a busy bulk queue.
    published = []
    monkeypatch.setattr(
        "privacy.tasks.data_export_build.apply_async",
        lambda args=(), **kw: published.append(args),
    )
    journey = Journey(browser, live_server.url)
    teacher = journey.sign_in("instructor", instructor.email)
    teacher.goto(journey.url(f"/workshops/submissions/{world.answer.pk}/"))
    page = journey.sign_in("learner", world.learner.email)
    try:
        page.locator(".navbar .dropdown-toggle").last.click()
        page.locator("[data-testid='nav-my-data']").click()
        expect(page.locator("[data-testid='access-log-row']")).to_have_count(1)
        expect(page.locator("[data-testid='access-log']")).to_contain_text(instructor.display_name)
        page.locator("[data-testid='data-export-request']").click()
        box = page.locator("[data-testid='data-exports']")
        expect(box).to_have_attribute("data-polling", "true")
        export = DataExport.objects.get(user=world.learner)
        assert published == [(export.pk,)]
        # The worker makes it; the list shows the download without a reload.
        services.data_export_build(export_id=export.pk)
        link = page.locator("[data-testid='data-export-download']")
        expect(link).to_be_visible()
        expect(page.locator("[data-testid='data-exports']")).to_have_attribute(
            "data-polling", "false"
        )
        with page.expect_download() as info:
            link.click()
        archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
        profile = json.loads(archive.read("profile.json"))
        assert profile[0]["fields"]["email"] == world.learner.email
        assert any(n.startswith("files/submissions/") for n in archive.namelist())

        page.locator("#erasure-confirm").check()
        page.locator("[data-testid='erasure-request']").click()
        expect(page.locator("[data-testid='erasure-open']")).to_be_visible()

        desk = journey.sign_in("coordinator", coordinator.email)
        desk.locator(".navbar .dropdown-toggle").last.click()
        desk.locator("[data-testid='nav-erasures']").click()
        expect(desk.locator("[data-testid='erasures']")).to_contain_text(world.learner.email)
        expect(desk.locator("[data-testid='erasure-carry-out']")).to_have_count(0)
        assert journey.errors == []
    except Exception:
        journey.screenshot_all("privacy-my-data")
        raise
