"""Signing in speaks the person's saved language from the "signed in as" banner on, also in a
browser without the language cookie, and leaves the cookie set to it, so the pages after
signing out speak it too. That cookie is no choice of the next person signing in on the same
browser: only a language picked with the switcher on the sign-in page is saved (session 10)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SWEDISH_BANNER = "Du har loggat in som"  # allauth's "Successfully signed in as …"
FINNISH_BANNER = "Kirjauduttiin sisään käyttäjänä"


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def sign_in(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert response.wsgi_request.user == user
    return response


def speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_a_swedish_person_without_the_cookie_gets_a_swedish_banner_and_the_cookie(client, learner):
    speaks(learner, "sv")
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert html_lang(client.get(reverse("account_login"))) == "fi"

    dashboard = sign_in(client, learner)

    html = dashboard.content.decode()
    assert SWEDISH_BANNER in html
    assert FINNISH_BANNER not in html
    assert html_lang(dashboard) == "sv"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sv"
    learner.refresh_from_db()
    assert learner.language == "sv"
    # Signed out, the browser still speaks Swedish.
    client.post(reverse("account_logout"))
    assert html_lang(client.get(reverse("account_login"))) == "sv"


def test_the_cookie_left_by_a_sign_in_is_not_the_next_persons_choice(
    client, learner, other_learner
):
    speaks(learner, "sv")
    sign_in(client, learner)
    client.post(reverse("account_logout"))
    assert html_lang(client.get(reverse("account_login"))) == "sv"

    # Olli, Finnish, signs in on the same computer without touching the switcher.
    dashboard = sign_in(client, other_learner)
    assert FINNISH_BANNER in dashboard.content.decode()
    assert html_lang(dashboard) == "fi"
    other_learner.refresh_from_db()
    assert other_learner.language == "fi"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fi"

    # Signed out again, he picks English on the sign-in page: that choice is saved.
    client.post(reverse("account_logout"))
    client.post(reverse("core:set_language"), {"language": "en", "next": "/accounts/login/"})
    dashboard = sign_in(client, other_learner)
    assert html_lang(dashboard) == "en"
    assert "Successfully signed in as" in dashboard.content.decode()
    other_learner.refresh_from_db()
    assert other_learner.language == "en"
    learner.refresh_from_db()
    assert learner.language == "sv"
