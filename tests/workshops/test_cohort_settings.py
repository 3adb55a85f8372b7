"""Issue #11 item 15 (#12 item 6): marking and peer-feedback settings that differ per cohort
belong to the cohort. A cohort's lead instructor changes only their own cohort's settings; only
the course's authors (and the superuser) change the course-wide defaults.

`instructor` leads `cohort`, `other_instructor` leads `other_cohort` of the same course.
"""

import pytest
from django.urls import reverse

from tests import factories
from workshops import marking, peer, services
from workshops.cohort_settings import marking_for, peer_for
from workshops.models import (
    CohortMarkingSettings,
    CohortPeerSettings,
    PeerReview,
    Submission,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(assignment):
    return assignment.workshop


def settings_url(workshop, cohort=None):
    url = reverse("workshops:marking_settings", args=[workshop.pk])
    return f"{url}?cohort={cohort.pk}" if cohort else url


def peer_url(assignment, cohort=None):
    url = reverse("workshops:peer_settings", args=[assignment.pk])
    return f"{url}?cohort={cohort.pk}" if cohort else url


def test_a_lead_instructor_changes_only_their_own_cohorts_marking(
    client_for, instructor, other_instructor, workshop, cohort, other_cohort
):
    response = client_for(instructor).post(
        settings_url(workshop), {"blind_review": "on", "marking_workflow": "on"}
    )
    assert response.status_code == 302
    assert marking_for(workshop=workshop, cohort_id=cohort.pk).blind_review
    other = marking_for(workshop=workshop, cohort_id=other_cohort.pk)
    assert (other.blind_review, other.marking_workflow, other.own) == (False, False, False)
    workshop.refresh_from_db()
    assert (workshop.blind_review, workshop.marking_workflow) == (False, False)


def test_another_cohorts_lead_cannot_see_or_change_this_cohorts_settings(
    client_for, instructor, other_instructor, workshop, assignment, cohort
):
    client_for(instructor).post(settings_url(workshop), {"blind_review": "on"})
    client = client_for(other_instructor)
    assert client.get(settings_url(workshop, cohort)).status_code == 404
    response = client.post(settings_url(workshop, cohort), {"cohort": cohort.pk})
    assert response.status_code == 404
    assert client.get(peer_url(assignment, cohort)).status_code == 404
    response = client.post(
        peer_url(assignment),
        {"cohort": cohort.pk, "peer_review": "on", "peer_reviewers": "2", "peer_reviews_each": "2"},
    )
    assert response.status_code == 404
    # Unchanged: still blind, and no peer feedback for this cohort.
    assert marking_for(workshop=workshop, cohort_id=cohort.pk).blind_review
    assert not CohortPeerSettings.objects.filter(cohort=cohort).exists()


def test_a_lead_who_is_not_an_author_never_reaches_the_course_wide_defaults(
    client_for, instructor, workshop, cohort
):
    client = client_for(instructor)
    page = client.get(settings_url(workshop)).content.decode()
    assert 'data-testid="scope-defaults"' not in page
    assert f'data-testid="scope-cohort-{cohort.pk}"' in page
    assert f'name="cohort" value="{cohort.pk}"' in page
    client.post(settings_url(workshop), {"second_check": "on"})
    workshop.refresh_from_db()
    assert not workshop.second_check
    assert CohortMarkingSettings.objects.get(cohort=cohort).second_check


def test_other_instructors_and_learners_are_refused(
    client_for, instructor, cohort, learner, workshop, assignment
):
    colleague = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=colleague, role="instructor")
    for person in (colleague, learner):
        for url in (settings_url(workshop), peer_url(assignment)):
            assert client_for(person).get(url).status_code in (403, 404)
            assert client_for(person).post(url, {"blind_review": "on"}).status_code in (403, 404)
    assert not CohortMarkingSettings.objects.exists()


def test_a_course_author_sets_the_defaults_that_cohorts_without_their_own_follow(
    client_for, instructor, workshop, cohort, other_cohort
):
    author = factories.UserFactory(email="tekija@example.fi")
    cohort.course.authors.add(author)
    client_for(instructor).post(settings_url(workshop), {"blind_review": ""})  # own: not blind
    client = client_for(author)
    page = client.get(settings_url(workshop)).content.decode()
    assert 'data-testid="scope-defaults"' in page
    response = client.post(settings_url(workshop), {"blind_review": "on"})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.blind_review
    assert marking_for(workshop=workshop, cohort_id=other_cohort.pk).blind_review
    # The cohort that chose its own settings keeps them.
    assert not marking_for(workshop=workshop, cohort_id=cohort.pk).blind_review
    # An author who leads no cohort cannot pick a cohort's own settings.
    assert client.get(settings_url(workshop, cohort)).status_code == 404


