"""Sign-in with the organisation's own account (#14 part 1), against the tests' real OpenID
Connect provider (tests/oidc_provider/, django-oauth-toolkit) on loopback: discovery, the
authorisation code flow with PKCE, the token and userinfo endpoints are the provider's own.

The person's part at the provider (its sign-in form) is done with `requests`; the platform's
part with Django's test client. The browser journey is in test_browser_oidc_sign_in.py.
"""

from __future__ import annotations

from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core import oidc
from core.models import User
from learners import services
from learners.models import Invitation, Membership
from tests import factories
from tests.oidc_provider.support import CLIENT_ID, CLIENT_SECRET, DOMAIN, callback_path


@pytest.fixture(autouse=True)
def _english(settings):
    # New strings are asserted by their English msgid until they are translated.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _organisation(oidc_provider, **fields):
    values = {
        "name": "Testikunta",
        "oidc_enabled": True,
        "oidc_issuer": oidc_provider.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_secret": CLIENT_SECRET,
        "email_domains": DOMAIN,
        **fields,
    }
    organisation = factories.OrganisationFactory(**values)
    oidc_provider.allow_redirect_uris(
        f"http://testserver/accounts/oidc/org-{organisation.pk}/login/callback/"
    )
    return organisation


@pytest.fixture
def municipality(db, oidc_provider):
    return _organisation(oidc_provider)


def _invite(cohort, email, role=Membership.Role.LEARNER):
    coordinator = factories.UserFactory(email="koordinaattori@example.fi")
    return services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email=email, role=role, first_name="Kutsuttu"
    )


def _start(client, email):
    response = client.post(reverse("core:organisation_sign_in"), {"email": email})
    assert response.status_code == 200, response.content[:800]
    return response.context["url"]


def _sign_in_through(client, oidc_provider, username, email):
    """The whole round: our routing page, the provider's sign-in, our callback."""
    location = oidc_provider.sign_in(_start(client, email), username)
    path, params = callback_path(location)
    return client.get(path, params)


def _signed_in_user(client):
    return client.session.get("_auth_user_id")


def test_an_invited_person_joins_by_signing_in_with_their_organisation_account_for_a_week(
    client, oidc_provider, municipality, cohort
):
    anna = oidc_provider.users["anna"]
    invitation = _invite(cohort, anna["email"])
    page = client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    assert b'data-testid="invitation-organisation-sign-in"' in page.content

    url = _start(client, anna["email"])
    query = parse_qs(urlparse(url).query)
    # Authorisation code with PKCE, the address as a hint for the provider's form.
    assert url.startswith(f"{oidc_provider.issuer}/authorize/")
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0]
    assert query["login_hint"] == [anna["email"]]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}

    path, params = callback_path(oidc_provider.sign_in(url, "anna"))
    response = client.get(path, params)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    user = User.objects.get(email=anna["email"])
    assert _signed_in_user(client) == str(user.pk)
    assert (user.first_name, user.last_name) == ("Anna", "Aaltonen")
    assert user.organisation == municipality
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    account = SocialAccount.objects.get(user=user)
    assert account.provider == f"org-{municipality.pk}"
    # Both the signed ID token and the userinfo endpoint's answer were read.
    assert account.extra_data["id_token"]["iss"] == oidc_provider.issuer
    assert account.extra_data["userinfo"]["email"] == anna["email"]
    assert account.extra_data["userinfo"]["email_verified"] is True
    assert Membership.objects.get(user=user, cohort=cohort).role == Membership.Role.LEARNER
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == user
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    assert cohort.name in home.content.decode()
    assert "Welcome to Syksy 2026!" in home.content.decode()

    # The next days: out and in again through the provider, the same account every time.
    for _day in range(3):
        client.post(reverse("account_logout"))
        assert _signed_in_user(client) is None
        response = _sign_in_through(client, oidc_provider, "anna", anna["email"])
        assert response.status_code == 302
        assert _signed_in_user(client) == str(user.pk)
        assert client.get(reverse("core:home")).status_code == 200
    assert User.objects.filter(email=anna["email"]).count() == 1
    assert SocialAccount.objects.filter(user=user).count() == 1
    assert Membership.objects.filter(user=user).count() == 1


