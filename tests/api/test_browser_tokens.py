"""A coordinator, in a real browser and in Finnish: creates a personal access token on their
API tokens page, copies it once, a script uses it, and the coordinator revokes it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from api.models import ApiToken
from tests.browser import artifacts_dir
from tests.test_accessibility import axe, axe_problems  # noqa: F401  (axe: the fixture)
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser


def call_api(base_url: str, path: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310  (the test's own live server)
        f"{base_url}{path}", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.usefixtures("axe")
def test_a_coordinator_creates_uses_and_revokes_a_token_in_the_browser(
    transactional_db, live_server, browser, settings, cohort, coordinator
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    journey = Journey(browser, live_server.url)
    page = journey.sign_in("coordinator", coordinator.email)

    # The user menu leads to the page.
    page.locator("[data-testid='nav-api-tokens']").wait_for(state="attached")
    page.goto(journey.url(page.locator("[data-testid='nav-api-tokens']").get_attribute("href")))
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("[data-testid='token-list-empty']")).to_be_visible()

    form = page.locator("[data-testid='token-create']")
    form.locator("input[name='name']").fill("Intranetin raportti")
    form.locator("input[name='scope'][value='read']").check()
    form.locator("button[type='submit']").click()

    shown = page.locator("[data-testid='new-token-value']")
    expect(shown).to_be_visible()
    secret = shown.input_value()
    assert secret.startswith("aa_")
    token = ApiToken.objects.get(user=coordinator)
    row = page.locator(f"[data-testid='token-{token.pk}']")
    expect(row).to_have_attribute("data-active", "true")
    expect(row).to_contain_text("Intranetin raportti")
    expect(row).to_contain_text(token.prefix)
    page.screenshot(path=artifacts_dir() / "api-tokens.png", full_page=True, caret="initial")
    assert not axe_problems(page), axe_problems(page)

    # A script uses it and sees what the coordinator sees: their cohort.
    status, body = call_api(live_server.url, "/api/v1/cohorts/", secret)
    assert status == 200
    assert [c["id"] for c in body["results"]] == [cohort.pk]
    # The secret is not on the page any more once it is reloaded.
    page.reload()
    expect(page.locator("[data-testid='new-token-value']")).to_have_count(0)
    assert secret not in page.content()

    row.locator("[data-testid='token-revoke']").click()
    expect(row).to_have_attribute("data-active", "false")
    expect(row.locator("[data-testid='token-revoked']")).to_be_visible()
    status, _ = call_api(live_server.url, "/api/v1/cohorts/", secret)
    assert status == 401

    # The documentation page, linked from the tokens page, passes axe too.
    page.locator("a[href='/api/v1/docs/']").first.click()
    expect(page.locator("[data-testid='operation']").first).to_be_visible()
    assert not axe_problems(page), axe_problems(page)
    assert not journey.errors, journey.errors
