"""The marking workflow: not reviewed -> in review -> ready -> released, second check,
allocation by the lead instructor, blind review and release one by one or in bulk."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from tests.refusals import assert_refused
from workshops import marking
from workshops.models import ExperimentEvent, Marking, Review, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(assignment):
    workshop = assignment.workshop
    workshop.marking_workflow = True
    workshop.save()
    return workshop


@pytest.fixture
def colleague(cohort):
    """A second instructor of the same cohort (the lead is `instructor`, who joined first)."""
    user = factories.UserFactory(email="kollega@example.fi")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.INSTRUCTOR)
    return user


@pytest.fixture
def waiting(learner, cohort, assignment):
    return factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)


def _ready(client, submission, decision="approve", feedback=""):
    return client.post(
        reverse("workshops:review", args=[submission.pk]),
        {"decision": decision, "feedback": feedback, "strengths": "Selkeä haaste."},
    )


def _reviewed_notes(user):
    return Notification.objects.filter(recipient=user, key__startswith="submission-reviewed-")


def test_a_review_goes_through_the_states_and_reaches_the_learner_only_on_release(
    client_for, instructor, learner, waiting, workflow
):
    client = client_for(instructor)
    client.post(
        reverse("workshops:review_draft", args=[waiting.pk]),
        {"draft_version": "0", "strengths": "Hyvä alku"},
    )
    assert Marking.objects.get(submission=waiting).state == Marking.State.IN_REVIEW

    response = _ready(client, waiting)
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.marking.state == Marking.State.READY
    assert waiting.status == Submission.Status.RECEIVED
    assert not Review.objects.filter(submission=waiting).exists()
    assert not _reviewed_notes(learner).exists()
    page = client_for(learner).get(reverse("workshops:submission_detail", args=[waiting.pk]))
    assert "Selkeä haaste" not in page.content.decode()

    client = client_for(instructor)
    response = client.post(reverse("workshops:marking_release", args=[waiting.pk]))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Submission.Status.APPROVED
    assert waiting.marking.state == Marking.State.RELEASED
    assert waiting.review.strengths == "Selkeä haaste."
    assert _reviewed_notes(learner).count() == 1
    page = client_for(learner).get(reverse("workshops:submission_detail", args=[waiting.pk]))
    assert "Selkeä haaste" in page.content.decode()


def test_the_direct_decision_is_refused_while_the_workflow_is_on(instructor, waiting, workflow):
    with pytest.raises(marking.services.SubmissionError):
        marking.services.submission_review(
            submission=waiting, reviewer=instructor, decision="approve", feedback=""
        )


def test_a_ready_review_is_frozen_until_it_is_sent_back(client_for, instructor, waiting, workflow):
    client = client_for(instructor)
    _ready(client, waiting)
    response = client.post(
        reverse("workshops:review_draft", args=[waiting.pk]),
        {"draft_version": "1", "strengths": "muutos"},
    )
    assert response.status_code == 409
    client.post(reverse("workshops:marking_send_back", args=[waiting.pk]))
    assert Marking.objects.get(submission=waiting).state == Marking.State.IN_REVIEW


def test_a_revision_without_what_to_change_is_not_marked_ready(
    client_for, instructor, waiting, workflow
):
    response = _ready(client_for(instructor), waiting, decision="revise")
    assert response.status_code in (400, 409)
    assert not Marking.objects.filter(submission=waiting, state=Marking.State.READY).exists()


def test_the_second_check_must_come_from_another_instructor_before_release(
    client_for, instructor, colleague, learner, waiting, workflow
):
    workflow.second_check = True
    workflow.save()
    client = client_for(instructor)
    _ready(client, waiting)
    response = client.post(reverse("workshops:marking_release", args=[waiting.pk]))
    html = assert_refused(
        response, 409, "Another instructor must check this review before release."
    )
    assert reverse("workshops:review", args=[waiting.pk]) in html
    assert Marking.objects.get(submission=waiting).state == Marking.State.READY
    response = client.post(reverse("workshops:marking_check", args=[waiting.pk]))
    assert_refused(response, 409, "The second check must be done by another instructor.")
    assert Marking.objects.get(submission=waiting).checked_by is None
    assert not _reviewed_notes(learner).exists()

    client_for(colleague).post(reverse("workshops:marking_check", args=[waiting.pk]))
    assert Marking.objects.get(submission=waiting).checked_by == colleague
    client_for(instructor).post(reverse("workshops:marking_release", args=[waiting.pk]))
    assert Marking.objects.get(submission=waiting).state == Marking.State.RELEASED
    assert _reviewed_notes(learner).count() == 1


def test_only_the_lead_allocates_and_only_to_the_cohorts_instructors(
    client_for, instructor, colleague, other_instructor, waiting, workflow
):
    url = reverse("workshops:marking_allocate", args=[waiting.pk])
    response = client_for(colleague).post(url, {"reviewer": colleague.pk})
    assert_refused(response, 409, "Only the lead instructor of the cohort allocates reviewers.")
    assert not Marking.objects.filter(submission=waiting, reviewer__isnull=False).exists()
    response = client_for(instructor).post(url, {"reviewer": other_instructor.pk})
    html = assert_refused(response, 400, "Choose an instructor of the cohort.")
    assert reverse("workshops:review_queue") in html
    assert not Marking.objects.filter(submission=waiting, reviewer__isnull=False).exists()
    assert client_for(other_instructor).post(url, {"reviewer": colleague.pk}).status_code == 404
    client_for(instructor).post(url, {"reviewer": colleague.pk})
    assert Marking.objects.get(submission=waiting).reviewer == colleague


def test_someone_elses_allocated_review_cannot_be_marked_ready(
    client_for, instructor, colleague, waiting, workflow
):
    marking.marking_allocate(submission=waiting, reviewer=instructor, by=instructor)
    response = _ready(client_for(colleague), waiting)
    assert response.status_code == 409
    assert Marking.objects.get(submission=waiting).state != Marking.State.READY


def test_auto_balance_spreads_the_load_evenly_and_counts_what_each_already_has(
    client_for, instructor, colleague, cohort, assignment, workflow
):
    subs = [factories.SubmissionFactory(cohort=cohort, assignment=assignment) for _ in range(7)]
    marking.marking_allocate(submission=subs[0], reviewer=instructor, by=instructor)
    client_for(instructor).post(reverse("workshops:marking_balance"))
    loads = {
        user: Marking.objects.filter(reviewer=user, state__in=marking.OPEN_STATES).count()
        for user in (instructor, colleague)
    }
    assert sorted(loads.values()) == [3, 4]
    assert not Marking.objects.filter(submission__in=subs, reviewer__isnull=True).exists()
    # Running it again changes nothing.
    assert marking.marking_auto_balance(cohort_id=cohort.pk, by=instructor) == 0


def test_auto_balance_is_refused_to_an_instructor_who_is_not_the_lead(
    instructor, colleague, cohort
):
    with pytest.raises(marking.MarkingError):
        marking.marking_auto_balance(cohort_id=cohort.pk, by=colleague)


def test_the_allocated_to_me_filter_shows_only_my_reviews(
    client_for, instructor, colleague, cohort, assignment, workflow
):
    a = factories.SubmissionFactory(cohort=cohort, assignment=assignment)
    b = factories.SubmissionFactory(cohort=cohort, assignment=assignment)
    marking.marking_allocate(submission=a, reviewer=colleague, by=instructor)
    marking.marking_allocate(submission=b, reviewer=instructor, by=instructor)
    response = client_for(colleague).get(reverse("workshops:review_queue"), {"mine": "1"})
    assert [s.pk for s in response.context["waiting"]] == [a.pk]


def test_blind_review_does_not_show_the_learners_name_or_municipality(
    client_for, instructor, learner, waiting, workflow
):
    workflow.blind_review = True
    workflow.save()
    client = client_for(instructor)
    for url in (
        reverse("workshops:review_queue"),
        reverse("workshops:review", args=[waiting.pk]),
    ):
        html = client.get(url).content.decode()
        assert learner.display_name not in html
        assert learner.email not in html
        assert learner.organisation.name not in html
    _ready(client, waiting)
    html = client.get(reverse("workshops:review", args=[waiting.pk])).content.decode()
    assert learner.display_name not in html
    assert learner.organisation.name not in html


def test_bulk_release_notifies_each_learner_once(
    client_for, instructor, cohort, assignment, workflow
):
    learners = [factories.UserFactory() for _ in range(3)]
    subs = [
        factories.SubmissionFactory(learner=person, cohort=cohort, assignment=assignment)
        for person in learners
    ]
    for submission in subs:
        marking.marking_mark_ready(
            submission=submission, by=instructor, decision="approve", feedback=""
        )
    not_ready = factories.SubmissionFactory(cohort=cohort, assignment=assignment)
    client = client_for(instructor)
    ids = [s.pk for s in subs] + [not_ready.pk]
    client.post(reverse("workshops:marking_release_many"), {"submission": ids})
    client.post(reverse("workshops:marking_release_many"), {"submission": ids})
    for person in learners:
        assert _reviewed_notes(person).count() == 1
    assert not _reviewed_notes(not_ready.learner).exists()
    assert Marking.objects.filter(state=Marking.State.RELEASED).count() == 3


def test_a_send_back_of_a_review_not_ready_is_a_409(client_for, instructor, waiting, workflow):
    response = client_for(instructor).post(
        reverse("workshops:marking_send_back", args=[waiting.pk])
    )
    assert_refused(response, 409, "Only a review that is ready for release can be sent back.")
    assert not Marking.objects.filter(submission=waiting, state=Marking.State.IN_REVIEW).exists()


def test_bulk_release_with_nothing_chosen_or_nothing_releasable_is_refused(
    client_for, instructor, colleague, waiting, workflow
):
    url = reverse("workshops:marking_release_many")
    queue = reverse("workshops:review_queue")
    html = assert_refused(
        client_for(instructor).post(url, {}), 400, "Choose the reviews to release."
    )
    assert queue in html
    workflow.second_check = True
    workflow.save()
    marking.marking_mark_ready(submission=waiting, by=instructor, decision="approve", feedback="")
    response = client_for(instructor).post(url, {"submission": [waiting.pk]})
    assert_refused(response, 409, "Another instructor must check this review before release.")
    assert Marking.objects.get(submission=waiting).state == Marking.State.READY
    assert not Review.objects.filter(submission=waiting).exists()


def test_bulk_release_skips_submissions_of_other_cohorts(
    client_for, other_instructor, instructor, waiting, workflow
):
    marking.marking_mark_ready(submission=waiting, by=instructor, decision="approve", feedback="")
    client_for(other_instructor).post(
        reverse("workshops:marking_release_many"), {"submission": [waiting.pk]}
    )
    assert Marking.objects.get(submission=waiting).state == Marking.State.READY


def test_marking_settings_are_only_for_the_lead(
    client_for, instructor, colleague, workflow, cohort
):
    from workshops.cohort_settings import marking_for

    url = reverse("workshops:marking_settings", args=[workflow.pk])
    assert client_for(colleague).get(url).status_code == 404
    response = client_for(instructor).post(url, {"marking_workflow": "on", "blind_review": "on"})
    assert response.status_code == 302
    # The lead's choice is their cohort's own (#11 item 15); the course-wide default stays.
    settings = marking_for(workshop=workflow, cohort_id=cohort.pk)
    assert settings.blind_review
    assert not settings.second_check
    workflow.refresh_from_db()
    assert not workflow.blind_review


def test_the_queue_with_the_workflow_keeps_a_flat_query_count(
    client_for, instructor, colleague, cohort, assignment, workflow, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            s = factories.SubmissionFactory(cohort=cohort, assignment=assignment)
            marking.marking_allocate(submission=s, reviewer=colleague, by=instructor)

    client = client_for(instructor)
    add(5)
    # As tests/test_query_counts.py counts the queue (10, with the organisation filter read
    # cold: it is kept in the cache for ten minutes): the workflow adds none. (11 allowed
    # before.)
    cache.clear()
    with django_assert_num_queries(10):
        assert client.get(reverse("workshops:review_queue")).status_code == 200
    add(50)
    cache.clear()
    with django_assert_num_queries(10):
        response = client.get(reverse("workshops:review_queue"), {"marking": "not-reviewed"})
    assert len(response.context["waiting"]) == 50


@pytest.mark.parametrize("blind", [True, False])
def test_blind_review_hides_the_learner_on_the_submission_and_experiment_pages(
    client_for, instructor, learner, cohort, assignment, experiment, blind
):
    workshop = assignment.workshop
    workshop.blind_review = blind
    workshop.save()
    submission = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, experiment=experiment
    )
    pages = (
        reverse("workshops:submission_detail", args=[submission.pk]),
        reverse("workshops:experiment", args=[experiment.pk]),
    )
    for url in pages:
        response = client_for(instructor).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert (learner.display_name in html) is not blind
        assert (learner.organisation.name in html) is not blind
    # The learner themself always sees their own name and municipality.
    for url in pages:
        html = client_for(learner).get(url).content.decode()
        assert learner.display_name in html
        assert learner.organisation.name in html


def test_the_marking_steps_appear_in_the_experiment_history(
    client_for, instructor, colleague, learner, cohort, assignment, experiment, workflow
):
    workflow.second_check = True
    workflow.save()
    submission = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, experiment=experiment
    )
    client_for(instructor).post(
        reverse("workshops:marking_allocate", args=[submission.pk]), {"reviewer": colleague.pk}
    )
    _ready(client_for(colleague), submission)
    client_for(instructor).post(reverse("workshops:marking_send_back", args=[submission.pk]))
    _ready(client_for(colleague), submission)
    client_for(instructor).post(reverse("workshops:marking_check", args=[submission.pk]))
    client_for(instructor).post(reverse("workshops:marking_release", args=[submission.pk]))
    assert Marking.objects.get(submission=submission).state == Marking.State.RELEASED

    steps = [
        (e.kind, e.actor)
        for e in ExperimentEvent.objects.filter(experiment=experiment).order_by("pk")
    ]
    assert steps[-7:-1] == [
        ("allocated", instructor),
        ("ready", colleague),
        ("sent_back", instructor),
        ("ready", colleague),
        ("checked", instructor),
        ("approved", colleague),
    ]
    assert steps[-1] == ("released", instructor)
    url = reverse("workshops:experiment", args=[experiment.pk])
    html = client_for(instructor).get(url).content.decode()
    for kind in ("allocated", "ready", "checked", "sent_back", "released"):
        assert f'data-kind="{kind}"' in html
    # The team sees the release, not the instructors' internal steps before it.
    html = client_for(learner).get(url).content.decode()
    assert 'data-kind="released"' in html
    for kind in ("allocated", "ready", "checked", "sent_back"):
        assert f'data-kind="{kind}"' not in html


def test_the_allocated_instructor_is_told_once_and_no_learner_is_named(
    client_for, instructor, colleague, learner, cohort, waiting, workflow
):
    third = factories.UserFactory(email="kolmas@example.fi")
    factories.MembershipFactory(cohort=cohort, user=third, role=Membership.Role.INSTRUCTOR)
    workflow.blind_review = True
    workflow.save()
    url = reverse("workshops:marking_allocate", args=[waiting.pk])
    for reviewer in (colleague, third, colleague):
        response = client_for(instructor).post(url, {"reviewer": reviewer.pk})
        assert response.status_code == 302
    assert Marking.objects.get(submission=waiting).reviewer == colleague
    notes = Notification.objects.filter(recipient=colleague, key__startswith="review-allocated-")
    assert notes.count() == 1
    assert notes.get().category == Notification.Category.REVIEWS
    assert notes.get().url == reverse("workshops:review", args=[waiting.pk])
    assert (
        Notification.objects.filter(recipient=third, key__startswith="review-allocated-").count()
        == 1
    )
    note = notes.get()
    assert waiting.assignment.title in note.subject
    assert waiting.assignment.title in note.body
    assert learner.display_name not in note.body + note.html_body
    # Allocating to oneself tells nobody.
    client_for(instructor).post(url, {"reviewer": instructor.pk})
    assert not Notification.objects.filter(
        recipient=instructor, key__startswith="review-allocated-"
    ).exists()
