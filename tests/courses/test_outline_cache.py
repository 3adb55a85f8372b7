"""The course outline keeps its module list rendered (courses/templatetags/outline.py) under a
digest of what it shows: every change a learner or an author makes shows at once, and no
learner ever sees another's states."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from courses.models import Completion, Item, ReleaseExtension
from courses.templatetags.outline import item_kind, item_url, module_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cold_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def items(course):
    return list(
        Item.objects.filter(module__course=course).order_by(
            "module__position", "module__pk", "position", "pk"
        )
    )


def states(html: str) -> dict[int, str]:
    """{item id: its state} as the outline shows them."""
    return {
        int(pk): state
        for pk, state in re.findall(
            r'data-testid="outline-item" data-item="(\d+)" data-state="(\w+)"', html
        )
    }


def outline(client, course) -> str:
    response = client.get(reverse("courses:detail", args=[course.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_item_marked_done_shows_done_at_once_after_the_outline_was_kept(
    client_for, learner, course, items
):
    client = client_for(learner)
    assert states(outline(client, course))[items[0].pk] == "available"
    response = client.post(reverse("courses:item_complete", args=[items[0].pk]))
    assert response.status_code == 302
    assert states(outline(client, course))[items[0].pk] == "done"
    client.post(reverse("courses:item_complete", args=[items[0].pk]), {"undo": "1"})
    assert states(outline(client, course))[items[0].pk] == "available"


def test_a_change_written_outside_the_views_shows_at_once(client_for, learner, course, items):
    """Nothing has to invalidate the kept fragment: a row written by a task, the admin or a
    service nobody told about the cache changes what is shown, and so the key."""
    client = client_for(learner)
    outline(client, course)
    Completion.objects.create(user=learner, item=items[1])
    Item.objects.filter(pk=items[2].pk).update(title="Verkostojohtamisen perusteet")
    html = outline(client, course)
    assert states(html)[items[1].pk] == "done"
    assert "Verkostojohtamisen perusteet" in html


def test_a_module_opening_later_for_one_learner_shows_locked_for_them_only(
    client_for, learner, other_learner, cohort, course, items
):
    """Two learners at the same point share the fragment; an extension for one changes theirs."""
    module = items[0].module
    module.unlock_after_days = 0
    module.save()
    assert states(outline(client_for(other_learner), course))[items[0].pk] == "available"
    ReleaseExtension.objects.create(user=learner, module=module, days=10_000)
    assert states(outline(client_for(learner), course))[items[0].pk] == "locked"
    assert states(outline(client_for(other_learner), course))[items[0].pk] == "available"


def test_two_learners_never_see_each_others_progress(
    client_for, learner, other_learner, course, items
):
    Completion.objects.create(user=learner, item=items[0])
    assert states(outline(client_for(learner), course))[items[0].pk] == "done"
    assert states(outline(client_for(other_learner), course))[items[0].pk] == "available"


def test_the_kept_outline_follows_the_language(client_for, learner, course, items):
    client = client_for(learner)
    with translation.override("fi"):
        finnish = outline(client, course)
    client.post(reverse("core:set_language"), {"language": "en", "next": "/"})
    english = outline(client, course)
    with translation.override("en"):
        label = str(item_kind(items[0].kind))
    assert f"{label} · " in english
    assert english != finnish


def test_the_loop_filters_give_what_url_and_get_kind_display_give(items):
    item = items[0]
    assert item_url(item.pk) == reverse("courses:item", args=[item.pk])
    assert module_url(item.module_id) == reverse("courses:module", args=[item.module_id])
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            for kind, _label in Item.Kind.choices:
                assert item_kind(kind) == str(Item(kind=kind).get_kind_display())
