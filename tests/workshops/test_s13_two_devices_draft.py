"""A learner writes one answer on a laptop and on a phone. Each page counts its own edits, so
the stale laptop page, having counted more keystrokes than the phone, wrote its older text over
the words the phone had saved since (they were lost without a word). A save now names the
stored revision its words were built on, and another page's save above it is never written
over; the stale page's words are kept in its browser and shown beside the newest answer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e_support import wait_until
from tests.test_journey_browser import Journey
from workshops.models import Draft

ANSWER = "[data-testid='answer-text']"


def _save(client, url, *, text, revision, base, writer):
    return client.post(
        url, {"text": text, "revision": str(revision), "base": str(base), "writer": writer}
    )


@pytest.mark.django_db
def test_a_stale_page_with_more_edits_does_not_write_over_the_phones_newer_words(
    client_for, assignment, experiment, learner
):
    client = client_for(learner)
    url = reverse("workshops:draft", args=[assignment.pk])
    # The laptop writes first (its page was shown the empty answer).
    assert (
        _save(client, url, text="Kannettava: kyyti", revision=5, base=0, writer="lap").status_code
        == 200
    )
    # The phone opens the answer (revision 5) and goes on writing.
    phone = "Kannettava: kyyti asemalle. Puhelin: kahdesti päivässä."
    assert _save(client, url, text=phone, revision=8, base=5, writer="phone").status_code == 200
    # The laptop page, never reloaded, has counted many more keystrokes of its own.
    response = _save(
        client,
        url,
        text="Kannettava: kyyti ja paljon vanhaa tekstiä",
        revision=40,
        base=5,
        writer="lap",
    )
    assert response.status_code == 409
    assert response["X-Draft-Writer"] == "phone"
    assert Draft.objects.get(experiment=experiment, learner=learner).text == phone
    # The phone's own next save still goes through.
    assert (
        _save(
            client, url, text=phone + " Ja takaisin.", revision=9, base=8, writer="phone"
        ).status_code
        == 200
    )


@pytest.mark.browser
def test_the_laptop_stops_and_after_a_reload_shows_the_phones_words_and_its_own_beside_them(
    transactional_db, live_server, browser, settings, assignment, experiment, learner
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    journey = Journey(browser, live_server.url)
    try:
        laptop = journey.sign_in("learner", learner.email)
        url = journey.url(reverse("workshops:assignment", args=[assignment.pk]))
        laptop.goto(url)
        laptop.locator(ANSWER).press_sequentially("Alku")
        expect(laptop.locator("#draft-status")).to_have_attribute("data-state", "saved")

        phone = laptop.context.new_page()  # the same account signed in elsewhere
        phone.set_viewport_size({"width": 375, "height": 740})
        phone.goto(url)
        expect(phone.locator(ANSWER)).to_have_value("Alku")
        phone.locator(ANSWER).press("Control+End")
        phone.locator(ANSWER).press_sequentially(" puhelimella")
        expect(phone.locator("#draft-status")).to_have_attribute("data-state", "saved")
        wait_until(
            lambda: Draft.objects.filter(experiment=experiment, text="Alku puhelimella").exists(),
            timeout=15,
            what="the phone's draft",
        )

        # The laptop's stale page counts more keystrokes than the phone did.
        laptop.locator(ANSWER).press("Control+End")
        laptop.locator(ANSWER).press_sequentially(" ja kannettavalla pitkä lause")
        status = laptop.locator("#draft-status")
        expect(status).to_have_attribute("data-state", "elsewhere")
        assert Draft.objects.get(experiment=experiment, learner=learner).text == "Alku puhelimella"

        laptop.reload()
        expect(laptop.locator(ANSWER)).to_have_value("Alku puhelimella")
        aside = laptop.locator("[data-testid='browser-draft']")
        expect(aside).to_be_visible()
        expect(aside).to_contain_text("Alku ja kannettavalla pitkä lause")
        assert Draft.objects.get(experiment=experiment, learner=learner).text == "Alku puhelimella"
    except BaseException:
        journey.screenshot_all("failure-s13-two-devices")
        raise
    unexpected = [e for e in journey.errors if "409" not in e]
    assert not unexpected, "Errors in the browser console:\n" + "\n".join(unexpected)
