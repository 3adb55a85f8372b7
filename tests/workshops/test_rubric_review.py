"""Reviewing with a rubric and structured feedback, shared autosaved drafts that cannot be
overwritten silently, the thread on a phase and the audit trail of decisions."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from tests.refusals import assert_refused
from workshops import services
from workshops.models import (
    ExperimentEvent,
    PhaseComment,
    Review,
    ReviewDraft,
    ReviewScore,
    Submission,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(cohort):
    """A second instructor of the same cohort."""
    user = factories.UserFactory(email="kollega@example.fi", first_name="Kaisa")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.INSTRUCTOR)
    return user


def levels(rubric, points=2):
    return {
        f"criterion_{c.pk}": str(next(lv.pk for lv in c.levels.all() if lv.points == points))
        for c in rubric
    }


def test_a_revision_with_the_rubric_and_structured_feedback_reaches_the_learner(
    client_for, instructor, learner, submission, rubric, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(instructor).post(
            reverse("workshops:review", args=[submission.pk]),
            {
                **levels(rubric, 2),
                "strengths": "Haaste on tuttu ja todellinen.",
                "questions": "Keitä liityntäkyyti palvelisi ensin?",
                "suggestions": "Haastattele kolmea kyläläistä.",
                "feedback": "Rajaa kohderyhmä.",
                "decision": "revise",
                "draft_version": "0",
            },
        )
    assert response.status_code == 302
    review = Review.objects.get(submission=submission)
    assert review.strengths == "Haaste on tuttu ja todellinen."
    assert review.questions == "Keitä liityntäkyyti palvelisi ensin?"
    assert review.suggestions == "Haastattele kolmea kyläläistä."
    scores = list(review.scores.all())
    assert [s.criterion_title for s in scores] == [c.title for c in rubric]
    assert {s.points for s in scores} == {2}
    assert scores[0].level_label == "Kehittyvä"

    page = client_for(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    html = page.content.decode()
    assert 'data-testid="rubric-scores"' in html
    assert "Haastattele kolmea kyläläistä." in html
    assert "Keitä liityntäkyyti palvelisi ensin?" in html
    assert rubric[0].title in html


def test_a_decision_without_a_level_for_every_criterion_is_refused_and_nothing_is_saved(
    client_for, instructor, submission, rubric
):
    data = levels(rubric, 3)
    data.pop(f"criterion_{rubric[-1].pk}")
    response = client_for(instructor).post(
        reverse("workshops:review", args=[submission.pk]), {**data, "decision": "approve"}
    )
    assert response.status_code == 400
    assert not Review.objects.exists()
    assert not ReviewScore.objects.exists()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED


def test_a_level_from_another_criterion_is_refused(client_for, instructor, submission, rubric):
    data = levels(rubric, 1)
    data[f"criterion_{rubric[0].pk}"] = data[f"criterion_{rubric[1].pk}"]
    response = client_for(instructor).post(
        reverse("workshops:review", args=[submission.pk]), {**data, "decision": "approve"}
    )
    assert response.status_code == 400
    assert not Review.objects.exists()


def test_the_review_draft_autosaves_and_comes_back_when_the_page_is_opened_again(
    client_for, instructor, submission, rubric
):
    client = client_for(instructor)
    response = client.post(
        reverse("workshops:review_draft", args=[submission.pk]),
        {
            "draft_version": "0",
            "strengths": "Selkeä kuvaus.",
            "decision": "revise",
            **levels(rubric, 3),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="review-draft-saved"' in response.content.decode()
    draft = ReviewDraft.objects.get(submission=submission)
    assert (draft.version, draft.strengths, draft.decision) == (1, "Selkeä kuvaus.", "revise")
    assert draft.levels[str(rubric[0].pk)] == next(
        lv.pk for lv in rubric[0].levels.all() if lv.points == 3
    )

    page = client.get(reverse("workshops:review", args=[submission.pk]))
    form = page.context["form"]
    assert form.initial["strengths"] == "Selkeä kuvaus."
    assert form.initial["draft_version"] == 1
    assert form.initial[f"criterion_{rubric[0].pk}"] == draft.levels[str(rubric[0].pk)]

    client.post(
        reverse("workshops:review_draft", args=[submission.pk]),
        {"draft_version": "1", "strengths": "Selkeä ja rajattu kuvaus."},
    )
    draft.refresh_from_db()
    assert (draft.version, draft.strengths) == (2, "Selkeä ja rajattu kuvaus.")


def test_two_instructors_cannot_overwrite_each_others_draft_silently(
    client_for, instructor, colleague, submission
):
    url = reverse("workshops:review_draft", args=[submission.pk])
    client_for(instructor).post(url, {"draft_version": "0", "strengths": "Ohjaajan teksti."})
    # The colleague opened the page before the first save and still has version 0.
    response = client_for(colleague).post(
        url, {"draft_version": "0", "strengths": "Kollegan teksti."}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="review-conflict"' in html
    assert "Ohjaajan teksti." in html
    draft = ReviewDraft.objects.get(submission=submission)
    assert (draft.strengths, draft.version, draft.updated_by) == ("Ohjaajan teksti.", 1, instructor)


def test_a_decision_based_on_an_outdated_draft_is_refused_with_the_colleagues_text(
    client_for, instructor, colleague, submission
):
    client_for(instructor).post(
        reverse("workshops:review_draft", args=[submission.pk]),
        {"draft_version": "0", "feedback": "Ohjaajan palaute."},
    )
    response = client_for(colleague).post(
        reverse("workshops:review", args=[submission.pk]),
        {"draft_version": "0", "decision": "approve", "strengths": "Hyvä."},
    )
    assert response.status_code == 409
    assert "Ohjaajan palaute." in response.content.decode()
    assert response.context["form"]["draft_version"].value() == "1"
    assert not Review.objects.exists()
    # Having seen it, the colleague may decide deliberately.
    again = client_for(colleague).post(
        reverse("workshops:review", args=[submission.pk]),
        {"draft_version": "1", "decision": "approve", "strengths": "Hyvä."},
    )
    assert again.status_code == 302
    assert Review.objects.get(submission=submission).reviewer == colleague
    assert not ReviewDraft.objects.exists()


def test_the_same_instructors_older_window_cannot_send_stale_feedback(
    client_for, instructor, submission, learner
):
    """One instructor, two windows: window A saves newer words; window B, opened before, was
    told of the conflict by its autosave, and its decision is refused too (it used to go
    through for the same person and send B's stale text to the learner)."""
    client = client_for(instructor)
    draft_url = reverse("workshops:review_draft", args=[submission.pk])
    review_url = reverse("workshops:review", args=[submission.pk])
    client.post(draft_url, {"draft_version": "0", "draft_writer": "a", "feedback": "Alku."})
    window_b = client.get(review_url).context["form"]
    assert window_b.initial["draft_version"] == 1
    b_writer = window_b.initial["draft_writer"]
    assert b_writer  # each render names its window
    assert b_writer != "a"
    client.post(
        draft_url, {"draft_version": "1", "draft_writer": "a", "feedback": "Ikkuna A: uusin."}
    )
    autosave = client.post(
        draft_url, {"draft_version": "1", "draft_writer": b_writer, "feedback": "Ikkuna B."}
    )
    assert autosave.status_code == 409
    assert "toisessa ikkunassa" in autosave.content.decode()
    response = client.post(
        review_url,
        {
            "draft_version": "1",
            "draft_writer": b_writer,
            "decision": "revise",
            "feedback": "Ikkuna B.",
        },
    )
    assert response.status_code == 409
    assert "Ikkuna A: uusin." in response.content.decode()
    assert not Review.objects.exists()
    assert ReviewDraft.objects.get(submission=submission).feedback == "Ikkuna A: uusin."


def test_a_decision_clicked_while_the_same_windows_autosave_is_on_its_way_goes_through(
    client_for, instructor, submission
):
    """The window's own autosave lands first (version 1 -> 2) while its form still says 1:
    the same window's words, so the decision is not a conflict."""
    client = client_for(instructor)
    draft_url = reverse("workshops:review_draft", args=[submission.pk])
    client.post(draft_url, {"draft_version": "0", "draft_writer": "w", "feedback": "Alku."})
    client.post(draft_url, {"draft_version": "1", "draft_writer": "w", "feedback": "Rajaa."})
    response = client.post(
        reverse("workshops:review", args=[submission.pk]),
        {"draft_version": "1", "draft_writer": "w", "decision": "revise", "feedback": "Rajaa."},
    )
    assert response.status_code == 302
    assert Review.objects.get(submission=submission).feedback == "Rajaa."


def test_instructors_of_other_cohorts_and_learners_cannot_touch_the_draft(
    client_for, other_instructor, learner, submission
):
    url = reverse("workshops:review_draft", args=[submission.pk])
    assert client_for(other_instructor).post(url, {"draft_version": "0"}).status_code == 404
    assert client_for(learner).post(url, {"draft_version": "0"}).status_code == 403
    assert not ReviewDraft.objects.exists()


def test_the_draft_of_an_already_reviewed_version_is_refused(client_for, instructor, submission):
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.APPROVED)
    response = client_for(instructor).post(
        reverse("workshops:review_draft", args=[submission.pk]), {"draft_version": "0"}
    )
    assert response.status_code == 409
    assert not ReviewDraft.objects.exists()


