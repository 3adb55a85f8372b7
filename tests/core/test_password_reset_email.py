"""Issue #11 item 22: the password-reset email is the platform's own and speaks the person's
language (their profile's), whatever the browser that asked for it."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    return factories.UserFactory(email="sanna@example.fi", first_name="Sanna", language="en")


def request_reset(client, email, browser_language):
    return client.post(
        reverse("account_reset_password"),
        {"email": email},
        HTTP_ACCEPT_LANGUAGE=browser_language,
    )


def test_the_reset_email_is_branded_and_in_the_persons_language(client, person, settings):
    response = request_reset(client, person.email, "fi")
    assert response.status_code == 302
    [message] = mail.outbox
    assert "Hello from" not in message.body
    assert "127.0.0.1:8000!" not in message.body
    assert message.subject == "[Alueagentti] Set a new password for Alueagentti"
    assert message.body.startswith("Hello Sanna,")
    assert "/accounts/password/reset/key/" in message.body
    assert settings.SITE_URL in message.body
    html = message.alternatives[0][0]
    assert "Alueagentti" in html
    assert 'lang="en"' in html
    assert "/accounts/password/reset/key/" in html


def test_a_finnish_person_gets_it_in_finnish_from_an_english_browser(client, person):
    person.language = "fi"
    person.save()
    request_reset(client, person.email, "en")
    [message] = mail.outbox
    with translation.override("fi"):
        greeting = gettext("Hello %(name)s,").replace("%(name)s", "Sanna")
    assert greeting != "Hello Sanna,"  # the greeting has a Finnish translation
    assert message.body.startswith(greeting)
    html = message.alternatives[0][0]
    assert 'lang="fi"' in html


def test_the_reset_form_reveals_nothing_about_an_unknown_address(client, person):
    response = request_reset(client, "tuntematon@example.fi", "fi")
    assert response.status_code == 302
    assert all(m.to != [person.email] for m in mail.outbox)
