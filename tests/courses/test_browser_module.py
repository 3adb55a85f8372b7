"""In Chromium: a learner finishes a module with a lesson and a knowledge check, and the next
module (sequential) opens for them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Completion, Item, QuizAttempt
from tests.browser import UI_TIMEOUT_MS, VIEWPORT, artifacts_dir
from tests.courses.factories import make_quiz
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_learner_finishes_a_module_with_a_knowledge_check(
    transactional_db,
    live_server,
    browser,
    course,
    cohort,
    learner,
):
    from playwright.sync_api import expect

    modules = list(course.modules.order_by("position"))
    first, second = modules[0], modules[1]
    second.sequential = True
    second.save()
    # The first module: one lesson marked done by hand and a knowledge check.
    Item.objects.filter(module=first).exclude(
        pk=first.items.order_by("position").first().pk
    ).delete()
    lesson = first.items.get()
    quiz, c = make_quiz(first, position=5, title="Tietovisa: verkostot")
    locked = second.items.order_by("position").first()

    errors: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        form = page.locator("form:has(input[name='login'])")
        form.locator("input[name='login']").fill(learner.email)
        form.locator("input[name='password']").fill(PASSWORD)
        form.locator("button[type='submit']").click()
        expect(page).to_have_url(f"{live_server.url}/")

        # The outline: the second module is locked with its reason, and not a link.
        page.goto(live_server.url + reverse("courses:detail", args=[course.pk]))
        locked_row = page.locator(f"[data-item='{locked.pk}']")
        expect(locked_row).to_have_attribute("data-state", "locked")
        expect(locked_row.locator("a")).to_have_count(0)
        expect(
            page.locator(f"[data-module='{second.pk}'] [data-testid='module-lock']")
        ).to_contain_text(first.title)

        # The lesson, marked done through htmx.
        page.locator(f"a[href='/courses/items/{lesson.pk}/']").first.click()
        page.locator("[data-testid='mark-done']").click()
        expect(page.locator("[data-testid='item-done']")).to_be_visible()

        # The knowledge check: a wrong answer first, with feedback per answer.
        page.locator("[data-testid='next-item']").click()
        expect(page.locator("[data-testid='quiz']")).to_be_visible()
        page.get_by_label(c["b"].text).check()
        page.get_by_label(c["x"].text).check()
        page.locator("[data-testid='quiz-submit']").click()
        expect(page.locator("[data-testid='quiz-result']")).to_have_attribute(
            "data-passed", "false"
        )
        expect(
            page.locator("[data-testid='answer-feedback'][data-correct='false']")
        ).to_contain_text(c["b"].explanation)
        # The result is a page of its own: a reload shows it again, with no resend (#11).
        expect(page).to_have_url(
            live_server.url + reverse("courses:quiz_result", args=[quiz.pk, 1])
        )
        page.reload()
        expect(page.locator("[data-testid='quiz-result']")).to_have_attribute(
            "data-passed", "false"
        )
        expect(page.locator("[data-testid='attempts'] li")).to_have_count(1)
        # ... then the right answers (the form keeps the earlier choices).
        page.get_by_label(c["a"].text).check()
        page.get_by_label(c["y"].text).check()
        page.locator("[data-testid='quiz-submit']").click()
        expect(page.locator("[data-testid='quiz-result']")).to_have_attribute("data-passed", "true")
        expect(page.locator("[data-testid='attempts'] li")).to_have_count(2)
        page.screenshot(path=artifacts_dir() / "learner-quiz.png", full_page=True, caret="initial")

        # Back on the outline, the module is done and the next one has opened.
        page.locator("[data-testid='back-to-outline']").click()
        expect(page.locator(f"[data-item='{quiz.pk}']")).to_have_attribute("data-state", "done")
        expect(locked_row).to_have_attribute("data-state", "available")
        page.screenshot(
            path=artifacts_dir() / "learner-outline.png", full_page=True, caret="initial"
        )
        locked_row.locator("a").click()
        expect(page.get_by_role("heading", name=locked.title, exact=True)).to_be_visible()
    finally:
        context.close()

    assert Completion.objects.filter(user=learner, item__in=[lesson, quiz]).count() == 2
    assert list(
        QuizAttempt.objects.filter(user=learner).order_by("number").values_list("passed", flat=True)
    ) == [False, True]
    assert not errors, errors
