"""The outline, a module page, a lesson and the dashboard cost the same number of queries for a
course of 10 or 300 items and a cohort of 10 or 1,000 learners, with every release rule on."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import User
from courses.models import Completion, Item, Module, QuizAttempt, ReleaseExtension
from learners.models import Membership
from workshops.models import Submission

pytestmark = pytest.mark.django_db


def grow(course, cohort, learner, assignment, *, items, learners):
    """Bring the course to `items` items in modules of ten, with rules of every kind, and the
    cohort to `learners` learners who have all done some of it."""
    existing = Item.objects.filter(module__course=course).count()
    position = course.modules.count()
    while existing < items:
        module = Module.objects.create(
            course=course,
            position=position,
            title=f"Moduuli {position}",
            sequential=position % 2 == 0,
            unlock_after_days=position if position % 3 == 0 else None,
        )
        module.prerequisites.add(course.modules.order_by("position").first())
        Item.objects.bulk_create(
            Item(
                module=module,
                position=i,
                title=f"Kohta {position}.{i}",
                kind=[Item.Kind.PAGE, Item.Kind.QUIZ, Item.Kind.ASSIGNMENT][i % 3],
                completion_rule=[Item.Rule.MANUAL, Item.Rule.QUIZ_PASSED, Item.Rule.APPROVED][
                    i % 3
                ],
                assignment=assignment if i % 3 == 2 else None,
            )
            for i in range(10)
        )
        ReleaseExtension.objects.create(module=module, user=learner, days=1)
        existing += 10
        position += 1
    current = Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER).count()
    new_users = User.objects.bulk_create(
        User(email=f"bulk{current + n}-{cohort.pk}@example.fi") for n in range(learners - current)
    )
    Membership.objects.bulk_create(
        Membership(cohort=cohort, user=u, role=Membership.Role.LEARNER) for u in new_users
    )
    all_items = list(Item.objects.filter(module__course=course))
    first = course.modules.order_by("position").first()
    Completion.objects.bulk_create(
        [Completion(user=u, item=i) for u in new_users for i in all_items[:3]]
        + [Completion(user=learner, item=i) for i in all_items[::4]]
        # The first module complete: the prerequisite of the rest.
        + [Completion(user=learner, item=i) for i in all_items if i.module_id == first.pk],
        ignore_conflicts=True,
    )
    quizzes = [i for i in all_items if i.kind == Item.Kind.QUIZ]
    QuizAttempt.objects.bulk_create(
        (QuizAttempt(user=learner, item=q, number=1, score=0, passed=False) for q in quizzes),
        ignore_conflicts=True,
    )
    Submission.objects.get_or_create(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        version=1,
        defaults={"text": "Vastaus", "status": Submission.Status.RECEIVED},
    )


# The queries each page takes, exactly, for a small or a large course. Every page starts with
# the session and the learner read with the navigation's roles and unread badge (2, one query
# fewer since the navigation came with the person's row); "(N allowed before)" is what the
# budget allowed when it had slack.
PAGES = {
    # + the course with its author (1), the cohort (1), modules, items, prerequisites,
    # extensions (4), the learner's certificate (1). (12 allowed before.)
    "outline": 9,
    # + the module (1), its course (1), the cohort (1), modules, items, prerequisites,
    # extensions (4); no certificate. (12 allowed before.)
    "module": 9,
    # + the item (1), then the lock check and the sidebar's outline share one read of the
    # cohort, modules, items, prerequisites and extensions (5). (15 allowed before, when the
    # sidebar read its own outline.)
    "item": 8,
    # the dashboard's own count (10, tests/test_query_counts.py) + "continue" respecting the
    # release rules of this course (prerequisites, extensions: 2). (14 allowed before.)
    "dashboard": 12,
}


def url_for(page, course):
    first_module = course.modules.order_by("position").first()
    return {
        "outline": reverse("courses:detail", args=[course.pk]),
        "module": reverse("courses:module", args=[first_module.pk]),
        "item": reverse("courses:item", args=[first_module.items.first().pk]),
        "dashboard": reverse("core:home"),
    }[page]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_costs_the_same_for_a_small_and_a_large_course(
    client_for, learner, cohort, course, assignment, page, django_assert_num_queries
):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=4)
    cohort.save()
    client = client_for(learner)
    grow(course, cohort, learner, assignment, items=10, learners=10)
    url = url_for(page, course)
    with django_assert_num_queries(PAGES[page], info="10 items, 10 learners"):
        assert client.get(url).status_code == 200
    grow(course, cohort, learner, assignment, items=300, learners=1000)
    assert Item.objects.filter(module__course=course).count() >= 300
    with django_assert_num_queries(PAGES[page], info="300 items, 1,000 learners"):
        response = client.get(url)
    assert response.status_code == 200
    if page == "outline":
        states = {i.state for i in response.context["outline"].items}
        assert states == {"locked", "available", "in_progress", "done"}
