"""In Chromium: a learner edits a logic-model statement inline and moves one by keyboard, adds
an indicator, records a value and sees it on the chart; the canvas turns into a list on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from impact.models import Indicator, Statement
from tests.impact.conftest import open_phase
from tests.test_journey_browser import Journey, browser  # noqa: F401
from workshops import services as workshop_services

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"


def test_edit_inline_add_an_indicator_and_see_the_chart(
    transactional_db,
    live_server,
    browser,  # noqa: F811 - the fixture imported above
    experiment,
    learner,
    instructor,
    phases,
    plan,
):
    from playwright.sync_api import expect

    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("learner", learner.email)
        page.goto(journey.url(reverse("impact:plan", args=[experiment.pk])))

        # Edit a statement inline: the form replaces the statement, saving redraws the column.
        outputs = page.locator("#column-outputs")
        outputs.locator("[data-testid='statement-edit']").first.click()
        box = outputs.locator("[data-testid='statement-edit-form'] textarea")
        expect(box).to_be_focused()
        box.fill("45 kyytiä kuukaudessa")
        outputs.locator("[data-testid='statement-edit-form'] [type='submit']").click()
        expect(page.locator("#column-outputs .impact-statement-text")).to_have_text(
            ["45 kyytiä kuukaudessa"]
        )
        edited = plan["statements"]["outputs"]
        expect(page.locator(f"#edit-{edited.pk}")).to_be_focused()

        # Add a second risk and move it up with the keyboard; focus stays on its button.
        risks = page.locator("#column-risks")
        risks.locator("textarea[name='text']").fill("Talvella kyydit peruuntuvat")
        risks.locator("[data-testid='statement-add-risks'] [type='submit']").click()
        expect(page.locator("#column-risks .impact-statement-text")).to_have_text(
            ["Kuljettajat uupuvat", "Talvella kyydit peruuntuvat"]
        )
        # Focus is back in the add box, ready for the next statement.
        expect(page.locator("#add-risks")).to_be_focused()
        new = Statement.objects.get(text="Talvella kyydit peruuntuvat")
        page.locator(f"#up-{new.pk}").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#column-risks .impact-statement-text")).to_have_text(
            ["Talvella kyydit peruuntuvat", "Kuljettajat uupuvat"]
        )
        # At the top its "up" button is disabled, so focus moves to its "down" button.
        expect(page.locator(f"#down-{new.pk}")).to_be_focused()

        # Add an indicator tied to the long-term impact.
        page.locator("[data-testid='indicator-add']").click()
        form = page.locator("[data-testid='indicator-form']")
        form.locator("#id_name").fill("Kylien asukasluku")
        outcome = plan["statements"]["long_term"]
        form.locator("#id_statement").select_option(str(outcome.pk))
        form.locator("#id_unit").fill("asukasta")
        form.locator("#id_baseline").fill("400")
        form.locator("#id_target").fill("440")
        form.locator("[type='submit']").click()
        indicator = Indicator.objects.get(name="Kylien asukasluku")
        card = page.locator(f"#indicator-{indicator.pk}")
        expect(card).to_be_visible()
        expect(card.locator("[data-testid='chart-point']")).to_have_count(0)

        # Record a value in the planner: the chart gets a point and the table a row.
        card.locator("details.impact-record summary").click()
        card.locator(f"#id_m{indicator.pk}_value").fill("420")
        card.locator("[data-testid='measurement-form'] [type='submit']").click()
        card = page.locator(f"#indicator-{indicator.pk}")
        expect(card.locator("[data-testid='chart-point']")).to_have_count(1)
        expect(card.locator("[data-testid='measurement-row']")).to_have_count(1)
        expect(card.locator("[data-testid='progress']")).to_have_attribute("value", "50")
        expect(card.locator("svg[role='img'] title")).to_have_count(1)

        page.screenshot(path=SCREENSHOTS / "impact-plan.png", full_page=True, caret="initial")
        # On a phone the columns become a vertical list.
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(journey.url(reverse("impact:plan", args=[experiment.pk])))
        expect(page.locator("#column-resources")).to_be_visible()
        first = page.locator("#column-resources").bounding_box()
        second = page.locator("#column-activities").bounding_box()
        assert second["y"] > first["y"] + first["height"] - 1
        assert abs(second["x"] - first["x"]) < 2
        page.screenshot(path=SCREENSHOTS / "impact-plan-phone.png", caret="initial")

        # The plan goes in with phase 3; the instructor sees what changed and gives rubric
        # feedback on the plan from the review screen.
        open_phase(experiment, 3)
        version = workshop_services.submission_submit(
            learner=learner,
            assignment=phases[3],
            cohort=experiment.cohort,
            experiment=experiment,
            text="Kokeilusuunnitelma ja vaikuttavuussuunnitelma.",
        )
        teacher = journey.sign_in("instructor", instructor.email)
        teacher.goto(journey.url(reverse("workshops:review", args=[version.pk])))
        expect(teacher.locator("[data-testid='plan-changes'] li")).to_have_count(10)
        teacher.locator("[data-testid='impact-review-link']").click()
        form = teacher.locator("[data-testid='plan-feedback-form']")
        form.locator("#id_level_short_term_2").check()
        form.locator("#id_comment_short_term").fill("Kuvaa, miten muutos näkyy asukkaille.")
        form.locator("[type='submit']").click()
        expect(teacher.locator("#id_level_short_term_2")).to_be_checked()
        teacher.screenshot(path=SCREENSHOTS / "impact-review.png", full_page=True, caret="initial")
        assert not journey.errors, journey.errors
    except Exception:
        journey.screenshot_all("failure-impact")
        raise
