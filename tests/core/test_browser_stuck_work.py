"""A coordinator, in a real browser, finds the background-work page in their menu, sees a file
check that has waited too long (the broker was away) and sends it again with one click."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests import factories
from tests.conftest import skip_or_fail
from tests.pdfs import pdf_bytes
from tests.test_accessibility import axe_problems
from tests.test_journey_browser import Journey
from workshops.models import Submission, SubmissionFile

pytestmark = pytest.mark.browser


def test_a_coordinator_retries_a_late_file_check_from_the_background_work_page(
    transactional_db, live_server, browser, settings, cohort, coordinator, learner, assignment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    submission = factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.PROCESSING
    )
    attachment = SubmissionFile(submission=submission, original_name="haaste.pdf")
    attachment.file.save("haaste.pdf", ContentFile(pdf_bytes(2)), save=False)
    attachment.created_at = timezone.now() - datetime.timedelta(minutes=20)
    attachment.next_attempt_at = attachment.created_at + datetime.timedelta(minutes=1)
    attachment.save()

    journey = Journey(browser, live_server.url)
    page = journey.sign_in("coordinator", coordinator.email)
    page.get_by_role("button", name=coordinator.display_name).or_(
        page.get_by_role("link", name=coordinator.display_name)
    ).first.click()
    page.locator("[data-testid='nav-stuck-work']").click()

    files = page.locator("tr[data-kind='files']")
    expect(files.locator("[data-testid='stuck-pending']")).to_have_text("1")
    expect(files.locator("[data-testid='stuck-overdue']")).to_be_visible()
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        skip_or_fail("the axe-playwright-python package is not installed")
    assert axe_problems(page) == []
    files.locator("[data-testid='stuck-retry']").click()

    # Back on the page: the check ran, nothing waits, and the coordinator is told what happened.
    expect(page.locator(".alert").first).to_be_visible()
    expect(files.locator("[data-testid='stuck-pending']")).to_have_text("0")
    expect(files.locator("[data-testid='stuck-overdue']")).to_have_count(0)
    attachment.refresh_from_db()
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert journey.errors == []
