"""In a real browser (#11 items 13 and 22): the invited person follows the email's link, is
welcomed with the cohort, course and coordinator, creates an account and lands on the
dashboard in the cohort; the coordinator finds the course pages from the navigation and the
cohort page."""

from __future__ import annotations

import pytest
from django.core import mail

from learners import services
from learners.models import Membership
from tests.test_journey_browser import UI_TIMEOUT_MS, VIEWPORT, Journey

pytestmark = pytest.mark.browser


def test_the_invited_person_is_welcomed_and_the_coordinator_finds_the_course_pages(
    transactional_db,
    live_server,
    browser,
    settings,
    cohort,
    coordinator,
    instructor,
    django_capture_on_commit_callbacks,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    coordinator.first_name, coordinator.last_name = "Kaisa", "Koordinaattori"
    coordinator.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_invite(
            cohort=cohort,
            invited_by=coordinator,
            email="uusi@example.fi",
            first_name="Uuna",
            role="learner",
        )
    link = next(
        word
        for m in mail.outbox
        if m.to == ["uusi@example.fi"]
        for word in m.body.split()
        if word.startswith(live_server.url)
    )

    journey = Journey(browser, live_server.url)
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda exc: journey.errors.append(f"invited: {exc}"))
    page.goto(link)
    welcome = page.locator("[data-testid='invitation-welcome']")
    expect(welcome).to_contain_text("Uuna")
    expect(page.locator("[data-testid='welcome-cohort']")).to_contain_text(cohort.name)
    expect(page.locator("[data-testid='welcome-course']")).to_contain_text(cohort.course.title)
    expect(page.locator("[data-testid='welcome-coordinator']")).to_contain_text(
        "Kaisa Koordinaattori"
    )
    page.locator("[data-testid='invitation-sign-up']").click()
    form = page.locator("form:has(input[name='password1'])")
    expect(form.locator("input[name='email']")).to_have_value("uusi@example.fi")
    form.locator("input[name='password1']").fill("pitka-Salasana-42")
    form.locator("input[name='password2']").fill("pitka-Salasana-42")
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(journey.url("/"))
    assert Membership.objects.filter(cohort=cohort, user__email="uusi@example.fi").exists()
    # A learner has no staff course entry.
    expect(page.locator("[data-testid='nav-courses']")).to_have_count(0)

    staff = journey.sign_in("coordinator", coordinator.email)
    staff.locator("[data-testid='nav-courses']").click()
    course = staff.locator(f"[data-testid='staff-course'][data-course='{cohort.course_id}']")
    expect(course).to_be_visible()
    course.locator("[data-testid='cohort-certificates']").click()
    expect(staff).to_have_url(journey.url(f"/certificates/cohorts/{cohort.pk}/"))
    staff.go_back()
    staff.locator(f"[data-testid='staff-cohort'][data-cohort='{cohort.pk}'] a").first.click()
    expect(staff.locator("[data-testid='course-links']")).to_be_visible()
    staff.locator("[data-testid='link-outline']").click()
    expect(staff).to_have_url(journey.url(f"/courses/{cohort.course_id}/"))
    assert not journey.errors, "\n".join(journey.errors)
