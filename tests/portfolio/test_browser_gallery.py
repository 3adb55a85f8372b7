"""In Chromium: a learner opens their portfolio, writes a summary on their experiment's card and
publishes it to the network; a learner from another municipality finds it in Osaamisväylä by
searching, opens it and asks the team a question, which reaches the owners."""

from __future__ import annotations

import pytest
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from portfolio import services
from portfolio.models import Card
from tests import factories
from tests.browser import artifacts_dir
from tests.e2e_support import wait_until
from tests.portfolio.conftest import make_experiment, publish
from tests.test_journey_browser import Journey, _rename

pytestmark = pytest.mark.browser


def _published_elsewhere(cohort, workshop):
    """Two cards from other municipalities, so the gallery and the similar box have company."""
    for town, title, themes, summary in [
        (
            "Vantaan kaupunki",
            "Työmatkaketju yhdellä lipulla",
            ["mobility"],
            "Juna, liityntäbussi ja kaupunkipyörä samalla lipulla.",
        ),
        (
            "Nokian kaupunki",
            "Etätyöpisteet kirjastoihin",
            ["multi-locality"],
            "Kirjastojen hiljaiset huoneet etätyöpisteiksi monipaikkaisille.",
        ),
    ]:
        owner = factories.UserFactory(organisation=factories.OrganisationFactory(name=town))
        factories.MembershipFactory(cohort=cohort, user=owner, role=Membership.Role.LEARNER)
        exp = make_experiment(
            owner=owner, cohort=cohort, workshop=workshop, title=title, themes=themes
        )
        card = services.card_create(experiment=exp)
        Card.objects.filter(pk=card.pk).update(summary=summary)
        publish(card, Card.Scope.NETWORK)


def test_publish_a_card_and_find_it_in_the_gallery(
    transactional_db,
    live_server,
    browser,
    settings,
    experiment,
    learner,
    co_owner,
    outsider_learner,
    other_cohort,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    # Names that read well in the screenshots the README reuses.
    for person, first, last, town in [
        (learner, "Oona", "Oppija", "Hämeenlinnan kaupunki"),
        (co_owner, "Kaisa", "Kiiskinen", "Janakkalan kunta"),
        (outsider_learner, "Ulla", "Uusitalo", "Lopen kunta"),
    ]:
        _rename(person, first, last, town)
    _published_elsewhere(other_cohort, experiment.workshop)
    journey = Journey(browser, live_server.url)
    try:
        # The learner opens the portfolio from the navigation: the experiment is a card.
        page = journey.sign_in("learner", learner.email)
        page.locator(f"nav a[href='{reverse('portfolio:home')}']").click()
        card_tile = page.locator("[data-testid='portfolio-card']")
        expect(card_tile).to_have_count(1)
        expect(card_tile).to_contain_text(experiment.title)
        page.screenshot(
            path=artifacts_dir() / "portfolio-page.png", full_page=True, caret="initial"
        )

        # Edit the card for publication.
        card_tile.locator("a.btn-primary").click()
        form = page.locator("[data-testid='card-form']")
        form.locator("textarea[name='summary']").fill(
            "Kutsuohjattu liityntäkyyti kylistä rautatieasemalle junien aikoihin."
        )
        form.locator("textarea[name='results']").fill("31 käyttäjää kuudessa viikossa.")
        form.locator("button[type='submit']").click()
        expect(page.locator("[data-testid='card-title']")).to_have_text(experiment.title)

        # Publish to the network.
        page.locator("[data-testid='publish-link']").click()
        page.locator("input[name='scope'][value='network']").check()
        page.locator("[data-testid='publish-form'] button[type='submit']").click()
        expect(page.locator("[data-testid='owner-panel'] [data-testid='withdraw']")).to_be_visible()
        card = Card.objects.get(experiment=experiment)
        assert card.scope == Card.Scope.NETWORK

        # A learner from another municipality searches the gallery and finds it.
        other = journey.sign_in("outsider", outsider_learner.email)
        other.locator(f"nav a[href='{reverse('portfolio:gallery')}']").click()
        expect(other.locator("[data-testid='gallery-card']")).to_have_count(3)
        other.screenshot(
            path=artifacts_dir() / "portfolio-gallery.png", full_page=True, caret="initial"
        )
        search = other.locator("[data-testid='gallery-search']")
        # An inflected form of the compound finds it (Finnish lemmas, core.search).
        search.locator("input[name='q']").fill("liityntäkyydeillä")
        search.locator("button[type='submit']").click()
        results = other.locator("[data-testid='gallery-card']")
        expect(results).to_have_count(1)
        expect(results).to_contain_text("Kutsuohjattu liityntäkyyti")
        results.get_by_role("link").click()
        expect(other.locator("[data-testid='card-title']")).to_have_text(experiment.title)

        # ... and asks the team; both owners are notified.
        question = other.locator("[data-testid='question-form']")
        question.locator("textarea").fill("Miten kyydit tilattiin?")
        question.locator("button[type='submit']").click()
        expect(other.locator("[data-testid='thread']")).to_contain_text("Miten kyydit tilattiin?")
        other.screenshot(
            path=artifacts_dir() / "portfolio-card.png", full_page=True, caret="initial"
        )
        wait_until(
            lambda: (
                Notification.objects.filter(
                    category=Notification.Category.GALLERY, recipient__in=[learner, co_owner]
                ).count()
                == 2
            ),
            what="both owners to be notified",
        )
        assert reverse("portfolio:card", args=[card.pk]) in other.url
        assert not journey.errors, journey.errors
    except Exception:
        journey.screenshot_all("portfolio")
        raise
