"""In Chromium: the review page's copy in this browser (static/js/workshops-review.js) after the
rubric changed.

Aino picked levels and wrote, the autosave did not get through, and a colleague re-pointed the
level she had picked before she reloaded. The copy used to bring that level back picked (the
same level, now worth other points), and the review went out with points she never chose. The
copy now brings back her words and the levels that still mean what she picked, leaves the
changed one to choose again and says so.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.test_journey_browser import Journey
from workshops.models import Review, RubricCriterion, RubricLevel

pytestmark = pytest.mark.browser

HOLD_BEACON = "navigator.sendBeacon = function () { return true; };"
HOLD_AUTOSAVE = (
    "document.body.addEventListener('htmx:beforeRequest', function (e) { e.preventDefault(); });"
)


def test_a_level_re_pointed_since_the_browser_kept_it_is_not_restored(
    transactional_db, live_server, browser, settings, instructor, submission, rubric
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    first, second, *_ = RubricCriterion.objects.filter(
        workshop=submission.assignment.workshop, phase=1
    ).order_by("position", "pk")
    picked = RubricLevel.objects.get(criterion=first, points=2)
    kept = RubricLevel.objects.get(criterion=second, points=3)
    journey = Journey(browser, live_server.url)
    try:
        page = journey.sign_in("instructor", instructor.email)
        page.goto(journey.url(reverse("workshops:review", args=[submission.pk])))
        # The server hears nothing of what follows: only this browser keeps it.
        page.evaluate(HOLD_BEACON + HOLD_AUTOSAVE)
        page.locator(f"input[name='criterion_{first.pk}'][value='{picked.pk}']").check()
        page.locator(f"input[name='criterion_{second.pk}'][value='{kept.pk}']").check()
        page.locator("textarea[name='strengths']").fill("Haaste on rajattu hyvin.")

        # A colleague makes the level Aino picked worth 5 points.
        RubricLevel.objects.filter(pk=picked.pk).update(points=5)
        page.reload()

        expect(page.locator("textarea[name='strengths']")).to_have_value("Haaste on rajattu hyvin.")
        expect(
            page.locator(f"input[name='criterion_{second.pk}'][value='{kept.pk}']")
        ).to_be_checked()
        expect(page.locator(f"input[name='criterion_{first.pk}']:checked")).to_have_count(0)
        expect(page.locator("[data-testid='review-restored']")).to_be_visible()
        expect(page.locator("[data-testid='review-rubric-restored']")).to_be_visible()

        # Aino picks again, reading the new points, and sends the review.
        page.locator(f"input[name='criterion_{first.pk}'][value='{picked.pk}']").check()
        for criterion in RubricCriterion.objects.filter(
            workshop=submission.assignment.workshop, phase=1
        ).exclude(pk__in=[first.pk, second.pk]):
            level = RubricLevel.objects.get(criterion=criterion, points=1)
            page.locator(f"input[name='criterion_{criterion.pk}'][value='{level.pk}']").check()
        page.locator("input[name='decision'][value='approve']").check()
        page.locator("[data-testid='review-submit']").click()
        expect(page).to_have_url(re.compile(r"/workshops/reviews/"))
        review = Review.objects.get(submission=submission)
        scores = {s.criterion_id: s.points for s in review.scores.all()}
        assert (scores[first.pk], scores[second.pk]) == (5, 3)
        assert review.strengths == "Haaste on rajattu hyvin."
    except BaseException:
        journey.screenshot_all("failure-s12-rubric-restore")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)