def test_an_autosave_arriving_after_the_reviewers_own_decision_is_quietly_dropped(
    client_for, instructor, colleague, submission
):
    services.submission_review(
        submission=submission, reviewer=instructor, decision="approve", feedback=""
    )
    url = reverse("workshops:review_draft", args=[submission.pk])
    late = client_for(instructor).post(url, {"draft_version": "0", "strengths": "Myöhässä."})
    assert late.status_code == 204
    # A colleague still learns that someone else has decided.
    assert client_for(colleague).post(url, {"draft_version": "0"}).status_code == 409
    assert not ReviewDraft.objects.exists()


def test_the_learner_answers_in_the_thread_and_the_instructors_are_notified(
    client_for, learner, instructor, colleague, submission, django_capture_on_commit_callbacks
):
    url = reverse("workshops:thread", args=[submission.experiment_id, 1])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(learner).post(url, {"text": "Rajasin kohderyhmän nuoriin."})
    assert response.status_code == 302
    comment = PhaseComment.objects.get()
    assert (comment.author, comment.phase, comment.cycle) == (learner, 1, 1)
    notified = set(
        Notification.objects.filter(key=f"phase-comment-{comment.pk}").values_list(
            "recipient", flat=True
        )
    )
    assert notified == {instructor.pk, colleague.pk}

    page = client_for(instructor).get(reverse("workshops:review", args=[submission.pk]))
    assert "Rajasin kohderyhmän nuoriin." in page.content.decode()


