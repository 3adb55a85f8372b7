"""Ids and counts read from query strings and form fields: a value that only looks like a
number ("²" is a digit to Python's str.isdigit, int() refuses it) or one too large for the
database (30 digits) gets what any other bad value gets on that page (ignored, a 400, a 404),
never a 500, and saves nothing that was not asked for (core/ids.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Item, QuizAttempt, Reflection
from demo.builders.workshops import seed_rubrics
from discussions import services as discussion_services
from discussions.models import Post
from portfolio.models import IncludedReflection
from tests import factories
from tests.courses.quiz_helpers import make_typed_quiz, typed_answers
from tests.refusals import assert_refused
from workshops import marking
from workshops import services as workshop_services
from workshops.models import (
    Draft,
    Marking,
    ReviewDraft,
    RubricCriterion,
    Submission,
    SubmissionFile,
)

pytestmark = pytest.mark.django_db

# A digit to str.isdigit() that int() refuses, and a number past any bigint.
NOT_IDS = [pytest.param("²", id="superscript-two"), pytest.param("1" * 30, id="thirty-digits")]


# --- portfolio --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_reflection_that_is_not_an_id_is_ignored_and_the_others_are_chosen(
    client_for, learner, course, bad
):
    item = Item.objects.filter(module__course=course).first()
    mine = Reflection.objects.create(user=learner, item=item, text="Pohdinta")
    response = client_for(learner).post(
        reverse("portfolio:reflections"), {"reflection": [str(mine.pk), bad]}
    )
    assert response.status_code == 302
    assert list(IncludedReflection.objects.values_list("reflection", flat=True)) == [mine.pk]


# --- discussions ------------------------------------------------------------------------------


@pytest.fixture
def thread(cohort, learner):
    return discussion_services.thread_start(
        cohort=cohort, author=learner, title="Verkostot", body="<p>Miten kokoatte verkoston?</p>"
    )


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_quote_that_is_not_an_id_shows_the_thread_without_a_quote(
    client_for, learner, thread, bad
):
    response = client_for(learner).get(
        reverse("discussions:thread", args=[thread.pk]), {"quote": bad}
    )
    assert response.status_code == 200
    assert response.context["quote"] is None


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_reply_quoting_what_is_not_an_id_is_a_400_and_posts_nothing(
    client_for, learner, thread, bad
):
    response = client_for(learner).post(
        reverse("discussions:reply", args=[thread.pk]), {"body": "<p>Vastaus</p>", "quote": bad}
    )
    assert response.status_code == 400
    assert Post.objects.filter(thread=thread).count() == 1


@pytest.mark.parametrize("bad", NOT_IDS)
def test_polling_after_what_is_not_an_id_is_a_400(client_for, learner, thread, bad):
    response = client_for(learner).get(
        reverse("discussions:thread_poll", args=[thread.pk]), {"after": bad}
    )
    assert response.status_code == 400


def test_polling_after_zero_still_gets_every_post(client_for, learner, thread):
    # The poller of a thread whose page showed no posts asks for those after 0.
    response = client_for(learner).get(
        reverse("discussions:thread_poll", args=[thread.pk]), {"after": "0"}
    )
    assert response.status_code == 200
    assert [p.pk for p in response.context["posts"]] == [thread.posts.get().pk]


# --- courses ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_quiz_attempt_number_that_is_not_a_number_is_ignored(client_for, learner, course, bad):
    item, questions = make_typed_quiz(course.modules.first())
    response = client_for(learner).post(
        reverse("courses:quiz_submit", args=[item.pk]), {**typed_answers(questions), "attempt": bad}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:quiz_result", args=[item.pk, 1])
    attempt = QuizAttempt.objects.get(user=learner, item=item)
    assert (attempt.number, attempt.score) == (1, 100)


# --- sign-in through the organisation's provider ----------------------------------------------


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_provider_whose_organisation_is_not_an_id_is_not_found(client, db, bad):
    factories.OrganisationFactory(
        oidc_enabled=True, oidc_issuer="https://idp.example.fi", email_domains="example.fi"
    )
    response = client.get(f"/accounts/oidc/org-{bad}/login/")
    assert response.status_code == 404


# --- workshops: marking -----------------------------------------------------------------------


@pytest.fixture
def workflow(assignment):
    workshop = assignment.workshop
    workshop.marking_workflow = True
    workshop.save()
    return workshop


@pytest.fixture
def waiting(learner, cohort, assignment):
    return factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)


@pytest.mark.parametrize("bad", NOT_IDS)
def test_allocating_to_a_reviewer_that_is_not_an_id_is_refused(
    client_for, instructor, waiting, workflow, bad
):
    response = client_for(instructor).post(
        reverse("workshops:marking_allocate", args=[waiting.pk]), {"reviewer": bad}
    )
    assert_refused(response, 400, "Choose an instructor of the cohort.")
    assert not Marking.objects.filter(submission=waiting, reviewer__isnull=False).exists()


@pytest.mark.parametrize("bad", NOT_IDS)
def test_releasing_reviews_that_are_not_ids_is_refused_and_releases_nothing(
    client_for, instructor, waiting, workflow, bad
):
    marking.marking_mark_ready(submission=waiting, by=instructor, decision="approve", feedback="")
    response = client_for(instructor).post(
        reverse("workshops:marking_release_many"), {"submission": [bad]}
    )
    assert_refused(response, 400, "Choose the reviews to release.")
    assert Marking.objects.get(submission=waiting).state == Marking.State.READY
    assert Submission.objects.get(pk=waiting.pk).status == Submission.Status.RECEIVED


@pytest.mark.parametrize("bad", NOT_IDS)
@pytest.mark.parametrize("name", ["cohort", "phase", "organisation"])
def test_a_queue_filter_that_is_not_an_id_is_ignored(client_for, instructor, waiting, name, bad):
    response = client_for(instructor).get(reverse("workshops:review_queue"), {name: bad})
    assert response.status_code == 200
    assert [s.pk for s in response.context["waiting"]] == [waiting.pk]


# --- workshops: the learner's answer ------------------------------------------------------------


@pytest.fixture
def experiment(learner, cohort, assignment):
    return workshop_services.experiment_create(
        learner=learner,
        workshop=assignment.workshop,
        cohort=cohort,
        title="Liityntäkyyti asemalle",
        challenge="Kylistä on vaikea päästä rautatieasemalle ilman autoa.",
    )


@pytest.mark.parametrize("bad", NOT_IDS)
def test_an_autosave_with_a_revision_that_is_not_a_number_is_a_400_and_saves_nothing(
    client_for, learner, assignment, experiment, bad
):
    response = client_for(learner).post(
        reverse("workshops:draft", args=[assignment.pk]),
        {"text": "Puolivalmis ajatus", "revision": bad},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_an_autosave_with_revision_zero_is_still_saved(client_for, learner, assignment, experiment):
    response = client_for(learner).post(
        reverse("workshops:draft", args=[assignment.pk]),
        {"text": "Puolivalmis ajatus", "revision": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert Draft.objects.get().text == "Puolivalmis ajatus"


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_file_to_remove_that_is_not_an_id_gives_the_form_back_with_the_ticks_kept(
    client_for, learner, cohort, assignment, experiment, bad
):
    previous = factories.SubmissionFactory(
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        experiment=experiment,
        status=Submission.Status.REVISION_REQUESTED,
    )
    factories.ReviewFactory(submission=previous, decision="revise")
    kept = factories.SubmissionFileFactory(submission=previous, original_name="kartta.pdf")
    response = client_for(learner).post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Uusi versio", "remove_files": [str(kept.pk), bad]},
    )
    assert response.status_code == 400
    # The file the learner ticked is still ticked on the form that comes back.
    assert f'value="{kept.pk}" id="remove-file-{kept.pk}" checked>' in response.content.decode()
    assert list(Submission.objects.values_list("pk", flat=True)) == [previous.pk]
    assert list(SubmissionFile.objects.values_list("pk", flat=True)) == [kept.pk]


# --- workshops: the review being written ------------------------------------------------------


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_review_autosave_with_a_version_that_is_not_a_number_is_a_400_and_saves_nothing(
    client_for, instructor, waiting, bad
):
    response = client_for(instructor).post(
        reverse("workshops:review_draft", args=[waiting.pk]),
        {"draft_version": bad, "strengths": "Hyvä alku"},
    )
    assert response.status_code == 400
    assert not ReviewDraft.objects.exists()


@pytest.mark.parametrize("bad", NOT_IDS)
def test_a_rubric_level_that_is_not_an_id_is_left_out_of_the_review_draft(
    client_for, instructor, waiting, assignment, bad
):
    seed_rubrics(assignment.workshop)
    criterion = RubricCriterion.objects.filter(workshop=assignment.workshop, phase=1).first()
    response = client_for(instructor).post(
        reverse("workshops:review_draft", args=[waiting.pk]),
        {"draft_version": "0", "strengths": "Hyvä alku", f"criterion_{criterion.pk}": bad},
    )
    assert response.status_code == 200
    draft = ReviewDraft.objects.get(submission=waiting)
    assert (draft.strengths, draft.levels) == ("Hyvä alku", {})


def test_a_member_who_is_not_an_instructor_cannot_autosave_a_review(client_for, learner, waiting):
    response = client_for(learner).post(
        reverse("workshops:review_draft", args=[waiting.pk]), {"draft_version": "²"}
    )
    assert response.status_code == 403
    assert not ReviewDraft.objects.exists()
