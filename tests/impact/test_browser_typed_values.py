"""In Chromium, in Finnish (#11 items 6 and 8): the funder report's date boxes show the period
and its first "Show the report" works; a value typed with a decimal comma into the impact
planner is recorded as 9,5, and "9,5,1" is refused in place with the reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from impact.models import Measurement
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser


def test_the_first_report_submit_works_and_a_decimal_comma_is_kept(
    transactional_db, live_server, browser, coordinator, learner, experiment, plan
):
    from playwright.sync_api import expect

    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("coordinator", coordinator.email)
        page.goto(journey.url(reverse("learners:funder_report")))
        today = timezone.localdate()
        start = page.locator("input[name='start']")
        # The box shows the date (a value like 01.01.2026 would leave it empty).
        expect(start).to_have_value(today.replace(month=1, day=1).isoformat())
        expect(page.locator("input[name='end']")).to_have_value(today.isoformat())
        page.locator("[data-testid='report-form'] button[type='submit']").click()
        expect(page.locator("[data-testid='report-participants']")).to_be_visible()
        expect(page.locator("[data-testid='report-errors']")).to_have_count(0)

        planner = journey.sign_in("learner", learner.email)
        planner.goto(journey.url(reverse("impact:plan", args=[experiment.pk])))
        indicator = plan["indicator"]
        planner.locator(f"#record-{indicator.pk}").click()
        form = planner.locator(f"#record-form-{indicator.pk}")
        value = form.locator("input[name='value']")
        expect(value).to_have_attribute("inputmode", "decimal")
        value.fill("9,5,1")
        form.locator("button[type='submit']").click()
        form = planner.locator(f"#record-form-{indicator.pk}")
        expect(form.locator(".invalid-feedback")).to_be_visible()
        expect(form.locator("input[name='value']")).to_have_value("9,5,1")
        assert not Measurement.objects.exists()

        form.locator("input[name='value']").fill("9,5")
        form.locator("button[type='submit']").click()
        expect(planner.locator("[data-testid='measurement-row']")).to_have_count(1)
        expect(planner.locator("[data-testid='measurement-row']")).to_contain_text("9,5")
        assert Measurement.objects.get().value == Decimal("9.5")
        # The refused value answered 400 on purpose (shown in place); nothing else failed.
        refused = "the server responded with a status of 400"
        assert not [e for e in journey.errors if refused not in e], journey.errors
    except Exception:
        journey.screenshot_all("failure-typed-values")
        raise
