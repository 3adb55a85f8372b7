"""In Chromium: a double click on "Kysy tiimiltä" sends one question (the button is disabled as
the form goes) and the team is notified once; without JavaScript the server still posts it once.
The card's owner then hides the question, which its other readers see only as hidden."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from notifications.models import Notification
from portfolio.models import Card, CardMessage
from tests.browser import UI_TIMEOUT_MS, VIEWPORT, artifacts_dir
from tests.factories import PASSWORD
from tests.portfolio.conftest import publish
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser

QUESTION = "Miten kuljettajat löytyivät?"


def _ask_posts(page) -> list[str]:
    """The question form's POSTs the page sends, as they leave the browser."""
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            request.method == "POST" and request.url.endswith("/ask/") and sent.append(request.url)
        ),
    )
    return sent


def _double_click(page, button) -> None:
    """Two clicks on the button as a person double-clicks: the second one after the first one's
    request has left (Playwright's own dblclick is so fast that Chromium merges the two submits
    before sending anything). The mouse, not the locator: a disabled button takes the click."""
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/ask/")):
        page.mouse.click(x, y)
    page.mouse.click(x, y)


def test_a_double_click_on_ask_the_team_sends_one_question(
    transactional_db, live_server, browser, settings, card, learner, co_owner, outsider_learner
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    card = publish(card, Card.Scope.NETWORK)
    card_url = reverse("portfolio:card", args=[card.pk])
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("outsider", outsider_learner.email)
        sent = _ask_posts(page)
        page.goto(journey.url(card_url))
        form = page.locator("[data-testid='question-form']")
        form.locator("textarea").fill(QUESTION)
        _double_click(page, form.locator("[data-testid='question-submit']"))
        expect(page).to_have_url(re.compile(r"#thread$"))
        expect(page.locator("[data-testid='question-message']")).to_have_count(1)
        expect(page.locator("[data-testid='thread']")).to_contain_text(QUESTION)
        assert len(sent) == 1, sent
        assert CardMessage.objects.filter(card=card).count() == 1
        notes = Notification.objects.filter(key__startswith="portfolio-question-")
        assert sorted(notes.values_list("recipient", flat=True)) == sorted(
            [learner.pk, co_owner.pk]
        )

        # The owner hides it: its writer reads it with the reason, others see it hidden.
        owner = journey.sign_in("owner", learner.email)
        owner.goto(journey.url(card_url))
        owner.locator("[data-testid='hide-link']").click()
        hide = owner.locator("[data-testid='hide-form']")
        hide.locator("textarea[name='reason']").fill("Kysymyksessä on asukkaan puhelinnumero.")
        hide.locator("button[type='submit']").click()
        expect(owner.locator("[data-testid='hidden-notice']")).to_be_visible()
        owner.screenshot(path=artifacts_dir() / "s11-question-hidden.png", full_page=True)
        page.reload()
        expect(page.locator("[data-testid='hidden-notice']")).to_contain_text(
            "Kysymyksessä on asukkaan puhelinnumero."
        )
        assert CardMessage.objects.get(card=card).is_hidden
        assert not journey.errors, journey.errors
    except Exception:
        journey.screenshot_all("s11-questions")
        raise


def test_without_javascript_a_double_click_still_posts_one_question(
    transactional_db, live_server, browser, card, learner, co_owner, outsider_learner
):
    from playwright.sync_api import expect

    card = publish(card, Card.Scope.NETWORK)
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI", java_script_enabled=False)
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    login = page.locator("form:has(input[name='login'])")
    login.locator("input[name='login']").fill(outsider_learner.email)
    login.locator("input[name='password']").fill(PASSWORD)
    login.locator("button[type='submit']").click()
    expect(page).to_have_url(f"{live_server.url}/")
    sent = _ask_posts(page)
    page.goto(f"{live_server.url}{reverse('portfolio:card', args=[card.pk])}")
    form = page.locator("[data-testid='question-form']")
    form.locator("textarea").fill(QUESTION)
    _double_click(page, form.locator("[data-testid='question-submit']"))
    expect(page).to_have_url(re.compile(r"#thread$"))
    expect(page.locator("[data-testid='question-message']")).to_have_count(1)
    # Chromium sent both (it drops the first answer, not the first request): one message.
    assert len(sent) == 2, sent
    assert CardMessage.objects.filter(card=card).count() == 1
    assert Notification.objects.filter(key__startswith="portfolio-question-").count() == 2
