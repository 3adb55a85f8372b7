"""In Chromium: a learner edits a logic-model statement inline and moves one by keyboard, adds,
moves and edits an indicator inline, records a value and sees it on the chart; the canvas turns
into a list on a phone; axe finds no serious or critical violation on the plan (desktop and
phone), the review and the history pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from impact.models import Indicator, Statement
from tests.browser import artifacts_dir
from tests.impact.conftest import open_phase
from tests.test_journey_browser import Journey
from workshops import services as workshop_services

pytestmark = pytest.mark.browser


def assert_accessible(page, where: str) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{where}:\n" + "\n".join(
        f"{v['id']} ({v['impact']}): "
        + "; ".join(
            f"{n['target']} {n['any'][0]['message'] if n['any'] else ''}" for n in v["nodes"][:6]
        )
        for v in bad
    )


def test_edit_inline_add_an_indicator_and_see_the_chart(
    transactional_db,
    live_server,
    browser,
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

        # Add an indicator inline: the form opens under the list, focus in its first field.
        page.locator("[data-testid='indicator-add']").click()
        form = page.locator("#indicator-new [data-testid='indicator-form']")
        expect(form.locator("#id_inew_name")).to_be_focused()
        # Saving without a name is refused in place; what was typed stays.
        form.locator("#id_inew_unit").fill("asukasta")
        form.locator("[type='submit']").click()
        expect(page.locator("#id_inew_name")).to_have_class(re.compile("is-invalid"))
        expect(page.locator("#id_inew_name")).to_be_focused()
        form = page.locator("#indicator-new [data-testid='indicator-form']")
        expect(form.locator("#id_inew_unit")).to_have_value("asukasta")
        assert_accessible(page, "plan, a refused inline form")
        form.locator("#id_inew_name").fill("Kylien asukasluku")
        outcome = plan["statements"]["long_term"]
        form.locator("#id_inew_statement").select_option(str(outcome.pk))
        form.locator("#id_inew_baseline").fill("400")
        form.locator("#id_inew_target").fill("440")
        form.locator("[type='submit']").click()
        expect(page.locator("#indicator-new")).to_have_count(0)
        indicator = Indicator.objects.get(name="Kylien asukasluku")
        card = page.locator(f"#indicator-{indicator.pk}")
        expect(card).to_be_visible()
        expect(page.locator(f"#indicator-{indicator.pk}-name")).to_be_focused()
        expect(card.locator("[data-testid='chart-point']")).to_have_count(0)
        assert page.url.endswith(reverse("impact:plan", args=[experiment.pk]))  # no page load

        # Move it above the first indicator by keyboard; focus follows it.
        page.locator(f"#iup-{indicator.pk}").focus()
        page.keyboard.press("Enter")
        expect(page.locator("[data-testid='indicator'] h3").first).to_contain_text(
            "Kylien asukasluku"
        )
        expect(page.locator(f"#idown-{indicator.pk}")).to_be_focused()

        # Edit it inline: the form takes the card's place; saving brings the card back.
        page.locator(f"#iedit-{indicator.pk}").click()
        expect(page.locator(f"#id_i{indicator.pk}_name")).to_be_focused()
        page.locator(f"#indicator-{indicator.pk}").screenshot(
            path=artifacts_dir() / "impact-indicator-inline.png", caret="initial"
        )
        page.locator(f"#id_i{indicator.pk}_data_source").fill("Väestörekisteri")
        page.locator(f"#indicator-{indicator.pk} [type='submit']").click()
        card = page.locator(f"#indicator-{indicator.pk}")
        expect(card).to_contain_text("Väestörekisteri")
        expect(page.locator(f"#iedit-{indicator.pk}")).to_be_focused()

        # Record a value inline: the chart gets a point and the table a row.
        card.locator("details.impact-record summary").click()
        card.locator(f"#id_m{indicator.pk}_value").fill("420")
        card.locator("[data-testid='measurement-form'] [type='submit']").click()
        card = page.locator(f"#indicator-{indicator.pk}")
        expect(card.locator("[data-testid='chart-point']")).to_have_count(1)
        expect(card.locator("[data-testid='measurement-row']")).to_have_count(1)
        expect(card.locator("[data-testid='progress']")).to_have_attribute("value", "50")
        expect(card.locator("svg[role='img'] title")).to_have_count(1)
        assert_accessible(page, "plan, desktop")

        page.screenshot(path=artifacts_dir() / "impact-plan.png", full_page=True, caret="initial")
        # On a phone the columns become a vertical list.
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(journey.url(reverse("impact:plan", args=[experiment.pk])))
        expect(page.locator("#column-resources")).to_be_visible()
        first = page.locator("#column-resources").bounding_box()
        second = page.locator("#column-activities").bounding_box()
        assert second["y"] > first["y"] + first["height"] - 1
        assert abs(second["x"] - first["x"]) < 2
        assert not page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        ), "the plan scrolls sideways on a phone"
        assert_accessible(page, "plan, phone")
        page.screenshot(path=artifacts_dir() / "impact-plan-phone.png", caret="initial")
        page.set_viewport_size({"width": 1280, "height": 900})

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
        assert_accessible(teacher, "review")
        teacher.screenshot(
            path=artifacts_dir() / "impact-review.png", full_page=True, caret="initial"
        )
        teacher.goto(journey.url(reverse("impact:history", args=[experiment.pk])))
        expect(teacher.locator("[data-testid='snapshot']")).to_have_count(1)
        teacher.locator("[data-testid='snapshot-plan'] summary").click()
        expect(teacher.locator("[data-testid='snapshot-plan']")).to_contain_text(
            "Kylien asukasluku"
        )
        assert_accessible(teacher, "history")
        teacher.set_viewport_size({"width": 390, "height": 844})
        assert not teacher.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        ), "the history scrolls sideways on a phone"
        teacher.set_viewport_size({"width": 1280, "height": 900})
        teacher.goto(journey.url(reverse("impact:plan", args=[experiment.pk])))
        assert_accessible(teacher, "plan, instructor")
        # The refused indicator above answered 400 on purpose (shown in place); nothing else.
        refused = "the server responded with a status of 400"
        assert [e for e in journey.errors if refused in e] == [journey.errors[0]]
        assert not [e for e in journey.errors if refused not in e], journey.errors
    except Exception:
        journey.screenshot_all("failure-impact")
        raise
