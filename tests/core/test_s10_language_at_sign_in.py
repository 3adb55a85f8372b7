"""A language chosen on the sign-in page (the language cookie) stays after signing in: it
becomes the person's saved language, so the dashboard is not Finnish under a Swedish banner."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def sign_in(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert response.wsgi_request.user == user
    return response


def test_swedish_chosen_on_the_sign_in_page_becomes_the_persons_language(client, learner):
    assert learner.language == "fi"
    client.post(reverse("core:set_language"), {"language": "sv", "next": "/accounts/login/"})
    assert html_lang(client.get(reverse("account_login"))) == "sv"

    dashboard = sign_in(client, learner)

    learner.refresh_from_db()
    assert learner.language == "sv"
    assert html_lang(dashboard) == "sv"
    assert "Du har loggat in som" in dashboard.content.decode()
    assert html_lang(client.get(reverse("core:home"))) == "sv"


def test_without_a_choice_on_the_sign_in_page_the_saved_language_stays(client, learner):
    learner.language = "en"
    learner.save(update_fields=["language"])

    dashboard = sign_in(client, learner)

    learner.refresh_from_db()
    assert learner.language == "en"
    assert html_lang(dashboard) == "en"


def test_an_unknown_language_in_the_cookie_is_not_saved(client, learner):
    learner.language = "sv"
    learner.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"

    sign_in(client, learner)

    learner.refresh_from_db()
    assert learner.language == "sv"
