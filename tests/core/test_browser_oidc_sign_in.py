"""In Chromium, under the strict Content-Security-Policy, against the tests' real OpenID Connect
provider on loopback (tests/oidc_provider/): a person invited to a cohort opens the link, signs
in with their organisation's account (discovery, authorisation code with PKCE, token, userinfo)
and lands on the dashboard as a member of the cohort. A provider that names another issuer and a
person who signs in as someone else than the invitation are refused with a clear message. Any
console error (a CSP violation included) fails the test (#14 part 1)."""

from __future__ import annotations

import pytest

from core.models import User
from learners import services
from learners.models import Invitation, Membership
from tests import factories
from tests.browser import UI_TIMEOUT_MS, VIEWPORT, artifacts_dir
from tests.oidc_provider.support import CLIENT_ID, CLIENT_SECRET, DOMAIN, PASSWORD

pytestmark = pytest.mark.browser


def _organisation(live_server, oidc_provider, **fields):
    organisation = factories.OrganisationFactory(
        **{
            "name": "Testikunta",
            "oidc_enabled": True,
            "oidc_issuer": oidc_provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_secret": CLIENT_SECRET,
            "email_domains": DOMAIN,
            **fields,
        }
    )
    return organisation


def test_an_invited_person_signs_in_with_their_organisation_account_and_joins_the_cohort(
    transactional_db, live_server, browser, settings, oidc_provider, cohort
):
    from playwright.sync_api import expect

    settings.LANGUAGE_CODE = "en"
    base = live_server.url
    municipality = _organisation(live_server, oidc_provider)
    elsewhere = _organisation(
        live_server,
        oidc_provider,
        name="Väärä kunta",
        oidc_issuer=oidc_provider.wrong_host_issuer,
        email_domains="vaarakunta.fi",
    )
    oidc_provider.allow_redirect_uris(
        *(f"{base}/accounts/oidc/org-{o.pk}/login/callback/" for o in (municipality, elsewhere))
    )
    coordinator = factories.UserFactory(email="koordinaattori@example.fi")
    anna = oidc_provider.users["anna"]
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email=str(anna["email"]), language="en"
    )
    errors: list[str] = []

    def new_page():
        context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
        context.set_default_timeout(UI_TIMEOUT_MS)
        page = context.new_page()
        # The platform's pages only (the test provider has no favicon); a refusal is a 403.
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and m.location.get("url", "").startswith(base)
                and "status of 403" not in m.text
                and errors.append(f"{m.location.get('url')}: {m.text}")
            ),
        )
        return context, page

    def at_the_provider(page, username):
        # The provider's own sign-in form, on its own origin.
        expect(page).to_have_url(f"{oidc_provider.issuer.rsplit('/o', 1)[0]}/login/", timeout=0)

    context, page = new_page()
    try:
        # Ville opens Anna's link and signs in as himself: refused, nobody joins.
        page.goto(f"{base}/cohorts/invite/{invitation.token}/")
        page.get_by_test_id("invitation-organisation-sign-in").locator("button").click()
        expect(page.locator("#idp-login")).to_be_visible()
        assert page.url.startswith(f"http://127.0.0.1:{oidc_provider.port}/login/")
        page.locator("input[name='username']").fill("ville")
        page.locator("input[name='password']").fill(PASSWORD)
        page.locator("#idp-login button[type='submit']").click()
        refused = page.get_by_test_id("organisation-sign-in-refused")
        expect(refused).to_contain_text(f"This invitation was sent to {anna['email']}")
        expect(refused).to_contain_text(oidc_provider.users["ville"]["email"])
        assert not User.objects.filter(email=oidc_provider.users["ville"]["email"]).exists()
        context.close()

        # Anna opens her link: her organisation's sign-in, then the dashboard as a member.
        context, page = new_page()
        page.goto(f"{base}/cohorts/invite/{invitation.token}/")
        expect(page.get_by_test_id("invitation-welcome")).to_contain_text(cohort.name)
        page.get_by_test_id("invitation-organisation-sign-in").locator("button").click()
        expect(page.locator("#idp-login")).to_be_visible()
        page.locator("input[name='username']").fill("anna")
        page.locator("input[name='password']").fill(PASSWORD)
        page.locator("#idp-login button[type='submit']").click()
        expect(page).to_have_url(f"{base}/")
        expect(page.locator(".alert-success", has_text=f"Welcome to {cohort.name}")).to_be_visible()
        expect(page.locator("main")).to_contain_text(cohort.name)
        user = User.objects.get(email=anna["email"])
        assert user.organisation == municipality
        assert Membership.objects.filter(user=user, cohort=cohort).exists()
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ACCEPTED
        context.close()

        # Someone at the other municipality, whose provider names another issuer: refused on
        # the login page's own form, before typing a password anywhere.
        context, page = new_page()
        page.goto(f"{base}/accounts/login/")
        form = page.get_by_test_id("organisation-sign-in")
        form.locator("input[name='email']").fill("maija@vaarakunta.fi")
        form.locator("button[type='submit']").click()
        expect(page.get_by_test_id("organisation-sign-in-refused")).to_contain_text(
            "For your safety the sign-in was refused"
        )
        assert page.url == f"{base}/accounts/organisation/"
    except Exception:
        page.screenshot(path=str(artifacts_dir() / "oidc-sign-in-failure.png"), full_page=True)
        raise
    finally:
        context.close()
    assert not errors, errors
