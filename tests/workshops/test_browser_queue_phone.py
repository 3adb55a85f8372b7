"""In Chromium: the review queue is a table on a desktop and a stack of rows on a 390 px
phone, where each row's "Review" button is on screen without scrolling sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_the_review_queue_fits_a_phone_with_the_review_button_on_screen(
    transactional_db,
    live_server,
    browser,
    cohort,
    assignment,
    learner,
    other_learner,
    instructor,
):
    from playwright.sync_api import expect

    for person in (learner, other_learner):
        factories.SubmissionFactory(assignment=assignment, cohort=cohort, learner=person)
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("instructor", instructor.email)
        page.goto(journey.url(reverse("workshops:review_queue")))
        rows = page.locator("[data-testid='queue-row']")
        expect(rows).to_have_count(2)
        # Desktop: the column headings of the table are shown.
        expect(page.locator("[data-testid='review-queue'] thead")).to_be_visible()

        page.set_viewport_size(PHONE)
        # The headings are only for screen readers; each value carries its own.
        head = page.locator("[data-testid='review-queue'] thead").bounding_box()
        assert head is not None
        assert head["height"] <= 1
        for i in range(2):
            button = rows.nth(i).get_by_role("link", name="Arvioi")
            box = button.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= PHONE["width"]
            # The action comes first in the stacked row, above the learner's name.
            name_box = rows.nth(i).locator("td").first.bounding_box()
            assert box["y"] < name_box["y"]
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"]
    except BaseException:
        journey.screenshot_all("failure-queue-phone")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)
