"""The dashboard's "continue where you left off" respects release rules like the outline."""

import datetime

from django.urls import reverse
from django.utils import timezone

from courses import selectors, services


def finish_module(user, items):
    for item in items:
        services.item_complete(user=user, item=item)


def test_next_item_skips_a_module_that_has_not_opened(learner, cohort, modules, items):
    cohort.start_date = timezone.localdate()
    cohort.save()
    finish_module(learner, items[:3])
    modules[1].unlock_after_days = 30
    modules[1].save()

    found = selectors.next_item(user=learner, course=cohort.course)

    assert found is not None
    assert found.module_id == modules[2].pk  # not the locked module 2's first item
    assert found == items[6]


def test_next_item_is_none_when_everything_left_is_locked(learner, cohort, modules, items):
    finish_module(learner, items[:3])
    for module in modules[1:]:
        module.sequential = True
        module.save()
    modules[2].prerequisites.add(modules[1])
    modules[1].unlock_after_days = 3650
    modules[1].save()
    assert selectors.next_item(user=learner, course=cohort.course) is None


def test_the_dashboard_button_points_to_an_open_item(learner, cohort, modules, items, client_for):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=1)
    cohort.save()
    modules[0].unlock_after_days = 10
    modules[0].save()

    response = client_for(learner).get(reverse("core:home"))

    assert response.status_code == 200
    learning = response.context["learning"][0]
    assert learning["next_item"] == items[3]
    assert f'href="{reverse("courses:item", args=[items[3].pk])}"' in response.content.decode()
    # and the item it points to really opens
    assert client_for(learner).get(reverse("courses:item", args=[items[3].pk])).status_code == 200
    assert client_for(learner).get(reverse("courses:item", args=[items[0].pk])).status_code == 403


def test_next_item_for_someone_who_is_not_a_learner_ignores_locks(instructor, cohort, items):
    assert selectors.next_item(user=instructor, course=cohort.course) == items[0]
