"""A coordinator, in a real browser: reads the progress heatmap of a large cohort page by page,
switches to the table view with the keyboard, filters by municipality, and waits for a large
export that appears as a download without reloading the page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from learners import services
from learners.models import ExportJob
from tests.browser import artifacts_dir
from tests.learners.bulk import grow_cohort
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser


def test_coordinator_reads_the_heatmap_as_a_table_and_gets_a_large_export_when_ready(
    transactional_db,
    live_server,
    browser,
    settings,
    cohort,
    assignment,
    coordinator,
    instructor,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=40)
    cohort.save()
    people = grow_cohort(cohort=cohort, learners=70, instructor=instructor)
    journey = Journey(browser, live_server.url)
    page = journey.sign_in("coordinator", coordinator.email)

    page.goto(journey.url(f"/cohorts/{cohort.pk}/"))
    grid = page.locator("[data-testid='cohort-progress'][data-view='grid']")
    expect(grid.locator("tbody tr")).to_have_count(50)
    expect(grid.locator("td[data-level='4']").first).to_be_visible()
    expect(page.locator("[data-testid='progress-pages']")).to_contain_text("1")
    page.goto(journey.url(f"/cohorts/{cohort.pk}/?q=Oppija2"))
    expect(grid.locator("tbody tr")).to_have_count(11)
    page.screenshot(
        path=artifacts_dir() / "coordinators-heatmap.png", caret="initial", full_page=True
    )
    page.goto(journey.url(f"/cohorts/{cohort.pk}/?q=Oppija2&view=table"))
    page.screenshot(
        path=artifacts_dir() / "coordinators-table.png", caret="initial", full_page=True
    )
    page.goto(journey.url(f"/cohorts/{cohort.pk}/"))

    # The view toggle is a plain link: reachable and followed with the keyboard.
    toggle = page.locator("[data-testid='view-table']")
    toggle.focus()
    page.keyboard.press("Enter")
    table = page.locator("[data-testid='cohort-progress'][data-view='table']")
    expect(table).to_be_visible()
    expect(page.locator("[data-testid='view-table']")).to_have_attribute("aria-current", "page")
    page.locator("[data-testid='progress-pages'] a[rel='next']").click()
    expect(table.locator("tbody tr")).to_have_count(20)
    page.locator("#progress-org").select_option(label=people[0].organisation.name)
    page.locator("[data-testid='progress-filters'] button[type='submit']").click()
    expect(page.locator("[data-testid='cohort-progress'][data-view='table']")).to_be_visible()
    expect(page.locator("[data-testid='progress-count']")).to_contain_text("24")

    # A large export is being prepared: the list asks again by itself and offers the file.
    job = ExportJob.objects.create(
        cohort=cohort, requested_by=coordinator, what="progress", fmt="xlsx"
    )
    page.goto(journey.url(f"/cohorts/{cohort.pk}/exports/"))
    row = page.locator(f"[data-testid='export-job-{job.pk}']")
    expect(row).to_have_attribute("data-status", "pending")
    page.evaluate("window.__sameDocument = true")
    assert services.export_build(job_id=job.pk) is True
    expect(row.locator("[data-testid='export-download']")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "the export list reloaded the page"
    with page.expect_download() as download:
        row.locator("[data-testid='export-download']").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert not journey.errors, "\n".join(journey.errors)
