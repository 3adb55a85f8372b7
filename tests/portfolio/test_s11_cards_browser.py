"""In Chromium: words typed into a portfolio card's edit form survive a reload (kept in this
browser, put back with a note), leaving asks first, and a save forgets the browser's copy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portfolio.models import Card
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser

SUMMARY = "Kutsuohjattu liityntäkyyti kylistä asemalle, kirjoitettu ennen uudelleenlatausta."
SCALING = "Sopii jokaiseen asemakuntaan, jossa kylät ovat kaukana."


def _stored(page, key: str):
    return page.evaluate("key => window.localStorage.getItem(key)", key)


def test_reloading_the_card_form_keeps_the_typed_words(
    transactional_db, live_server, browser, settings, learner, card
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    journey = Journey(browser, live_server.url)
    dialogs: list[str] = []
    key = f"alueagentti-card:{learner.pk}:{card.pk}"
    try:
        page = journey.sign_in("learner", learner.email)

        def accept(dialog) -> None:
            dialogs.append(dialog.type)
            dialog.accept()

        page.on("dialog", accept)
        page.goto(journey.url(reverse("portfolio:card_edit", args=[card.pk])))
        form = page.locator("[data-testid='card-form']")
        note = page.locator("[data-testid='card-draft-note']")
        expect(note).to_be_hidden()
        summary = form.locator("textarea[name='summary']")
        scaling = form.locator("textarea[name='scaling']")
        # Typed as a person types (a click first: Chromium asks before leaving only a page the
        # person has used).
        summary.click()
        summary.press("Control+a")
        page.keyboard.type(SUMMARY)
        scaling.click()
        page.keyboard.type(SCALING)

        page.reload()
        # Leaving with unsaved words asked first; the words are back after the reload.
        assert "beforeunload" in dialogs
        expect(note).to_be_visible()
        expect(summary).to_have_value(SUMMARY)
        expect(scaling).to_have_value(SCALING)
        assert Card.objects.get(pk=card.pk).summary != SUMMARY  # only in the browser

        form.locator("button[type='submit']").click()
        expect(page.locator("[data-testid='card-title']")).to_have_text(card.title)
        saved = Card.objects.get(pk=card.pk)
        assert (saved.summary, saved.scaling) == (SUMMARY, SCALING)

        # Saved: opened again, the form shows the saved card and no note; the copy is gone.
        dialogs.clear()
        page.goto(journey.url(reverse("portfolio:card_edit", args=[card.pk])))
        expect(summary).to_have_value(SUMMARY)
        expect(note).to_be_hidden()
        assert _stored(page, key) is None
        # Nothing typed: leaving does not ask.
        page.goto(journey.url(reverse("portfolio:home")))
        assert dialogs == []
        assert not journey.errors, journey.errors
    except Exception:
        journey.screenshot_all("s11-card-draft")
        raise
