"""In Chromium, with the browser's back-forward cache on (as in every browser people use;
Playwright turns it off unless told otherwise): after sending a phase version, Back must not
bring the old form back as if nothing had been sent (static/js/workshops-draft.js).

The page restored from the cache used to show "Send version 2" with the words and an enabled
Submit button: the autosave of what was typed then was refused with "your text is in the version
you sent" (it was not), and sending again gave "You cannot send a new version now." The page is
now loaded again when it comes back from the cache after its form was sent: it shows that the
answer was sent, and nothing is sent twice. A submit that did not arrive (a proxy's error page)
still finds its words on the page loaded again, and sends them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_journey_browser import Journey
from workshops.models import Submission

pytestmark = pytest.mark.browser

ANSWER = "[data-testid='answer-text']"
FORM = "[data-testid='submission-form']"


@pytest.fixture
def cached_browser(browser):
    """A second Chromium of the same Playwright with the back-forward cache left on."""
    cached = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    try:
        yield cached
    finally:
        cached.close()


def test_back_after_sending_shows_the_answer_as_sent_and_nothing_is_sent_twice(
    transactional_db, live_server, cached_browser, settings, learner, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    words = "Kylistä on vaikea päästä asemalle ilman omaa autoa, erityisesti iltaisin."
    journey = Journey(cached_browser, live_server.url)
    oona = journey.sign_in("learner", learner.email)
    phase_url = journey.url(reverse("workshops:assignment", args=[assignment.pk]))
    oona.goto(phase_url)
    oona.locator(ANSWER).fill(words)
    oona.locator(f"{FORM} [type='submit']").click()
    expect(oona.locator("#submission-status")).to_be_visible()
    version = Submission.objects.get(experiment=experiment)
    assert version.text == words

    sent = oona.get_by_role("status").filter(has_text="Vastauksesi on lähetetty.")
    for _round in range(2):
        # Back to the phase: it says the answer was sent and offers no form to send it again.
        oona.go_back(wait_until="commit")
        expect(oona).to_have_url(phase_url)
        expect(sent).to_be_visible()
        expect(sent.get_by_role("link", name="Näytä palautuksesi")).to_have_attribute(
            "href", reverse("workshops:submission_detail", args=[version.pk])
        )
        expect(oona.locator(FORM)).to_have_count(0)
        oona.go_forward(wait_until="commit")
        expect(oona.locator("#submission-status")).to_be_visible()

    assert list(
        Submission.objects.filter(experiment=experiment).values_list("text", flat=True)
    ) == [words]
    assert not journey.errors, journey.errors


def test_back_after_a_submit_that_did_not_arrive_keeps_the_words_to_send_again(
    transactional_db, live_server, cached_browser, settings, learner, assignment, experiment
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    journey = Journey(cached_browser, live_server.url)
    oona = journey.sign_in("learner", learner.email)
    phase_url = journey.url(reverse("workshops:assignment", args=[assignment.pk]))
    oona.goto(phase_url)
    oona.locator(ANSWER).fill("Liityntäkyyti Hauholta asemalle.")
    expect(oona.locator("#draft-status")).to_have_attribute("data-state", "saved")
    # Typed just before sending: not autosaved yet.
    words = "Liityntäkyyti Hauholta asemalle arkiaamuisin junien mukaan."
    oona.locator(ANSWER).fill(words)

    def gateway_down(route):
        if route.request.method == "POST" and route.request.url == phase_url:
            route.fulfill(status=502, body="<h1>Bad Gateway</h1>", content_type="text/html")
        else:
            route.continue_()

    oona.route("**/*", gateway_down)
    oona.locator(f"{FORM} [type='submit']").click()
    expect(oona.get_by_role("heading", name="Bad Gateway")).to_be_visible()
    oona.unroute("**/*")
    assert not Submission.objects.filter(experiment=experiment).exists()

    oona.go_back(wait_until="commit")
    expect(oona.locator(ANSWER)).to_have_value(words)
    expect(oona.locator(f"{FORM} [type='submit']")).to_be_enabled()
    oona.locator(f"{FORM} [type='submit']").click()
    expect(oona.locator("#submission-status")).to_be_visible()
    assert list(
        Submission.objects.filter(experiment=experiment).values_list("text", flat=True)
    ) == [words]
    assert not [e for e in journey.errors if "502" not in e], journey.errors
