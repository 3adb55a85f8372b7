"""Omat tulokset reads as many queries for a learner in three cohorts as in one: the columns
and the learner's row of every cohort are read at once, not cohort by cohort."""

import re

import pytest
from django.urls import reverse

from courses.models import Item, QuizAttempt
from learners.models import Membership
from tests import factories
from tests.scores.conftest import NOW, issue_certificate, populate, review_with_rubric
from workshops.models import Submission

pytestmark = pytest.mark.django_db


def course_with_cohort(n):
    course = factories.CourseFactory(title=f"Kurssi {n}")
    module = factories.ModuleFactory(course=course, position=0)
    factories.ItemFactory(module=module, position=0)
    return factories.CohortFactory(course=course, name=f"Ryhmä {n}")


def join_with_results(cohort, person, reviewer, points):
    """`person` learns in `cohort` with a check taken, phase 1 reviewed with `points` a
    criterion and a certificate (the other learner lays out the checks and the workshop)."""
    populate(cohort, reviewer, learners=1, checks=1)
    factories.MembershipFactory(cohort=cohort, user=person, role=Membership.Role.LEARNER)
    check = Item.objects.get(module__course=cohort.course, kind=Item.Kind.QUIZ)
    QuizAttempt.objects.create(user=person, item=check, number=1, score=77, submitted_at=NOW)
    first = cohort.course.workshops.get().assignments.get(phase=1)
    sent = factories.SubmissionFactory(
        cohort=cohort, learner=person, assignment=first, status=Submission.Status.APPROVED
    )
    review_with_rubric(sent, reviewer, points)
    issue_certificate(person, cohort.course)


def test_my_results_reads_as_many_queries_in_three_cohorts_as_in_one(
    client_for, instructor, django_assert_num_queries
):
    person = factories.UserFactory(first_name="Oona", last_name="Oppija")
    join_with_results(course_with_cohort(1), person, instructor, 1)
    client = client_for(person)
    url = reverse("scores:mine")
    client.get(url)  # warm the per-process caches (content types, sessions)
    # The session and the person (2), her cohorts (1), the columns of every cohort: checks,
    # modules, marking settings and phases (4); her rows in every cohort: quiz attempts (1),
    # her teams, read once for the versions and the reviews, and the versions (2), the
    # reviews, their scores and rubric levels (3), modules done (1) and certificates (1). (16
    # while the reviews read her teams again.)
    with django_assert_num_queries(15):
        one = client.get(url).content.decode()
    assert one.count('data-testid="own-scores"') == 1
    join_with_results(course_with_cohort(2), person, instructor, 2)
    join_with_results(course_with_cohort(3), person, instructor, 3)
    with django_assert_num_queries(15):
        three = client.get(url).content.decode()
    assert three.count('data-testid="own-scores"') == 3
    assert three.count(f'data-learner="{person.pk}"') == 3
    for n in (1, 2, 3):
        assert f"Kurssi {n}" in three
    assert three.count('data-testid="check-score"') == 3
    # Each cohort shows its own rubric total (1, 2 and 3 points a criterion).
    points = re.findall(r'data-testid="phase-points">(\d+) / (\d+)<', three)
    assert len(points) == 3
    assert len({most for _given, most in points}) == 1
    given = sorted(int(g) for g, _most in points)
    assert given == [given[0], 2 * given[0], 3 * given[0]]