def test_a_person_signed_in_as_someone_else_than_the_invitation_is_refused(
    client, oidc_provider, municipality, cohort
):
    invitation = _invite(cohort, oidc_provider.users["anna"]["email"])
    client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    # Anna's link, but Ville signs in at the provider.
    location = oidc_provider.sign_in(_start(client, invitation.email), "ville")
    path, params = callback_path(location)
    response = client.get(path, params)
    assert response.status_code == 403
    text = response.content.decode()
    assert 'data-testid="organisation-sign-in-refused"' in text
    assert f"This invitation was sent to {invitation.email}" in text
    assert oidc_provider.users["ville"]["email"] in text
    assert _signed_in_user(client) is None
    assert not User.objects.filter(email=oidc_provider.users["ville"]["email"]).exists()
    assert not SocialAccount.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_an_address_the_provider_has_not_verified_is_refused(
    client, oidc_provider, municipality, cohort
):
    uuno = oidc_provider.users["uuno"]
    invitation = _invite(cohort, uuno["email"])
    client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    response = _sign_in_through(client, oidc_provider, "uuno", uuno["email"])
    assert response.status_code == 403
    assert "did not confirm your email address" in response.content.decode()
    assert not User.objects.filter(email=uuno["email"]).exists()
    assert _signed_in_user(client) is None


def test_a_provider_that_names_another_issuer_is_refused_before_the_person_leaves(
    client, oidc_provider, db
):
    _organisation(oidc_provider, oidc_issuer=oidc_provider.wrong_host_issuer)
    response = client.post(
        reverse("core:organisation_sign_in"), {"email": f"anna.aaltonen@{DOMAIN}"}
    )
    assert response.status_code == 403
    text = response.content.decode()
    assert "For your safety the sign-in was refused" in text
    assert oidc_provider.issuer in text
    assert "socialaccount_states" not in client.session


def test_an_id_token_from_another_issuer_or_for_another_domain_is_refused(municipality):
    good = {
        "id_token": {
            "iss": municipality.oidc_issuer,
            "sub": "1",
            "email": f"anna@{DOMAIN}",
            "email_verified": True,
        }
    }
    assert oidc.check_sign_in(
        organisation=municipality, extra_data=good, invitation=None, existing=True
    ) == (f"anna@{DOMAIN}")
    cases = {
        "answered as": {**good["id_token"], "iss": "https://evil.example/o"},
        "is not an address of": {**good["id_token"], "email": "anna@naapurikunta.fi"},
        "did not confirm": {**good["id_token"], "email_verified": "false"},
    }
    for message, claims in cases.items():
        with pytest.raises(oidc.SignInRefused, match=message):
            oidc.check_sign_in(
                organisation=municipality,
                extra_data={"id_token": claims},
                invitation=None,
                existing=True,
            )
    with pytest.raises(oidc.SignInRefused, match="two different people"):
        oidc.check_sign_in(
            organisation=municipality,
            extra_data={**good, "userinfo": {"sub": "2", "email": f"anna@{DOMAIN}"}},
            invitation=None,
            existing=True,
        )


def test_someone_with_neither_an_account_nor_an_invitation_is_told_how_to_join(
    client, oidc_provider, municipality
):
    response = _sign_in_through(client, oidc_provider, "ville", f"ville.virtanen@{DOMAIN}")
    assert response.status_code == 403
    assert "Participants join by invitation" in response.content.decode()
    assert not User.objects.filter(email=f"ville.virtanen@{DOMAIN}").exists()


def test_a_person_with_a_password_account_is_linked_by_the_address_the_provider_vouches_for(
    client, oidc_provider, municipality
):
    ville = factories.UserFactory(email=f"ville.virtanen@{DOMAIN}", first_name="V")
    # A namesake elsewhere is never picked: the link is by the vouched-for address only.
    factories.UserFactory(
        email="ville.virtanen@example.fi", first_name="Ville", last_name="Virtanen"
    )
    response = _sign_in_through(client, oidc_provider, "ville", ville.email)
    assert response.status_code == 302
    assert _signed_in_user(client) == str(ville.pk)
    assert SocialAccount.objects.get(provider=f"org-{municipality.pk}").user == ville
    assert User.objects.count() == 2


def test_staff_signed_in_through_a_provider_that_enforces_mfa_are_not_asked_again(
    client, oidc_provider, settings, cohort
):
    settings.ALUEAGENTTI_REQUIRE_STAFF_MFA = True
    organisation = _organisation(oidc_provider, idp_enforces_mfa=True)
    anna = factories.UserFactory(email=f"anna.aaltonen@{DOMAIN}", organisation=organisation)
    factories.MembershipFactory(cohort=cohort, user=anna, role=Membership.Role.INSTRUCTOR)
    review_queue = reverse("workshops:review_queue")

    # With her password she is sent to set up a second factor, as all staff are.
    client.post(reverse("account_login"), {"login": anna.email, "password": factories.PASSWORD})
    assert client.get(review_queue)["Location"].startswith(reverse("mfa_index"))
    client.post(reverse("account_logout"))

    response = _sign_in_through(client, oidc_provider, "anna", anna.email)
    assert response.status_code == 302
    assert client.get(review_queue).status_code == 200

    # The organisation stops vouching for its second factor: asked from the next page on.
    organisation.idp_enforces_mfa = False
    organisation.save()
    assert client.get(review_queue)["Location"].startswith(reverse("mfa_index"))