def test_the_queue_blinds_only_the_cohort_that_chose_blind_review(
    client_for, superuser, instructor, workshop, assignment, cohort, other_cohort
):
    mine = factories.SubmissionFactory(cohort=cohort, assignment=assignment)
    theirs = factories.SubmissionFactory(cohort=other_cohort, assignment=assignment)
    client_for(instructor).post(settings_url(workshop), {"blind_review": "on"})
    page = client_for(superuser).get(reverse("workshops:review_queue")).content.decode()
    assert mine.learner.display_name not in page
    assert f"#{mine.pk}" in page
    assert theirs.learner.display_name in page


def test_the_marking_workflow_of_one_cohort_does_not_hold_back_anothers_reviews(
    instructor, other_instructor, workshop, assignment, cohort, other_cohort
):
    from workshops.services import SubmissionError

    CohortMarkingSettings.objects.create(cohort=cohort, workshop=workshop, marking_workflow=True)
    mine = factories.SubmissionFactory(cohort=cohort, assignment=assignment)
    theirs = factories.SubmissionFactory(cohort=other_cohort, assignment=assignment)
    assert marking.uses_workflow(Submission.objects.get(pk=mine.pk))
    with pytest.raises(SubmissionError):
        services.submission_review(
            submission=Submission.objects.get(pk=mine.pk),
            reviewer=instructor,
            decision="approve",
            feedback="",
        )
    services.submission_review(
        submission=Submission.objects.get(pk=theirs.pk),
        reviewer=other_instructor,
        decision="approve",
        feedback="",
    )
    assert Submission.objects.get(pk=theirs.pk).status == Submission.Status.APPROVED
    # Allocating evenly picks up the cohort with the workflow on, and only it.
    colleague = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=colleague, role="instructor")
    factories.MembershipFactory(cohort=other_cohort, user=colleague, role="instructor")
    assert marking.marking_auto_balance(cohort_id=cohort.pk, by=instructor) == 1
    assert marking.marking_auto_balance(cohort_id=other_cohort.pk, by=other_instructor) == 0


def test_peer_feedback_turned_on_for_one_cohort_allocates_only_there(
    client_for, instructor, assignment, cohort, other_cohort, django_capture_on_commit_callbacks
):
    learners = []
    for who, c in [(f"a{i}", cohort) for i in range(3)] + [
        (f"b{i}", other_cohort) for i in range(3)
    ]:
        person = factories.UserFactory(email=f"{who}@example.fi")
        factories.MembershipFactory(cohort=c, user=person)
        learners.append(
            factories.SubmissionFactory(cohort=c, assignment=assignment, learner=person)
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(instructor).post(
            peer_url(assignment),
            {
                "peer_review": "on",
                "peer_reviewers": "2",
                "peer_reviews_each": "2",
                "peer_anonymous": "on",
            },
        )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?cohort={cohort.pk}")
    peer.peer_allocate(assignment_id=assignment.pk, cohort_id=cohort.pk)
    peer.peer_allocate(assignment_id=assignment.pk, cohort_id=other_cohort.pk)
    cohorts = set(PeerReview.objects.values_list("submission__cohort_id", flat=True))
    assert cohorts == {cohort.pk}
    assert peer_for(assignment=assignment, cohort_id=cohort.pk).peer_review
    assert not peer_for(assignment=assignment, cohort_id=other_cohort.pk).peer_review
    assignment.refresh_from_db()
    assert not assignment.peer_review


def test_bad_numbers_are_refused_and_nothing_is_saved(client_for, instructor, assignment):
    response = client_for(instructor).post(
        peer_url(assignment), {"peer_review": "on", "peer_reviewers": "0", "peer_reviews_each": "x"}
    )
    assert response.status_code == 400
    assert not CohortPeerSettings.objects.exists()


def test_the_settings_pages_keep_a_fixed_query_count(
    client_for, instructor, workshop, assignment, django_assert_num_queries
):
    client = client_for(instructor)
    client.post(settings_url(workshop), {"blind_review": "on"})
    client.post(peer_url(assignment), {"peer_reviewers": "2", "peer_reviews_each": "2"})
    # Both pages: the session, the person with the navigation's roles and unread badge (2);
    # the workshop or phase with its course (1); the cohorts the person leads, those of the
    # course among them, whether they author the course (3).
    for more in (0, 8):
        for _ in range(more):
            factories.AssignmentFactory(workshop=workshop)
        # + the cohort's own marking settings, read once for the form and the current values
        # (1); the phases and the cohort's own peer settings for them (2). (14 allowed before;
        # 10 while the current values read the row again.)
        with django_assert_num_queries(9):
            assert client.get(settings_url(workshop)).status_code == 200
        # + the cohort's own peer settings, read once for the form and the current values (1);
        # the peer reviews by state (1). (12 allowed before; 9 while the current values read
        # the row again.)
        with django_assert_num_queries(8):
            assert client.get(peer_url(assignment)).status_code == 200
