"""In Chromium, under the strict Content-Security-Policy: an instructor without a second factor
signs in, is sent to the two-factor page instead of the review queue, activates an
authenticator app (QR code and secret shown, password asked again, the app's code typed in)
and then reaches the review queue (#12, item 5). Any console error fails the test."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp

from tests.browser import UI_TIMEOUT_MS, VIEWPORT, artifacts_dir
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def current_code(secret: str) -> str:
    return totp.format_hotp_value(
        totp.hotp_value(secret, next(totp.yield_hotp_counters_from_time()))
    )


def test_an_instructor_without_mfa_sets_it_up_before_the_review_queue(
    transactional_db, live_server, browser, settings, instructor, learner
):
    from playwright.sync_api import expect

    settings.ALUEAGENTTI_REQUIRE_STAFF_MFA = True
    base = live_server.url
    errors: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        page.goto(f"{base}/accounts/login/")
        form = page.locator("form:has(input[name='login'])")
        form.locator("input[name='login']").fill(instructor.email)
        form.locator("input[name='password']").fill(PASSWORD)
        form.locator("button[type='submit']").click()
        # Not the home page: the two-factor page, with the reason.
        expect(page).to_have_url(f"{base}/accounts/2fa/?next=%2F")
        expect(page.locator(".alert-warning")).to_be_visible()
        page.goto(f"{base}/workshops/reviews/")
        expect(page).to_have_url(f"{base}/accounts/2fa/?next=%2Fworkshops%2Freviews%2F")

        page.locator("a[href='/accounts/2fa/totp/activate/']").click()
        # allauth asks for the password again before a factor is added.
        page.locator("input[name='password']").fill(PASSWORD)
        page.locator("form:has(input[name='password']) button[type='submit']").click()
        expect(page).to_have_url(f"{base}/accounts/2fa/totp/activate/")
        expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
        secret = page.locator("#authenticator_secret").input_value()
        assert len(secret) >= 16
        page.locator("input[name='code']").fill(current_code(secret))
        page.locator("form:has(input[name='code']) button[type='submit']").click()
        expect(page).not_to_have_url(f"{base}/accounts/2fa/totp/activate/")
        assert Authenticator.objects.filter(user=instructor, type="totp").exists()

        page.goto(f"{base}/workshops/reviews/")
        expect(page).to_have_url(f"{base}/workshops/reviews/")
        expect(page.locator("h1")).to_be_visible()

        # A learner in another browser is never asked.
        other = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
        learner_page = other.new_page()
        learner_page.goto(f"{base}/accounts/login/")
        form = learner_page.locator("form:has(input[name='login'])")
        form.locator("input[name='login']").fill(learner.email)
        form.locator("input[name='password']").fill(PASSWORD)
        form.locator("button[type='submit']").click()
        expect(learner_page).to_have_url(f"{base}/")
        other.close()
    except Exception:
        page.screenshot(path=str(artifacts_dir() / "staff-mfa-failure.png"), full_page=True)
        raise
    finally:
        context.close()
    assert not errors, errors
