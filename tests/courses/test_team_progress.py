"""Workshop assignments in the course: the heatmap counts them like the outline does, a team's
submission counts for every member, and an approval issues the team's certificates at once."""

import pytest
from django.urls import reverse

from courses import selectors, services
from courses.models import Certificate, Item
from learners.models import Membership
from tests import factories
from workshops import services as workshop_services
from workshops.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment_items(course, assignment):
    """Module 1 gets two workshop items: one done when submitted, one when approved."""
    module = course.modules.order_by("position").first()
    submitted = factories.ItemFactory(
        module=module,
        kind=Item.Kind.ASSIGNMENT,
        assignment=assignment,
        completion_rule=Item.Rule.SUBMITTED,
        position=10,
    )
    approved = factories.ItemFactory(
        module=module,
        kind=Item.Kind.ASSIGNMENT,
        assignment=assignment,
        completion_rule=Item.Rule.APPROVED,
        position=11,
    )
    return module, submitted, approved


@pytest.fixture
def team(learner, other_learner, cohort, assignment):
    """Oona's experiment with Olli on the team."""
    experiment = workshop_services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=cohort, title="Kyyti asemalle"
    )
    workshop_services.experiment_add_member(
        experiment=experiment, by=learner, email=other_learner.email
    )
    return experiment


def outline_done(user, course):
    return {m.pk: m.done_count for m in selectors.modules_with_progress(user=user, course=course)}


def test_the_heatmap_counts_a_submitted_assignment_like_the_outline(
    learner, other_learner, cohort, course, assignment, assignment_items
):
    module, _submitted, _approved = assignment_items
    factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.RECEIVED
    )

    matrix = selectors.completion_matrix(user_ids=[learner.pk, other_learner.pk], course=course)

    assert matrix[learner.pk][module.pk] == 1  # submitted counts, approved not yet
    assert matrix[learner.pk] == {k: v for k, v in outline_done(learner, course).items() if v}
    assert module.pk not in matrix.get(other_learner.pk, {})


def test_the_heatmap_counts_an_approved_assignment_once_even_with_a_completion_row(
    learner, cohort, course, assignment, assignment_items
):
    module, submitted, _approved = assignment_items
    factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.APPROVED
    )
    factories.CompletionFactory(user=learner, item=submitted)
    # A learner in two cohorts of the course is still counted once per item.
    second = factories.CohortFactory(course=course)
    factories.MembershipFactory(cohort=second, user=learner)

    matrix = selectors.completion_matrix(user_ids=[learner.pk], course=course)

    assert matrix[learner.pk][module.pk] == 2
    assert outline_done(learner, course)[module.pk] == 2


def test_a_rejected_file_or_a_draft_item_does_not_count(
    learner, cohort, course, assignment, assignment_items
):
    module, submitted, approved = assignment_items
    factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.REJECTED
    )
    draft = factories.ItemFactory(module=module, is_published=False)
    factories.CompletionFactory(user=learner, item=draft)

    assert selectors.completion_matrix(user_ids=[learner.pk], course=course) == {}


def test_a_team_mates_submission_counts_for_every_member(
    learner, other_learner, cohort, course, assignment, assignment_items, team, client_for
):
    module, submitted, approved = assignment_items
    # Oona sends the team's answer; the Submission row names only her.
    factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        experiment=team,
        status=Submission.Status.APPROVED,
    )

    matrix = selectors.completion_matrix(user_ids=[learner.pk, other_learner.pk], course=course)
    assert matrix[other_learner.pk][module.pk] == 2
    assert matrix[learner.pk][module.pk] == 2
    assert outline_done(other_learner, course)[module.pk] == 2

    page = client_for(other_learner).get(reverse("courses:detail", args=[course.pk]))
    states = {item.pk: item.state for item in page.context["outline"].items}
    assert states[submitted.pk] == states[approved.pk] == "done"


def test_someone_outside_the_team_gets_nothing_from_it(
    learner, cohort, course, assignment, assignment_items, team
):
    module, _submitted, _approved = assignment_items
    stranger = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=stranger)
    factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        experiment=team,
        status=Submission.Status.APPROVED,
    )
    matrix = selectors.completion_matrix(user_ids=[stranger.pk], course=course)
    assert matrix == {}