def test_an_instructors_message_is_sent_to_the_team_only(
    client_for, learner, other_learner, instructor, submission, django_capture_on_commit_callbacks
):
    from workshops import services

    services.experiment_add_member(
        experiment=submission.experiment, by=learner, email=other_learner.email
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(instructor).post(
            reverse("workshops:thread", args=[submission.experiment_id, 1]),
            {"text": "Hyvä tarkennus."},
        )
    comment = PhaseComment.objects.get()
    notified = set(
        Notification.objects.filter(key=f"phase-comment-{comment.pk}").values_list(
            "recipient", flat=True
        )
    )
    assert notified == {learner.pk, other_learner.pk}
    page = client_for(other_learner).get(
        reverse("workshops:submission_detail", args=[submission.pk])
    )
    assert "Hyvä tarkennus." in page.content.decode()


def test_outsiders_and_coordinators_cannot_read_or_write_the_thread(
    client_for, other_learner, other_instructor, coordinator, submission
):
    url = reverse("workshops:thread", args=[submission.experiment_id, 1])
    for person in (other_learner, other_instructor, coordinator):
        assert client_for(person).post(url, {"text": "Hei"}).status_code == 404
    assert not PhaseComment.objects.exists()
    page = client_for(coordinator).get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert 'data-testid="thread"' not in page.content.decode()


def test_an_empty_message_is_refused(client_for, learner, submission):
    response = client_for(learner).post(
        reverse("workshops:thread", args=[submission.experiment_id, 1]), {"text": "  "}
    )
    html = assert_refused(response, 400, "Write a message.")
    assert reverse("workshops:submission_detail", args=[submission.pk]) + "#thread" in html
    assert not PhaseComment.objects.exists()


def test_an_htmx_post_of_an_empty_message_gets_only_the_alert(client_for, learner, submission):
    response = client_for(learner).post(
        reverse("workshops:thread", args=[submission.experiment_id, 1]),
        {"text": " "},
        HTTP_HX_REQUEST="true",
    )
    html = assert_refused(response, 400, "Write a message.")
    assert "<html" not in html
    assert not PhaseComment.objects.exists()


def test_every_decision_is_in_the_audit_trail_on_the_experiment_page(
    client_for, instructor, learner, submission
):
    client_for(instructor).post(
        reverse("workshops:review", args=[submission.pk]),
        {"decision": "revise", "feedback": "Rajaa kohderyhmä."},
    )
    event = ExperimentEvent.objects.get(experiment=submission.experiment, kind="revision")
    assert event.actor == instructor
    assert "Rajaa kohderyhmä." in event.note
    page = client_for(learner).get(reverse("workshops:experiment", args=[submission.experiment_id]))
    trail = page.content.decode().split('data-testid="audit-trail"')[1]
    assert instructor.display_name in trail
    assert "Rajaa kohderyhmä." in trail


def _bulk_submissions(cohort, assignment, n):
    """n learners of the cohort, each with a waiting phase-1 version with a file."""
    from core.models import User
    from workshops.models import SubmissionFile

    start = User.objects.count()
    users = User.objects.bulk_create(
        [User(email=f"bulk{start + i}@example.fi", first_name="Bulk") for i in range(n)]
    )
    Membership.objects.bulk_create(
        [Membership(cohort=cohort, user=u, role=Membership.Role.LEARNER) for u in users]
    )
    subs = Submission.objects.bulk_create(
        [
            Submission(assignment=assignment, cohort=cohort, learner=u, text="x", status="received")
            for u in users
        ]
    )
    SubmissionFile.objects.bulk_create(
        [
            SubmissionFile(submission=s, file="submissions/x.pdf", original_name="x.pdf")
            for s in subs
        ]
    )
    return subs


@pytest.mark.parametrize("n", [10, 5000])
def test_the_queue_and_the_review_page_keep_a_flat_query_count(
    client_for, instructor, cohort, assignment, rubric, n, django_assert_num_queries
):
    subs = _bulk_submissions(cohort, assignment, n)
    client = client_for(instructor)
    # As tests/test_query_counts.py counts the queue (10 with the organisation filter read
    # cold; #13: the marking workflow's reads and each row's cohort settings came with other
    # reads). (11 allowed before.)
    cache.clear()
    with django_assert_num_queries(10):
        response = client.get(reverse("workshops:review_queue"))
    assert response.status_code == 200
    assert len(response.context["waiting"]) == min(n, 50)
    # The session, and the instructor with the roles and the badge (2); the version with all
    # it shows and whether each list has anything (1); the rubric and its levels (2), the
    # levels given to the previous version (1, as there is no draft). (15 allowed before.)
    with django_assert_num_queries(6):
        response = client.get(reverse("workshops:review", args=[subs[-1].pk]))
    assert response.status_code == 200


def test_the_review_of_a_revision_shows_what_the_previous_round_asked(
    client_for, instructor, learner, cohort, assignment, experiment, django_assert_num_queries
):
    """Version 2's review page shows version 1's feedback beside the changes, so the
    instructor checks the revision against what was asked without opening another page."""
    from workshops import services

    v1 = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, text="Eka.", experiment=experiment
    )
    services.submission_review(
        submission=v1,
        reviewer=instructor,
        decision="revise",
        feedback="Rajaa kohderyhmä nuoriin.",
        strengths="Todellinen haaste.",
    )
    v2 = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Eka. Kohderyhmä: nuoret.",
        experiment=experiment,
    )
    client = client_for(instructor)
    url = reverse("workshops:review", args=[v2.pk])
    client.get(url)
    # The session and the instructor (2), the version (1), the versions with the previous
    # review read with them (1): its feedback has no files, so none are read. (11 allowed
    # before.)
    with django_assert_num_queries(4):
        html = client.get(url).content.decode()
    shown = html.split('data-testid="previous-feedback"')[1].split("</section>")[0]
    assert "Palaute versiosta 1" in shown
    assert "Rajaa kohderyhmä nuoriin." in shown
    assert "Todellinen haaste." in shown
    assert "Täydennystä pyydetty" in shown
    # The first version has none.
    first = client.get(reverse("workshops:review", args=[v1.pk])).content.decode()
    assert 'data-testid="previous-feedback"' not in first
