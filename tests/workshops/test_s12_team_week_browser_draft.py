"""In Chromium: the answer page of someone who is no longer on it (taken out of the cohort, and
so off its teams, while the page was open).

The autosave used to put the 404 page's whole HTML source into the status line. Now the line
says in the page's own words that the text is not saved and to copy it; what is typed from
then on stays in this browser, the send that answers 404 keeps it there too, and the words come
back when the page is open to the person again.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from learners.models import Membership
from tests.e2e_support import wait_until
from tests.test_journey_browser import Journey
from workshops.models import Draft, ExperimentMember

pytestmark = pytest.mark.browser

ANSWER = "[data-testid='answer-text']"
KEPT = """() => {
  const key = Object.keys(localStorage).find(k => k.startsWith('alueagentti-draft:'));
  return key ? localStorage.getItem(key) : null;
}"""


def _kept(page) -> dict:
    raw = page.evaluate(KEPT)
    return json.loads(raw) if raw else {}


def test_a_page_no_longer_open_says_so_in_its_own_words_and_keeps_the_text(
    transactional_db, live_server, browser, settings, cohort, assignment, experiment, learner
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    path = reverse("workshops:assignment", args=[assignment.pk])
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        url = journey.url(path)
        page.goto(url)
        answer = page.locator(ANSWER)
        status = page.locator("#draft-status")
        before = "Liityntäkyyti asemalle."
        answer.fill(before)
        expect(status).to_have_attribute("data-state", "saved")

        # Taken out of the cohort while the page is open (and so off the team).
        Membership.objects.filter(user=learner, cohort=cohort).delete()
        answer.press_sequentially(" Kirjoitettu poiston jälkeen.")
        expect(status).to_have_attribute("data-state", "gone")
        # The page's own sentence, never the 404 page's source.
        expect(status).to_have_text(status.get_attribute("data-msg-gone"))
        assert "<" not in status.inner_text()
        expect(answer).to_have_value(before + " Kirjoitettu poiston jälkeen.")
        assert Draft.objects.get(experiment=experiment, learner=learner).text == before
        # Kept in this browser, with what is typed from now on.
        answer.press_sequentially(" Vielä lisää.")
        after = before + " Kirjoitettu poiston jälkeen. Vielä lisää."
        wait_until(lambda: _kept(page).get("text") == after, timeout=5, what="the browser copy")
        page.wait_for_timeout(1500)  # no save goes out after the refusal
        assert Draft.objects.get(experiment=experiment, learner=learner).text == before

        # The send answers 404 too: the words stay in this browser.
        with page.expect_navigation():
            page.locator("[data-testid='submission-form'] [type='submit']").click()
        assert _kept(page).get("text") == after

        # Back in the cohort and on the team: the page brings the words back, and saves them.
        Membership.objects.get_or_create(user=learner, cohort=cohort, role=Membership.Role.LEARNER)
        ExperimentMember.objects.get_or_create(
            experiment=experiment,
            user=learner,
            defaults={"cohort": cohort, "workshop": experiment.workshop},
        )
        page.goto(url)
        expect(page.locator(ANSWER)).to_have_value(after)
        wait_until(
            lambda: Draft.objects.filter(experiment=experiment, text=after).exists(),
            timeout=15,
            what="the kept words saved again",
        )
    except BaseException:
        journey.screenshot_all("failure-s12-draft-gone")
        raise
    # The refused autosave and send (404) are the only errors the console may have seen.
    unexpected = [e for e in journey.errors if "404" not in e]
    assert not unexpected, "Errors in the browser console:\n" + "\n".join(unexpected)