def _learners(cohort, course, assignment, n):
    ids = []
    for _ in range(n):
        user = factories.UserFactory()
        factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
        factories.SubmissionFactory(
            assignment=assignment, cohort=cohort, learner=user, status=Submission.Status.APPROVED
        )
        for item in Item.objects.filter(module__course=course)[:3]:
            factories.CompletionFactory(user=user, item=item)
        ids.append(user.pk)
    return ids


@pytest.mark.parametrize("n", [10, 100])
def test_the_heatmap_is_one_query_for_any_cohort_size(
    n, cohort, course, assignment, assignment_items, django_assert_max_num_queries
):
    ids = _learners(cohort, course, assignment, n)
    for m in range(3):  # and a larger course
        module = factories.ModuleFactory(course=course, position=10 + m)
        for i in range(20):
            factories.ItemFactory(module=module, position=i)

    with django_assert_max_num_queries(1):
        matrix = selectors.completion_matrix(user_ids=ids, course=course)

    assert len(matrix) == n
    assert all(sum(row.values()) == 5 for row in matrix.values())


# --- an approval issues the certificates of the whole team ------------------------------------


def test_an_approval_issues_every_team_members_certificate_after_commit(
    learner,
    other_learner,
    instructor,
    cohort,
    course,
    assignment,
    items,
    team,
    django_capture_on_commit_callbacks,
):
    course.completion_assignments.add(assignment)
    for person in (learner, other_learner):
        for item in items:
            services.item_complete(user=person, item=item)
    submission = workshop_services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=team, text="Vastaus"
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert not Certificate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workshop_services.submission_review(
            submission=submission, reviewer=instructor, decision="approve", feedback="Hyvä."
        )
        assert not Certificate.objects.exists()  # nothing before commit

    assert callbacks
    issued = Certificate.objects.filter(course=course, status=Certificate.Status.ISSUED)
    assert set(issued.values_list("user_id", flat=True)) == {learner.pk, other_learner.pk}


def test_the_team_check_task_is_idempotent(
    learner, other_learner, cohort, course, assignment, items, team
):
    course.completion_assignments.add(assignment)
    for person in (learner, other_learner):
        for item in items:
            services.item_complete(user=person, item=item)
    submission = factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        experiment=team,
        status=Submission.Status.APPROVED,
    )
    from courses import tasks

    assert tasks.submission_completion_check(submission.pk) == 2
    assert tasks.submission_completion_check(submission.pk) == 2
    assert Certificate.objects.filter(course=course).count() == 2
    assert tasks.submission_completion_check(999_999) == 0


def test_a_revision_request_issues_nothing(
    learner, instructor, cohort, course, assignment, items, team
):
    course.completion_assignments.add(assignment)
    for item in items:
        services.item_complete(user=learner, item=item)
    submission = workshop_services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=team, text="Vastaus"
    )
    workshop_services.submission_review(
        submission=submission, reviewer=instructor, decision="revise", feedback="Tarkenna."
    )
    assert not Certificate.objects.exists()


def test_submitting_the_last_required_assignment_issues_the_teams_certificates(
    learner,
    other_learner,
    cohort,
    course,
    assignment,
    items,
    team,
    django_capture_on_commit_callbacks,
):
    factories.ItemFactory(
        module=course.modules.order_by("position").first(),
        kind=Item.Kind.ASSIGNMENT,
        assignment=assignment,
        completion_rule=Item.Rule.SUBMITTED,
        position=10,
    )
    for person in (learner, other_learner):
        for item in items:
            services.item_complete(user=person, item=item)
    assert not Certificate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        workshop_services.submission_submit(
            learner=learner, assignment=assignment, cohort=cohort, experiment=team, text="Vastaus"
        )

    issued = Certificate.objects.filter(course=course, status=Certificate.Status.ISSUED)
    assert set(issued.values_list("user_id", flat=True)) == {learner.pk, other_learner.pk}
