"""In Chromium: a learner answers a matching and an ordering question with the keyboard only
(no mouse, no drag and drop), sees the review per question; and the new quiz pages (the answer
form, the review, the question bank, the question editor) pass axe."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses import authoring
from courses.models import Item, QuizAttempt
from tests import factories
from tests.browser import UI_TIMEOUT_MS, VIEWPORT, artifacts_dir
from tests.courses.quiz_helpers import make_typed_quiz
from tests.factories import PASSWORD
from tests.test_accessibility import axe_problems, open_context, visit

pytestmark = pytest.mark.browser

KEYBOARD_TEXT = """?= Yhdistä kaupunki maakuntaan.
- Hämeenlinna = Kanta-Häme
- Tampere -> Pirkanmaa
- = Uusimaa

?^ Järjestä kokeilun vaiheet.
- Haaste
- Idea
- Kokeilu
"""


def _tab_to(page, element_id: str, *, limit: int = 80) -> None:
    """Press Tab until the element has the focus (it must be reachable by the keyboard)."""
    for _press in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} was not reached with Tab")


def test_a_learner_answers_matching_and_ordering_with_the_keyboard_only(
    transactional_db, live_server, browser, course, cohort, learner
):
    from playwright.sync_api import expect

    item, qs = make_typed_quiz(course.modules.first(), text=KEYBOARD_TEXT, position=0)
    matching, ordering = qs["matching"], qs["ordering"]
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        form = page.locator("form:has(input[name='login'])")
        form.locator("input[name='login']").fill(learner.email)
        form.locator("input[name='password']").fill(PASSWORD)
        form.locator("input[name='password']").press("Enter")
        expect(page).to_have_url(f"{live_server.url}/")
        page.goto(live_server.url + reverse("courses:item", args=[item.pk]))
        expect(page.locator("[data-testid='quiz']")).to_be_visible()

        # Matching: each row's select, reached with Tab and chosen by typing the answer.
        for row in matching.choices.exclude(text=""):
            field = f"q{matching.pk}_{row.pk}"
            _tab_to(page, field)
            page.keyboard.type(row.match)
            expect(page.locator(f"#{field}")).to_have_value(str(row.pk))
        # Ordering: each item's position select.
        for place, row in enumerate(ordering.choices.order_by("position"), start=1):
            field = f"q{ordering.pk}_{row.pk}"
            _tab_to(page, field)
            page.keyboard.type(str(place))
            expect(page.locator(f"#{field}")).to_have_value(str(place))
        submit_button = page.locator("[data-testid='quiz-submit']")
        submit_button.evaluate("b => b.id = 'quiz-submit-button'")
        _tab_to(page, "quiz-submit-button")
        page.keyboard.press("Enter")

        expect(page.locator("[data-testid='quiz-result']")).to_have_attribute("data-passed", "true")
        expect(
            page.locator("[data-testid='question-feedback'][data-correct='true']")
        ).to_have_count(2)
        page.screenshot(path=artifacts_dir() / "learner-quiz-keyboard.png", full_page=True)
        assert errors == []
    finally:
        context.close()
    attempt = QuizAttempt.objects.get(user=learner, item=item)
    assert (attempt.score, attempt.passed) == (100, True)


def test_the_quiz_pages_have_no_serious_axe_violations(
    transactional_db, live_server, browser, course, cohort, learner
):
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        from tests.conftest import skip_or_fail

        skip_or_fail("the axe-playwright-python package is not installed")
    author = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(author)
    item, qs = make_typed_quiz(course.modules.first(), position=0, review_shows_answers=True)
    bank = authoring.bank_questions_add(
        course=course, text="? Mikä?\n* a\n- b\n\n?# Montako?\n= 17", tags="Verkostot"
    )
    draw = factories.ItemFactory(
        module=course.modules.first(), kind=Item.Kind.QUIZ, position=1, draw_count=2
    )
    # The learner's failed attempt, for the review page.
    from courses import services
    from tests.courses.quiz_helpers import typed_answers

    rows: dict[int, object] = {}
    for key, value in typed_answers(qs, right=False).items():
        qid, _sep, row = key[1:].partition("_")
        if row:
            rows.setdefault(int(qid), {})[int(row)] = str(value)  # type: ignore[index]
        else:
            rows[int(qid)] = [str(value)]
    services.quiz_attempt_submit(user=learner, item=item, answers=rows)
    services.quiz_attempt_open(user=learner, item=draw)

    pages = {
        learner.email: [
            ("answer form (drawn)", reverse("courses:item", args=[draw.pk])),
            ("attempt review", reverse("courses:quiz_result", args=[item.pk, 1])),
        ],
        author.email: [
            ("question bank", reverse("courses:question_bank", args=[course.pk])),
            ("question editor", reverse("courses:question_edit", args=[bank[1].pk])),
            ("quiz item editor", reverse("courses:item_edit", args=[item.pk])),
        ],
    }
    report: list[str] = []
    for email, urls in pages.items():
        context, page = open_context(browser, live_server.url, email, password=PASSWORD)
        try:
            for label, path in urls:
                problem = visit(page, live_server.url + path)
                if problem:
                    report.append(f"{label} ({path}): {problem}")
                    continue
                report += [f"{label} ({path}): {p}" for p in axe_problems(page)]
        finally:
            context.close()
    assert report == []
