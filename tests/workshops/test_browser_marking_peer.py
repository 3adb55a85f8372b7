"""In Chromium: with the marking workflow and blind review on, the instructor marks a review
ready and releases it, and only then does the learner see it; a peer gives anonymous feedback
and the author marks it useful."""

from __future__ import annotations

import pytest
from django.urls import reverse

from learners.models import Membership
from tests import factories
from tests.test_journey_browser import Journey
from workshops import peer
from workshops.models import Marking, PeerReview, Submission

pytestmark = pytest.mark.browser


def test_marking_release_and_peer_feedback_in_the_browser(
    transactional_db,
    live_server,
    browser,
    settings,
    cohort,
    assignment,
    experiment,
    learner,
    other_learner,
    instructor,
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    workshop = assignment.workshop
    workshop.marking_workflow = True
    workshop.blind_review = True
    workshop.save()
    assignment.peer_review = True
    assignment.peer_reviewers = 1
    assignment.peer_reviews_each = 1
    assignment.save()
    answer = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, experiment=experiment
    )
    factories.SubmissionFactory(learner=other_learner, cohort=cohort, assignment=assignment)
    assert Membership.objects.filter(user=other_learner, cohort=cohort).exists()
    peer.peer_allocate(assignment_id=assignment.pk, cohort_id=cohort.pk)
    given_to_me = PeerReview.objects.get(submission=answer)
    assert given_to_me.reviewer == other_learner

    journey = Journey(browser, live_server.url)
    try:
        # Blind: the queue shows no name; the review is marked ready, not yet released.
        teacher = journey.sign_in("instructor", instructor.email)
        teacher.goto(journey.url(reverse("workshops:review_queue")))
        expect(teacher.locator("[data-testid='review-queue']")).not_to_contain_text(
            learner.display_name
        )
        teacher.locator(f"a[href='{reverse('workshops:review', args=[answer.pk])}']").click()
        teacher.locator("textarea[name='strengths']").fill("Selkeä ja todellinen haaste.")
        teacher.locator("input[name='decision'][value='approve']").check()
        teacher.locator("[data-testid='review-submit']").click()
        expect(teacher.locator("[data-testid='marking-state']")).to_have_attribute(
            "data-state", "ready"
        )
        learner_page = journey.sign_in("learner", learner.email)
        learner_page.goto(journey.url(reverse("workshops:submission_detail", args=[answer.pk])))
        expect(learner_page.locator("body")).not_to_contain_text("Selkeä ja todellinen haaste.")

        # Released from the queue in bulk: now the learner sees it.
        teacher.goto(journey.url(reverse("workshops:review_queue")))
        teacher.locator(f"#rel-{answer.pk}").check()
        teacher.locator("[data-testid='bulk-release']").click()
        expect(teacher.locator(f"#rel-{answer.pk}")).to_have_count(0)
        assert Marking.objects.get(submission=answer).state == Marking.State.RELEASED
        learner_page.goto(journey.url(reverse("workshops:submission_detail", args=[answer.pk])))
        expect(learner_page.locator("[data-testid='feedback-strengths']")).to_contain_text(
            "Selkeä ja todellinen haaste."
        )

        # The peer gives anonymous feedback; the author reads it and marks it useful.
        peer_page = journey.sign_in("peer", other_learner.email)
        peer_page.goto(journey.url(reverse("workshops:peer_review_list")))
        expect(peer_page.locator("[data-testid='peer-reviews']")).not_to_contain_text(
            learner.display_name
        )
        peer_page.locator(
            f"a[href='{reverse('workshops:peer_review', args=[given_to_me.pk])}']"
        ).click()
        expect(peer_page.locator("[data-testid='peer-answer']")).to_contain_text(answer.text)
        peer_page.locator("textarea[name='works']").fill("Hyvä rajaus.")
        peer_page.locator("[data-testid='peer-submit']").click()
        expect(peer_page.locator("[data-peer-status='done']")).to_have_count(1)

        learner_page.goto(journey.url(reverse("workshops:submission_detail", args=[answer.pk])))
        feedback = learner_page.locator("[data-testid='peer-feedback']")
        expect(feedback).to_contain_text("Hyvä rajaus.")
        expect(feedback).not_to_contain_text(other_learner.display_name)
        feedback.locator("[data-testid='peer-useful']").click()
        expect(learner_page.locator("[data-testid='peer-useful']")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert PeerReview.objects.get(pk=given_to_me.pk).useful
        assert Submission.objects.get(pk=answer.pk).status == Submission.Status.APPROVED
    except BaseException:
        journey.screenshot_all("failure-marking-peer")
        raise
    assert not journey.errors, "Errors in the browser console:\n" + "\n".join(journey.errors)
