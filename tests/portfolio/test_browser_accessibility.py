"""In Chromium, axe-core checks every portfolio and gallery page (the learner's portfolio, the
gallery and a search, a card as its owner and as another learner, the card's edit and publish
forms, the public gallery and card without signing in, and a coordinator's approval queue and
approval page) on a desktop and on a 390-pixel phone: no serious or critical violation, and
nothing wider than the phone's screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portfolio import services
from portfolio.models import Card
from tests.portfolio.conftest import publish
from tests.portfolio.test_browser_gallery import _published_elsewhere
from tests.test_journey_browser import Journey, _rename

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _problems(page, label: str) -> list[str]:
    """Serious and critical axe violations, and horizontal scrolling, on the page as it is."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [
        f"{label}: {v['id']} ({v['impact']}) {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    too_wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if too_wide > 0:
        found.append(f"{label}: {too_wide} px wider than the screen")
    return found


def _check(page, path: str, label: str, ready: str) -> list[str]:
    from playwright.sync_api import expect

    problems = []
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        problems += _problems(page, f"{label} on {name}")
    return problems


def test_portfolio_and_gallery_pages_pass_axe_on_desktop_and_phone(
    transactional_db,
    live_server,
    browser,
    settings,
    experiment,
    card,
    learner,
    co_owner,
    outsider_learner,
    coordinator,
    other_cohort,
):
    settings.SITE_URL = live_server.url
    for person, first, last, town in [
        (learner, "Oona", "Oppija", "Hämeenlinnan kaupunki"),
        (co_owner, "Kaisa", "Kiiskinen", "Janakkalan kunta"),
        (outsider_learner, "Ulla", "Uusitalo", "Lopen kunta"),
    ]:
        _rename(person, first, last, town)
    learner.refresh_from_db()
    coordinator.organisation = learner.organisation
    coordinator.save(update_fields=["organisation"])
    _published_elsewhere(other_cohort, experiment.workshop)
    publish(card, Card.Scope.NETWORK)
    # One public card for the pages without signing in, one waiting for the coordinator.
    public = Card.objects.exclude(pk=card.pk).order_by("pk").first()
    publish(public, Card.Scope.PUBLIC)
    services.card_publish(card=card, by=learner, scope=Card.Scope.PUBLIC, consent=True)
    services.card_ask(card=card, author=outsider_learner, text="Miten kyydit tilattiin?")
    # The owner's card then lists where the idea came from, with the button to unlink it.
    services.card_adapt(card=public, by=learner, experiment=experiment, note="Meillä kylistä.")

    journey = Journey(browser, live_server.url)
    problems: list[str] = []
    try:
        owner = journey.sign_in("learner", learner.email)
        problems += _check(
            owner,
            journey.url(reverse("portfolio:home")),
            "portfolio",
            "[data-testid='portfolio-card']",
        )
        problems += _check(
            owner,
            journey.url(reverse("portfolio:card", args=[card.pk])),
            "card (owner)",
            "[data-testid='unadapt-form']",
        )
        for name, testid in (("card_edit", "card-form"), ("card_publish", "publish-form")):
            problems += _check(
                owner,
                journey.url(reverse(f"portfolio:{name}", args=[card.pk])),
                name,
                f"[data-testid='{testid}']",
            )
        other = journey.sign_in("outsider", outsider_learner.email)
        problems += _check(
            other,
            journey.url(reverse("portfolio:gallery")),
            "gallery",
            "[data-testid='gallery-card']",
        )
        problems += _check(
            other,
            journey.url(reverse("portfolio:gallery") + "?q=liityntäkyyti&sort=relevance"),
            "gallery search",
            "[data-testid='gallery-card']",
        )
        problems += _check(
            other,
            journey.url(reverse("portfolio:card", args=[card.pk])),
            "card (another learner)",
            "[data-testid='question-form']",
        )
        approver = journey.sign_in("coordinator", coordinator.email)
        problems += _check(
            approver,
            journey.url(reverse("portfolio:approvals")),
            "approvals",
            "main a[href*='approvals/']",
        )
        problems += _check(
            approver,
            journey.url(reverse("portfolio:approval", args=[card.pk])),
            "approval",
            "textarea[name='reason']",
        )
        anonymous = browser.new_context(locale="fi-FI").new_page()
        journey.pages["anonymous"] = anonymous
        problems += _check(
            anonymous,
            journey.url(reverse("portfolio:public_gallery")),
            "public gallery",
            "[data-testid='gallery-card']",
        )
        problems += _check(
            anonymous,
            journey.url(reverse("portfolio:public_card", args=[public.pk])),
            "public card",
            "h1",
        )
        assert not problems, "\n".join(problems)
        assert not journey.errors, journey.errors
    except Exception:
        journey.screenshot_all("portfolio-a11y")
        raise
