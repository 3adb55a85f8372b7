"""In Chromium: a learner has the same answer open in two tabs. Words saved in the newer tab
are never written over by the older one: the older tab stops saving and says why, and a reload
shows the newer words (the older tab used to take the server's revision as its own earlier
save and save its stale text above it)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e_support import wait_until
from tests.test_journey_browser import Journey
from workshops.models import Draft

pytestmark = pytest.mark.browser

ANSWER = "[data-testid='answer-text']"


def test_an_older_tab_never_writes_over_the_words_a_newer_tab_saved(
    transactional_db, live_server, browser, settings, assignment, experiment, learner
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    journey = Journey(browser, live_server.url)
    try:
        first = journey.sign_in("learner", learner.email)
        url = journey.url(reverse("workshops:assignment", args=[assignment.pk]))
        first.goto(url)
        second = first.context.new_page()
        second.goto(url)

        newer = "Välilehti A: kyyti asemalle kahdesti päivässä, kokeilu kuusi viikkoa."
        first.locator(ANSWER).fill(newer)
        expect(first.locator("[data-testid='draft-saved']")).to_be_visible()
        wait_until(
            lambda: Draft.objects.filter(experiment=experiment, text=newer).exists(),
            timeout=15,
            what="the newer tab's draft",
        )
        first.close()

        # The older tab, still showing the empty form, gets one keystroke.
        second.locator(ANSWER).press_sequentially("x")
        status = second.locator("#draft-status")
        expect(status).to_have_attribute("data-state", "elsewhere")
        expect(status).to_contain_text("toisessa ikkunassa")
        expect(second.locator(ANSWER)).to_have_value("x")  # left on screen to copy
        second.locator(ANSWER).press_sequentially("yz")  # no later save goes out either
        second.wait_for_timeout(1500)
        assert Draft.objects.get(experiment=experiment, learner=learner).text == newer

        second.reload()
        expect(second.locator(ANSWER)).to_have_value(newer)
    except BaseException:
        journey.screenshot_all("failure-draft-tabs")
        raise
    # The refused save is the only error the console saw (a 409 is logged as one).
    unexpected = [e for e in journey.errors if "409" not in e]
    assert not unexpected, "Errors in the browser console:\n" + "\n".join(unexpected)
