"""The demo course shows what the issue asks of it: knowledge checks and reflections in at
least two modules, module release rules, and a learner holding a certificate."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q

from courses.models import Certificate, Course, Item

pytestmark = pytest.mark.django_db


def test_the_demo_course_has_checks_reflections_release_rules_and_a_certificate(demo_data):
    course = Course.objects.get(certificates__isnull=False)
    items = Item.objects.filter(module__course=course, is_published=True)

    quiz_modules = set(items.filter(kind=Item.Kind.QUIZ).values_list("module", flat=True))
    reflection_modules = set(
        items.filter(kind=Item.Kind.REFLECTION).values_list("module", flat=True)
    )
    assert len(quiz_modules) >= 2
    assert len(reflection_modules) >= 2
    assert items.filter(kind=Item.Kind.QUIZ, questions__choices__is_correct=True).exists()
    assert course.modules.filter(
        Q(sequential=True) | Q(prerequisites__isnull=False) | Q(unlock_after_days__isnull=False)
    ).exists()
    certificate = Certificate.objects.get(course=course)
    assert certificate.status == Certificate.Status.ISSUED
    assert not certificate.is_revoked
    assert certificate.credential["credentialStatus"]["type"] == "BitstringStatusListEntry"


def test_the_demo_learner_has_reflections_in_her_learning_journal(demo_data):
    from core.models import User
    from courses.models import Completion, Reflection

    oona = User.objects.get(email__startswith="oppija@")
    reflections = Reflection.objects.filter(user=oona)
    assert reflections.count() >= 1
    # Writing a reflection marks it done, as on the page.
    for reflection in reflections:
        assert Completion.objects.filter(user=oona, item=reflection.item).exists()
    call_command("seed_demo", stdout=StringIO())
    assert Reflection.objects.filter(user=oona).count() == reflections.count()


def test_the_demo_course_has_its_first_module_in_swedish(demo_data):
    """demo/content/sv.py: the course and its first module in Swedish, the rest in Finnish."""
    from courses.search import ITEM_INDEX
    from demo.content import sv

    course = Course.objects.get(certificates__isnull=False)
    assert course.title_sv == sv.COURSE["title"]
    first, second = course.modules.order_by("position")[:2]
    assert first.title_sv == sv.MODULES[0]["title"]
    items = list(first.items.order_by("position"))
    assert [i.title_sv for i in items[:3]] == [i["title"] for i in sv.MODULES[0]["items"]]
    assert items[0].body_sv.startswith("<p>Finlands tillväxtkorridor")
    assert not second.title_sv
    found = ITEM_INDEX.search(
        Item.objects.filter(module__course=course), "nätverkskarta", ["fi", "sv"]
    )
    assert items[1] in list(found)
