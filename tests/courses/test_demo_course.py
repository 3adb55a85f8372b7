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
