"""A coordinator, in a real browser: reads the experiment phase funnel and the attendance of a
cohort, then makes the funder report for a period and downloads it as XLSX."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests import factories
from tests.browser import artifacts_dir
from tests.test_journey_browser import Journey
from workshops import services as workshop_services
from workshops.models import Attendance, Submission, WorkshopSession

pytestmark = pytest.mark.browser


def test_coordinator_follows_phases_and_attendance_and_downloads_the_funder_report(
    transactional_db,
    live_server,
    browser,
    settings,
    cohort,
    assignment,
    coordinator,
    instructor,
    learner,
    other_learner,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    today = timezone.localdate()
    cohort.start_date = today - datetime.timedelta(days=30)
    cohort.end_date = today + datetime.timedelta(days=100)
    cohort.save()
    workshop = assignment.workshop
    waiting = workshop_services.experiment_create(
        learner=learner, workshop=workshop, cohort=cohort, title="Liityntäkyyti"
    )
    factories.SubmissionFactory(
        experiment=waiting,
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        status=Submission.Status.RECEIVED,
    )
    workshop_services.experiment_create(
        learner=other_learner, workshop=workshop, cohort=cohort, title="Kirjastobussi"
    )
    starts = timezone.now() - datetime.timedelta(days=3)
    held = WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title="Työpaja 1",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
    )
    Attendance.objects.create(
        session=held, learner=learner, status="present", recorded_by=instructor
    )

    journey = Journey(browser, live_server.url)
    page = journey.sign_in("coordinator", coordinator.email)
    try:
        page.goto(journey.url(f"/cohorts/{cohort.pk}/"))
        page.locator("[data-testid='tab-funnel']").click()
        expect(page.locator("[data-testid='phase-1-experiments']")).to_have_text("2")
        expect(page.locator("[data-testid='waiting-reviewer']")).to_have_text("1")
        expect(page.locator("[data-testid='waiting-learner']")).to_have_text("1")

        page.locator("[data-testid='tab-attendance']").click()
        expect(page.locator("[data-testid='figure-held']")).to_have_text("1")
        expect(
            page.locator(f"[data-testid='learner-{learner.pk}'] [data-testid='percent']")
        ).to_have_text("100 %")

        page.goto(journey.url("/cohorts/overview/"))
        page.locator("[data-testid='funder-report-link']").click()
        form = page.locator("[data-testid='report-form']")
        form.locator("input[name='start']").fill(cohort.start_date.isoformat())
        form.locator("input[name='end']").fill(today.isoformat())
        form.locator("button[type='submit']").click()
        expect(page.locator("[data-testid='report-participants']")).to_have_text("2")
        expect(page.locator("[data-testid='report-sessions']")).to_have_text("1")
        page.screenshot(path=artifacts_dir() / "funder-report-coordinator.png", full_page=True)
        with page.expect_download() as info:
            page.locator("[data-testid='report-xlsx']").click()
        workbook = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
        assert len(workbook.sheetnames) == 4
    except Exception:
        journey.screenshot_all("funder-report-failure")
        raise
    assert journey.errors == []
