"""In Chromium: on a 390 px phone in Swedish, the dashboard's workshop assignments keep their
status badge ("Komplettering begärd") inside the course's card; the title and the badge wrap
instead of running past the card's right edge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.test_journey_browser import Journey
from workshops.models import Submission

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
    )


def test_the_assignment_status_badge_stays_inside_the_card_on_a_swedish_phone(
    transactional_db, live_server, browser, cohort, assignment, learner
):
    from playwright.sync_api import expect

    assignment.title = "Beskriv er utvecklingsutmaning och kommunens samarbetspartner"
    assignment.save()
    learner.language = "sv"
    learner.save(update_fields=["language"])
    factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        status=Submission.Status.REVISION_REQUESTED,
    )
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        page.set_viewport_size(PHONE)
        page.goto(journey.url(reverse("core:home")))
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        revision = ".status-badge[data-status='revision']"
        row = page.locator(".list-group-item").filter(has=page.locator(revision))
        card = page.locator("section.card").filter(has=page.locator(revision))
        badge = row.locator(revision)
        expect(badge).to_have_text("Komplettering begärd")
        badge_box, row_box, card_box, link_box = (
            x.bounding_box() for x in (badge, row, card, row.get_by_role("link"))
        )
        assert None not in (badge_box, row_box, card_box, link_box)
        assert _inside(badge_box, row_box), (badge_box, row_box)
        assert _inside(badge_box, card_box), (badge_box, card_box)
        assert _inside(link_box, row_box), (link_box, row_box)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"]
    except BaseException:
        journey.screenshot_all("failure-s10-dashboard-badge")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)
