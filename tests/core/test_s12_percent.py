"""Percentages are written the reader's way: "33 %" in Finnish and Swedish, with a no-break
space so the sign never wraps onto a line of its own, and "33%" in English; on the learner's
pages, the staff's cohort pages (the cohort page's progress section is kept rendered) and the
knowledge check alike."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from core.templatetags.alueagentti import percent
from courses import services
from courses.models import Item

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "value", "written"),
    [
        ("fi", 33, f"33{NBSP}%"),
        ("sv", 100, f"100{NBSP}%"),
        ("en", 33, "33%"),
        ("en", 0, "0%"),
        ("fi", None, "–"),
    ],
)
def test_the_filter_writes_a_percentage_as_the_language_does(language, value, written):
    with translation.override(language):
        assert percent(value) == written
        html = Template("{% load alueagentti %}<b>{{ v|percent }}</b>").render(
            Context({"v": value})
        )
        assert html == f"<b>{written}</b>"


def speak(user, language):
    user.language = language
    user.save(update_fields=["language"])


def label(html, element_id):
    found = re.search(rf'id="{element_id}">(.*?)</p>', html, re.S)
    assert found, element_id
    return found.group(1)


@pytest.fixture
def three_done(course, learner):
    """The learner has done three of the course's nine items: 33 %."""
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    for item in items[:3]:
        services.item_complete(user=learner, item=item)
    return items


def test_the_learner_reads_their_progress_the_way_their_language_writes_it(
    client_for, course, learner, three_done
):
    client = client_for(learner)
    course_url = reverse("courses:detail", args=[course.pk])
    home = reverse("core:home")
    finnish = label(client.get(course_url).content.decode(), "course-progress-label")
    assert f"(33{NBSP}%)" in finnish
    card = label(client.get(home).content.decode(), f"progress-label-{course.pk}")
    assert f"(33{NBSP}%)" in card

    speak(learner, "en")
    english = label(client.get(course_url).content.decode(), "course-progress-label")
    assert "(33%)" in english
    assert f"{NBSP}%" not in english
    card = label(client.get(home).content.decode(), f"progress-label-{course.pk}")
    assert "(33%)" in card

    speak(learner, "sv")
    swedish = label(client.get(course_url).content.decode(), "course-progress-label")
    assert f"(33{NBSP}%)" in swedish


def test_the_cohort_pages_write_the_readers_percentages_each_in_its_own_language(
    client_for, cohort, coordinator, learner, three_done
):
    client = client_for(coordinator)
    url = reverse("learners:cohort_detail", args=[cohort.pk])

    def table():
        html = client.get(url, {"view": "table"}).content.decode()
        row = re.search(r'<tr data-learner="oona@example.fi">.*?</tr>', html, re.S)
        assert row
        return row.group(0)

    # Module 1 done (3 of 3), 3 of 9 in all.
    finnish = table()
    assert f"(100{NBSP}%)" in finnish
    assert f'<td class="text-nowrap">33{NBSP}%</td>' in finnish
    grid = client.get(url).content.decode()
    assert f'<td class="text-nowrap">33{NBSP}%</td>' in grid

    # The progress section is kept rendered: the English one is its own, not the Finnish one.
    speak(coordinator, "en")
    english = table()
    assert "(100%)" in english
    assert '<td class="text-nowrap">33%</td>' in english
    assert f"{NBSP}%" not in english
    dashboard = client.get(reverse("learners:dashboard", args=[cohort.pk])).content.decode()
    assert 'data-testid="figure-percent">33%<' in dashboard

    # And back: the Finnish section kept before is as it was.
    speak(coordinator, "fi")
    assert table() == finnish
    dashboard = client.get(reverse("learners:dashboard", args=[cohort.pk])).content.decode()
    assert f'data-testid="figure-percent">33{NBSP}%<' in dashboard


def test_the_knowledge_checks_pass_mark_is_written_the_readers_way(client_for, learner, three_done):
    check = three_done[3]
    Item.objects.filter(pk=check.pk).update(
        kind=Item.Kind.QUIZ, pass_mark=80, completion_rule=Item.Rule.QUIZ_PASSED
    )
    client = client_for(learner)
    url = reverse("courses:item", args=[check.pk])
    assert f"80{NBSP}%." in client.get(url).content.decode()
    speak(learner, "en")
    english = client.get(url).content.decode()
    assert "80%." in english
    assert f"80{NBSP}%" not in english
    assert "80 %" not in english
