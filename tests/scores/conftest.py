"""Builders for the scores tests: a cohort with knowledge checks, a rubric-scored workshop
phase, completions and certificates for any number of learners."""

import datetime
import secrets

import pytest
from django.utils import timezone

from courses.models import Certificate, Completion, Item, QuizAttempt
from demo.builders.workshops import seed_rubrics
from learners.models import Membership
from tests import factories
from tests.courses.factories import make_quiz
from workshops.models import Review, ReviewScore, RubricCriterion, Submission

NOW = timezone.now()


def issue_certificate(user, course, *, when=NOW):
    return Certificate.objects.create(
        user=user,
        course=course,
        code=secrets.token_hex(8),
        status=Certificate.Status.ISSUED,
        issued_at=when,
        learner_name=user.get_full_name(),
        course_title=course.title,
    )


def review_with_rubric(submission, reviewer, points, decision=Review.Decision.APPROVE):
    """A review row with one score per criterion of the phase, each worth `points`."""
    review = Review.objects.create(
        submission=submission, reviewer=reviewer, decision=decision, feedback="Hyvä."
    )
    criteria = RubricCriterion.objects.filter(
        workshop=submission.assignment.workshop, phase=submission.assignment.phase
    )
    ReviewScore.objects.bulk_create(
        ReviewScore(
            review=review, criterion=c, criterion_title=c.title, points=points, level_label="x"
        )
        for c in criteria
    )
    return review


def populate(cohort, reviewer, *, learners, checks, organisation=None):
    """`learners` learners with a best result at each of `checks` checks, a reviewed phase 1,
    a phase 2 waiting, one lesson done and every other one holding a certificate."""
    course = cohort.course
    module = course.modules.order_by("position").first()
    items = list(Item.objects.filter(module__course=course, kind=Item.Kind.QUIZ))
    for i in range(len(items), checks):
        items.append(make_quiz(module, title=f"Visa {i}")[0])
    workshop = course.workshops.first() or factories.WorkshopFactory(course=course)
    if not RubricCriterion.objects.filter(workshop=workshop).exists():
        seed_rubrics(workshop)
    first = workshop.assignments.filter(phase=1).first() or factories.AssignmentFactory(
        workshop=workshop, phase=1
    )
    second = workshop.assignments.filter(phase=2).first() or factories.AssignmentFactory(
        workshop=workshop, phase=2
    )
    lesson = module.items.exclude(kind=Item.Kind.QUIZ).first()
    organisation = organisation or factories.OrganisationFactory()
    people = []
    for n in range(learners):
        user = factories.UserFactory(organisation=organisation)
        factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
        QuizAttempt.objects.bulk_create(
            QuizAttempt(user=user, item=item, number=1, score=50 + n % 50, submitted_at=NOW)
            for item in items
        )
        done = factories.SubmissionFactory(
            cohort=cohort, learner=user, assignment=first, status=Submission.Status.APPROVED
        )
        review_with_rubric(done, reviewer, 2)
        factories.SubmissionFactory(cohort=cohort, learner=user, assignment=second)
        Completion.objects.create(user=user, item=lesson)
        if n % 2 == 0:
            issue_certificate(user, course, when=NOW - datetime.timedelta(days=1))
        people.append(user)
    return people


@pytest.fixture
def build():
    return populate
