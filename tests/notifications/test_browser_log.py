"""A coordinator, in a real browser, finds an email that failed during a long mail-server
outage in the notification log and sends it again; the learner gets it once."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications import services
from notifications.models import Notification
from tests.browser import artifacts_dir
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser


def test_coordinator_resends_a_failed_email_from_the_log(
    transactional_db, live_server, browser, settings, coordinator, learner, other_learner
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    failed = Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="palaute-42",
        subject="Vastauksesi on arvioitu",
        body="Ohjaaja on antanut palautetta.",
        email_status=Notification.EmailStatus.FAILED,
        email_attempts=52,
        email_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    Notification.objects.create(
        recipient=other_learner,
        category=Notification.Category.REVIEWS,
        key="palaute-43",
        subject="Toinen viesti",
        body="Lähti ajallaan.",
        email_status=Notification.EmailStatus.SENT,
    )

    journey = Journey(browser, live_server.url)
    page = journey.sign_in("coordinator", coordinator.email)
    try:
        page.goto(journey.url("/notifications/log/"))
        rows = page.locator("[data-testid='notification-log'] tbody tr")
        expect(rows).to_have_count(2)
        page.locator("#log-status").select_option("attention")
        page.locator("form[role='search'] button[type='submit']").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Vastauksesi on arvioitu")
        expect(rows.first).to_contain_text("Connection refused")
        page.screenshot(path=artifacts_dir() / "notification-log-attention.png", full_page=True)
        # The row with its error, next attempt and "Send again" stays accessible (axe, WCAG AA).
        from tests.test_accessibility import axe_problems

        assert axe_problems(page) == []

        rows.first.locator("[data-testid='log-resend']").click()

        expect(page.locator("main [role='status']")).to_be_visible()
        expect(page).to_have_url(journey.url("/notifications/log/?q=&status=attention"))
        expect(page.locator("[data-testid='log-resend']")).to_have_count(0)
        page.locator("#log-status").select_option("sent")
        page.locator("form[role='search'] button[type='submit']").click()
        expect(rows).to_have_count(2)
    except Exception:
        journey.screenshot_all("notification-log-failure")
        raise
    assert journey.errors == []
    failed.refresh_from_db()
    assert failed.email_status == Notification.EmailStatus.SENT
    assert [m.to for m in mail.outbox] == [[learner.email]]
    assert mail.outbox[0].extra_headers["Message-ID"] == services.notification_message_id(failed)
