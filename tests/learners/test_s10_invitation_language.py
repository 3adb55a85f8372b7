"""The language the coordinator chose in the invitation becomes the new account's language:
signing up through the link keeps the interface, and every later email, in that language."""

import pytest
from django.core import mail
from django.urls import reverse

from core.models import User
from learners import services
from learners.models import Membership

pytestmark = pytest.mark.django_db

PASSWORD = "pitka-Salasana-42"


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def sign_up_through_the_link(client, invitation, email):
    welcome = client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    assert welcome.status_code == 200
    assert html_lang(welcome) == invitation.language
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain, response.content.decode()
    return response


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_account_gets_the_invitations_language(client, coordinator, cohort, language):
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="uusi@example.fi", language=language
    )

    dashboard = sign_up_through_the_link(client, invitation, "Uusi@Example.fi")

    user = User.objects.get(email__iexact="uusi@example.fi")
    assert user.language == language
    assert Membership.objects.filter(cohort=cohort, user=user).exists()
    assert html_lang(dashboard) == language
    assert html_lang(client.get(reverse("core:home"))) == language
    # A later email (a password reset) is in that language too.
    client.logout()
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": "uusi@example.fi"})
    assert len(mail.outbox) == 1
    assert html_lang_of_email(mail.outbox[0]) == language


def html_lang_of_email(message) -> str:
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_finnish_invitation_keeps_finnish(client, coordinator, cohort):
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="uusi@example.fi", language="fi"
    )
    sign_up_through_the_link(client, invitation, "uusi@example.fi")
    assert User.objects.get(email="uusi@example.fi").language == "fi"
