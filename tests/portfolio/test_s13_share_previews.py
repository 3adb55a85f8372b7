"""A link to a public card or to the public gallery, shared in a chat or on social media,
shows a full preview: og:url on the site's own address, og:type, og:site_name, og:locale in the
page's language and a Twitter card. A withdrawn or private card still answers 404 and leaks
nothing."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portfolio import services
from portfolio.models import Card

from .conftest import publish

pytestmark = pytest.mark.django_db

SITE = "https://alueagentti.example"


def visitor(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def meta(name: str, content: str, *, attribute: str = "property") -> str:
    return f'<meta {attribute}="{name}" content="{content}">'


@pytest.mark.parametrize(
    ("language", "locale"), [("fi", "fi_FI"), ("sv", "sv_SE"), ("en", "en_GB")]
)
def test_a_public_cards_preview_names_its_address_type_site_and_language(
    settings, learner, card, language, locale
):
    settings.SITE_URL = SITE
    publish(card, Card.Scope.PUBLIC)
    path = reverse("portfolio:public_card", args=[card.pk])
    # The address a visitor came by (a campaign's query, another Host) is not the card's own.
    html = visitor(language).get(path, {"utm_source": "uutiskirje"}).content.decode()
    assert meta("og:url", f"{SITE}{path}") in html
    assert meta("og:type", "article") in html
    assert meta("og:site_name", "Alueagentti") in html
    assert meta("og:locale", locale) in html
    assert meta("og:title", card.title) in html
    assert meta("twitter:card", "summary", attribute="name") in html
    assert f'<link rel="canonical" href="{SITE}{path}">' in html


def test_the_public_gallerys_preview_has_a_title_description_address_and_language(
    settings, learner, card
):
    settings.SITE_URL = SITE
    publish(card, Card.Scope.PUBLIC)
    path = reverse("portfolio:public_gallery")
    html = visitor("sv").get(path, {"theme": "mobility"}).content.decode()
    assert meta("og:url", f"{SITE}{path}?theme=mobility") in html
    assert meta("og:type", "website") in html
    assert meta("og:site_name", "Alueagentti") in html
    assert meta("og:locale", "sv_SE") in html
    assert '<meta property="og:title" content="Osaamisväylä' in html
    assert '<meta property="og:description" content="' in html
    assert meta("twitter:card", "summary", attribute="name") in html


def test_a_withdrawn_or_private_card_still_answers_404_with_no_preview(settings, learner, card):
    settings.SITE_URL = SITE
    publish(card, Card.Scope.PUBLIC)
    path = reverse("portfolio:public_card", args=[card.pk])
    assert meta("og:url", f"{SITE}{path}") in visitor("fi").get(path).content.decode()
    services.card_withdraw(card=card, by=learner)
    response = visitor("fi").get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert card.title not in html
    assert "og:" not in html
    publish(card, Card.Scope.NETWORK)
    response = visitor("fi").get(path)
    assert response.status_code == 404
    assert card.title not in response.content.decode()
