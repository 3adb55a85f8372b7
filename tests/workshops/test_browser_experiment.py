"""In Chromium: a learner submits phase 1 of their experiment, the instructor reviews it with
the rubric and asks for a revision, the learner answers in the thread and revises, the
instructor approves and phase 2 opens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from demo.builders.workshops import seed_rubrics
from tests.e2e_support import wait_until
from tests.test_journey_browser import Journey
from workshops.models import Draft, PhaseComment, Review, RubricCriterion, Submission

pytestmark = pytest.mark.browser


def _pick_levels(page, criteria, points):
    for criterion in criteria:
        level = next(lv for lv in criterion.levels.all() if lv.points == points)
        page.locator(f"input[name='criterion_{criterion.pk}'][value='{level.pk}']").check()


def test_submit_review_with_rubric_revise_answer_and_approve(
    transactional_db,
    live_server,
    browser,
    settings,
    cohort,
    phases,
    experiment,
    learner,
    instructor,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    seed_rubrics(phases[1].workshop)
    criteria = list(
        RubricCriterion.objects.filter(workshop=phases[1].workshop, phase=1).prefetch_related(
            "levels"
        )
    )
    journey = Journey(browser, live_server.url)
    try:
        # The learner writes phase 1 (the draft autosaves) and submits it.
        learner_page = journey.sign_in("learner", learner.email)
        learner_page.goto(journey.url(reverse("workshops:assignment", args=[phases[1].pk])))
        learner_page.locator("[data-testid='answer-text']").fill(
            "Kylistä on vaikea päästä asemalle ilman autoa."
        )
        expect(learner_page.locator("[data-testid='draft-saved']")).to_be_visible()
        learner_page.locator("[data-testid='submission-form'] [type='submit']").click()
        expect(learner_page.locator("#submission-status")).to_be_visible()
        v1 = Submission.objects.get(experiment=experiment, version=1)
        assert v1.status == Submission.Status.RECEIVED

        # The instructor reviews it with the rubric and asks for a revision; the draft
        # autosaves on the way.
        teacher = journey.sign_in("instructor", instructor.email)
        teacher.goto(journey.url(reverse("workshops:review_queue")))
        teacher.locator(f"a[href='{reverse('workshops:review', args=[v1.pk])}']").first.click()
        _pick_levels(teacher, criteria, 2)
        teacher.locator("textarea[name='strengths']").fill("Todellinen ja tuttu haaste.")
        teacher.locator("textarea[name='questions']").fill("Keitä kyyti palvelisi ensin?")
        teacher.locator("textarea[name='feedback']").fill("Rajaa kohderyhmä.")
        teacher.locator("input[name='decision'][value='revise']").check()
        expect(teacher.locator("[data-testid='review-draft-saved']")).to_be_visible()
        teacher.locator("[data-testid='review-submit']").click()
        expect(teacher).to_have_url(journey.url(reverse("workshops:review_queue")))
        assert Review.objects.get(submission=v1).scores.count() == len(criteria)

        # The learner reads the feedback, answers in the thread and sends version 2.
        learner_page.goto(journey.url(reverse("workshops:submission_detail", args=[v1.pk])))
        expect(learner_page.locator("[data-testid='rubric-scores']")).to_contain_text(
            criteria[0].title
        )
        expect(learner_page.locator("[data-testid='feedback']")).to_contain_text(
            "Rajaa kohderyhmä."
        )
        learner_page.locator("[data-testid='comment-text']").fill("Rajaan nuoriin. Käykö?")
        learner_page.locator("[data-testid='comment-form'] button[type='submit']").click()
        expect(learner_page.locator("[data-testid='comment']")).to_contain_text("Rajaan nuoriin.")
        assert PhaseComment.objects.filter(experiment=experiment, phase=1).count() == 1
        # Words typed just before leaving the page are still saved as the draft.
        assignment_url = journey.url(reverse("workshops:assignment", args=[phases[1].pk]))
        learner_page.goto(assignment_url)
        unsaved = "Kylistä on vaikea päästä asemalle. Luonnos, joka jäi kesken."
        learner_page.locator("[data-testid='answer-text']").fill(unsaved)
        learner_page.goto(journey.url(reverse("workshops:experiment", args=[experiment.pk])))
        wait_until(
            lambda: Draft.objects.filter(experiment=experiment, text=unsaved).exists(),
            timeout=15,
            what="the draft sent when the page was left",
        )
        learner_page.goto(assignment_url)
        expect(learner_page.locator("[data-testid='answer-text']")).to_have_value(unsaved)
        learner_page.locator("[data-testid='answer-text']").fill(
            "Kylistä on vaikea päästä asemalle ilman autoa. Kohderyhmä: nuoret."
        )
        learner_page.locator("[data-testid='submission-form'] [type='submit']").click()
        expect(learner_page.locator("#submission-status")).to_be_visible()
        v2 = Submission.objects.get(experiment=experiment, version=2)

        # The instructor sees the learner's answer in the thread and approves.
        teacher.goto(journey.url(reverse("workshops:review", args=[v2.pk])))
        expect(teacher.locator("[data-testid='thread']")).to_contain_text("Rajaan nuoriin.")
        _pick_levels(teacher, criteria, 3)
        teacher.locator("textarea[name='strengths']").fill("Nyt rajattu hyvin.")
        teacher.locator("input[name='decision'][value='approve']").check()
        teacher.locator("[data-testid='review-submit']").click()
        expect(teacher).to_have_url(journey.url(reverse("workshops:review_queue")))

        # Phase 2 is open for the learner; the decisions are in the audit trail.
        learner_page.goto(journey.url(reverse("workshops:experiment", args=[experiment.pk])))
        track = learner_page.locator("[data-testid='phase-track']")
        expect(track.locator("[data-phase='1']")).to_have_attribute("data-state", "approved")
        expect(track.locator("[data-phase='2']")).to_have_attribute("data-state", "open")
        expect(learner_page.locator("[data-testid='audit-trail']")).to_contain_text(
            instructor.display_name
        )
    except BaseException:
        journey.screenshot_all("failure-experiment")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)