def test_a_person_with_an_authenticator_is_asked_for_the_code_unless_the_provider_enforces_it(
    client, oidc_provider, cohort
):
    organisation = _organisation(oidc_provider, idp_enforces_mfa=False)
    anna = factories.UserFactory(email=f"anna.aaltonen@{DOMAIN}", organisation=organisation)
    Authenticator.objects.create(user=anna, type=Authenticator.Type.TOTP, data={"secret": "x"})
    response = _sign_in_through(client, oidc_provider, "anna", anna.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert _signed_in_user(client) is None

    organisation.idp_enforces_mfa = True
    organisation.save()
    client.session.flush()
    response = _sign_in_through(client, oidc_provider, "anna", anna.email)
    assert response["Location"] == reverse("core:home")
    assert _signed_in_user(client) == str(anna.pk)


def test_an_address_that_no_organisation_serves_gets_a_clear_400(client, municipality):
    response = client.post(reverse("core:organisation_sign_in"), {"email": "a@muualla.fi"})
    assert response.status_code == 400
    assert "addresses ending in @muualla.fi" in response.content.decode()
    assert client.post(reverse("core:organisation_sign_in"), {"email": "nope"}).status_code == 400
    assert client.put(reverse("core:organisation_sign_in")).status_code == 405


def test_a_provider_that_does_not_answer_gets_a_clear_502(client, oidc_provider, db):
    # Nothing listens on the discard port.
    _organisation(oidc_provider, oidc_issuer="http://127.0.0.1:9/o")
    response = client.post(reverse("core:organisation_sign_in"), {"email": f"x@{DOMAIN}"})
    assert response.status_code == 502
    assert "did not answer" in response.content.decode()


def test_a_disabled_organisation_has_no_sign_in(client, oidc_provider, municipality):
    municipality.oidc_enabled = False
    municipality.save()
    login = f"/accounts/oidc/org-{municipality.pk}/login/"
    assert client.get(login).status_code == 404
    response = client.post(reverse("core:organisation_sign_in"), {"email": f"x@{DOMAIN}"})
    assert response.status_code == 400
    assert b'data-testid="organisation-sign-in"' not in client.get(reverse("account_login")).content


def test_the_login_page_offers_the_organisation_sign_in_with_flat_queries(
    client, db, django_assert_num_queries
):
    # No one is signed in, so no session or person is read: the organisations that offer their
    # sign-in (1), however many; the address's organisation (1). (3 allowed before.)
    assert b'data-testid="organisation-sign-in"' not in client.get(reverse("account_login")).content
    for n in range(10):
        factories.OrganisationFactory(
            name=f"Kunta {n}",
            oidc_enabled=True,
            oidc_issuer=f"https://idp{n}.example.fi",
            oidc_client_id="c",
            email_domains=f"kunta{n}.fi",
        )
        with django_assert_num_queries(1):
            page = client.get(reverse("account_login"))
        assert b'data-testid="organisation-sign-in"' in page.content
        assert "Sign in with your organisation's account" in page.content.decode()
    with django_assert_num_queries(1):
        response = client.post(reverse("core:organisation_sign_in"), {"email": "x@muualla.fi"})
    assert response.status_code == 400


def test_the_admin_checks_an_organisations_provider(db, monkeypatch):
    factories.OrganisationFactory(
        name="Espoo",
        oidc_enabled=True,
        oidc_issuer="https://idp.espoo.fi",
        oidc_client_id="c",
        email_domains="espoo.fi",
    )
    organisation = factories.OrganisationFactory.build(
        name="Vantaa",
        oidc_enabled=True,
        oidc_issuer="",
        email_domains="vantaa.fi, ESPOO.fi, not a domain",
        oidc_secret_env="DJANGO_SECRET_KEY",
    )
    with pytest.raises(ValidationError) as caught:
        organisation.full_clean()
    errors = caught.value.message_dict
    assert set(errors) >= {"oidc_issuer", "oidc_client_id", "email_domains", "oidc_secret_env"}
    organisation.email_domains = "vantaa.fi espoo.fi"
    with pytest.raises(ValidationError, match="already serves espoo.fi"):
        organisation.full_clean()

    organisation.oidc_issuer = "https://login.microsoftonline.com/tenant/v2.0"
    organisation.oidc_client_id = "c"
    organisation.email_domains = "vantaa.fi"
    organisation.oidc_secret_env = "ALUEAGENTTI_OIDC_VANTAA_SECRET"
    organisation.oidc_secret = "stored"
    organisation.full_clean()
    monkeypatch.setenv("ALUEAGENTTI_OIDC_VANTAA_SECRET", "from-the-environment")
    assert oidc.social_app(organisation).secret == "from-the-environment"
    organisation.oidc_secret_env = ""
    assert oidc.social_app(organisation).secret == "stored"


def test_the_admin_page_shows_the_redirect_uri_keeps_the_secret_and_refuses_a_taken_domain(
    client_for, superuser, learner, settings
):
    settings.SITE_URL = "https://alueagentti.example"
    factories.OrganisationFactory(
        name="Espoo",
        oidc_enabled=True,
        oidc_issuer="https://idp.espoo.fi",
        oidc_client_id="c",
        email_domains="espoo.fi",
    )
    organisation = factories.OrganisationFactory(name="Vantaa", oidc_secret="stored-secret")
    url = reverse("admin:core_organisation_change", args=[organisation.pk])
    # Not for a learner.
    assert client_for(learner).get(url).status_code == 302
    client = client_for(superuser)
    page = client.get(url).content.decode()
    assert (
        f"https://alueagentti.example/accounts/oidc/org-{organisation.pk}/login/callback/" in page
    )
    assert "stored-secret" not in page
    form = {
        "name": "Vantaa",
        "kind": "municipality",
        "oidc_enabled": "on",
        "email_domains": "vantaa.fi espoo.fi",
        "oidc_issuer": "https://login.microsoftonline.com/tenant/v2.0",
        "oidc_client_id": "vantaa-client",
        "oidc_secret_env": "",
        "oidc_secret": "",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    refusal = gettext("Another organisation's sign-in already serves %(domains)s.") % {
        "domains": "espoo.fi"
    }
    assert refusal in unescape(response.content.decode())
    organisation.refresh_from_db()
    assert not organisation.oidc_enabled
    response = client.post(url, {**form, "email_domains": "vantaa.fi"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.oidc_enabled
    assert organisation.email_domains == "vantaa.fi"
    assert organisation.oidc_secret == "stored-secret"


def test_a_callback_that_does_not_belong_to_a_started_sign_in_is_a_clear_401(
    client, oidc_provider, municipality, cohort
):
    invitation = _invite(cohort, oidc_provider.users["anna"]["email"])
    client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    location = oidc_provider.sign_in(_start(client, invitation.email), "anna")
    path, params = callback_path(location)
    # A forged or replayed state (another browser's, or the same link opened twice).
    response = client.get(path, {**params, "state": "not-the-one-we-sent"})
    assert response.status_code == 401
    assert 'data-testid="organisation-sign-in-failed"' in response.content.decode()
    assert "Start again from the sign-in page" in response.content.decode()
    # The real one still works once, and not twice.
    assert client.get(path, params).status_code == 302
    assert User.objects.filter(email=invitation.email).count() == 1
    client.post(reverse("account_logout"))
    assert client.get(path, params).status_code == 401
    assert _signed_in_user(client) is None


def test_allauths_own_start_page_points_to_the_organisation_sign_in(client, municipality):
    # Its form would redirect to another site, which the CSP's form-action forbids.
    response = client.get(f"/accounts/oidc/org-{municipality.pk}/login/")
    assert response.status_code == 200
    assert reverse("core:organisation_sign_in") in response.content.decode()
    main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main


def test_a_person_with_an_account_who_opens_an_invitation_joins_after_the_provider_sign_in(
    client, oidc_provider, municipality, cohort
):
    ville = factories.UserFactory(email=f"ville.virtanen@{DOMAIN}", organisation=municipality)
    invitation = _invite(cohort, ville.email, role=Membership.Role.INSTRUCTOR)
    page = client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    assert b'data-testid="invitation-organisation-sign-in"' in page.content
    response = _sign_in_through(client, oidc_provider, "ville", ville.email)
    assert response["Location"] == reverse("core:home")
    assert _signed_in_user(client) == str(ville.pk)
    assert Membership.objects.get(user=ville, cohort=cohort).role == Membership.Role.INSTRUCTOR
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert User.objects.filter(email=ville.email).count() == 1


def test_the_page_asked_for_is_kept_and_another_sites_address_is_not(
    client, oidc_provider, municipality, cohort
):
    ville = factories.UserFactory(email=f"ville.virtanen@{DOMAIN}", organisation=municipality)
    factories.MembershipFactory(cohort=cohort, user=ville)
    for asked, landed in (
        ("/notifications/", "/notifications/"),
        ("https://evil.example/phish", reverse("core:home")),
    ):
        response = client.post(
            reverse("core:organisation_sign_in"), {"email": ville.email, "next": asked}
        )
        path, params = callback_path(oidc_provider.sign_in(response.context["url"], "ville"))
        assert client.get(path, params)["Location"] == landed
        client.post(reverse("account_logout"))
