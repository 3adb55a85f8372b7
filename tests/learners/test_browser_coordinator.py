"""A coordinator, in a real browser: invites learners from a spreadsheet (preview with a bad
row, then confirm) and nudges a learner at risk with one click, without a page reload."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from learners.models import Invitation, Nudge
from tests.test_journey_browser import Journey

pytestmark = pytest.mark.browser


def test_coordinator_invites_from_a_file_and_nudges_a_learner_at_risk(
    transactional_db,
    live_server,
    browser,
    settings,
    tmp_path,
    cohort,
    coordinator,
    learner,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=60)
    cohort.save()
    learner.memberships.update(joined_at=timezone.now() - datetime.timedelta(days=40))
    people = tmp_path / "ryhma.csv"
    people.write_text(
        "nimi;sähköposti;organisaatio;rooli\n"
        "Aino Aalto;aino@example.fi;;oppija\n"
        "Bertta Virhe;ei-osoite;;oppija\n"
        "Cecilia Cee;cecilia@example.fi;;oppija\n",
        encoding="utf-8",
    )
    journey = Journey(browser, live_server.url)
    page = journey.sign_in("coordinator", coordinator.email)

    page.goto(journey.url(f"/cohorts/{cohort.pk}/"))
    page.locator("[data-testid='tab-invitations']").click()
    form = page.locator("[data-testid='upload-form']")
    form.locator("input[type='file']").set_input_files(str(people))
    form.locator("button[type='submit']").click()

    expect(page.locator("[data-testid='import-status']")).to_have_attribute(
        "data-status", "preview"
    )
    expect(page.locator("[data-testid='error-row-3']")).to_contain_text("ei-osoite")
    assert not Invitation.objects.exists()
    page.locator("[data-testid='import-confirm']").click()
    expect(page.locator("[data-testid='import-done']")).to_be_visible()
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "aino@example.fi",
        "cecilia@example.fi",
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["aino@example.fi", "cecilia@example.fi"]

    page.locator("[data-testid='tab-at-risk']").click()
    row = page.locator(f"[data-testid='at-risk-{learner.email}']")
    expect(row).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    row.locator("[data-testid='nudge']").click()
    expect(row.locator("[data-testid='nudged']")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "nudging reloaded the page"
    assert Nudge.objects.filter(learner=learner, cohort=cohort).count() == 1
    assert any(m.to == [learner.email] for m in mail.outbox)
    assert not journey.errors, "\n".join(journey.errors)
