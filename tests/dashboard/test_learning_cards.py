"""The dashboard's course card and the outline count from the items they read
(courses.selectors.modules_and_items, its SQL compiled once): the same numbers and the same
next item as modules_with_progress and next_item, for each learner and course in turn."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import selectors, services
from courses.models import Item
from tests import factories
from workshops.models import Submission

pytestmark = pytest.mark.django_db

COUNTS = ("item_count", "done_count", "required_count", "required_done", "minutes")


def _counts(modules):
    return [(m.pk, *(getattr(m, name) for name in COUNTS)) for m in modules]


@pytest.fixture
def varied(course, cohort, learner, assignment):
    """Drafts, an optional item, minutes, an item done by an approved answer, a sequential
    module and one that opens later."""
    modules = list(course.modules.order_by("position"))
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    items[1].is_required = False
    items[1].minutes = 25
    items[1].save()
    items[2].is_published = False
    items[2].save()
    items[3].assignment = assignment
    items[3].completion_rule = Item.Rule.APPROVED
    items[3].save()
    factories.ModuleFactory(course=course, position=9, is_published=False)
    modules[2].sequential = True
    modules[2].save()
    cohort.start_date = timezone.localdate()
    cohort.save()
    services.item_complete(user=learner, item=items[0])
    factories.SubmissionFactory(
        assignment=assignment, learner=learner, cohort=cohort, status=Submission.Status.APPROVED
    )
    return modules, items


@pytest.mark.parametrize("include_drafts", [False, True])
def test_the_counts_match_the_subqueries_for_each_learner(
    varied, course, cohort, learner, other_learner, include_drafts
):
    other_course = factories.CourseFactory()
    for m in range(2):
        module = factories.ModuleFactory(course=other_course, position=m)
        for i in range(2):
            factories.ItemFactory(module=module, position=i)
    factories.MembershipFactory(
        cohort=factories.CohortFactory(course=other_course), user=other_learner
    )
    # In turn, so that the second and third reads bind other ids into the compiled SQL.
    for person, a_course in (
        (learner, course),
        (other_learner, course),
        (other_learner, other_course),
    ):
        modules, items = selectors.modules_and_items(
            user=person, course=a_course, include_drafts=include_drafts
        )
        expected = list(
            selectors.modules_with_progress(
                user=person, course=a_course, include_drafts=include_drafts
            )
        )
        assert _counts(modules) == _counts(expected)
        done = set(
            selectors.visible_items(include_drafts=include_drafts)
            .filter(module__course=a_course)
            .filter(selectors.item_done_q(person))
            .values_list("pk", flat=True)
        )
        assert {i.pk for i in items if i.is_done} == done
        assert all(type(i.is_done) is bool for i in items)


def test_the_card_continues_where_next_item_says(client, varied, cohort, learner):
    modules, items = varied
    client.force_login(learner)
    expected = selectors.next_item(user=learner, course=cohort.course)
    assert expected == items[1]  # the first not done (item 3 counts by the approved answer)
    page = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("courses:item", args=[expected.pk])}" data-testid="course-next"' in page
    # The first module done and the second not open yet: the sequential third waits too.
    services.item_complete(user=learner, item=items[1])
    modules[1].unlock_after_days = 30
    modules[1].save()
    assert cohort.start_date + datetime.timedelta(days=30) > timezone.localdate()
    assert selectors.next_item(user=learner, course=cohort.course) is None
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="course-next"' not in page
    # Open again: the second module's first item not done (the third is done by the answer).
    modules[1].unlock_after_days = None
    modules[1].save()
    expected = selectors.next_item(user=learner, course=cohort.course)
    assert expected == items[4]
    page = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("courses:item", args=[expected.pk])}" data-testid="course-next"' in page
