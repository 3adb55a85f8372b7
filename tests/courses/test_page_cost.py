"""The learner pages' queries compiled once (core/prepared.py): the same rows, access and
flags as the ORM's querysets, for each person in turn, and nothing baked into the SQL. The
mechanism's own checks (a builder that reads the database, an argument that never reaches the
SQL) are tested in tests/core/test_prepared.py."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core import prepared
from core.access import has_role
from courses import selectors
from courses.access import get_course_for_user, get_item_for_user, is_course_author, staff_here
from courses.models import Item
from learners.access import cohorts_for
from learners.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(course):
    return list(Item.objects.filter(module__course=course).order_by("pk"))


@pytest.fixture
def author(course):
    person = factories.UserFactory()
    course.authors.add(person)
    return person


def _fresh(user):
    """The person as a new request loads them (no cached author checks or roles)."""
    return type(user).objects.get(pk=user.pk)


def test_the_course_check_says_what_the_separate_checks_say(
    course, cohort, learner, instructor, coordinator, author, superuser
):
    elsewhere = factories.UserFactory()  # coordinates a cohort of another course only
    factories.MembershipFactory(
        cohort=factories.CohortFactory(), user=elsewhere, role=Membership.Role.COORDINATOR
    )
    factories.MembershipFactory(cohort=cohort, user=elsewhere, role=Membership.Role.LEARNER)
    for person in (learner, instructor, coordinator, author, superuser, elsewhere, learner):
        loaded = get_course_for_user(_fresh(person), course.pk)
        assert loaded == course
        check = _fresh(person)
        coordinates, teaches = staff_here(loaded)
        assert coordinates == (
            has_role(check, Membership.Role.COORDINATOR)
            and cohorts_for(check, Membership.Role.COORDINATOR).filter(course=course).exists()
        ), person
        assert teaches == (
            has_role(check, Membership.Role.INSTRUCTOR)
            and cohorts_for(check, Membership.Role.INSTRUCTOR).filter(course=course).exists()
        ), person
    assert staff_here(get_course_for_user(_fresh(coordinator), course.pk)) == (True, False)
    assert staff_here(get_course_for_user(_fresh(instructor), course.pk)) == (False, True)
    assert staff_here(get_course_for_user(_fresh(elsewhere), course.pk)) == (False, False)


def test_the_course_check_answers_the_author_check(course, learner, author, superuser):
    for person, expected in ((learner, False), (author, True), (superuser, True)):
        person = _fresh(person)
        get_course_for_user(person, course.pk)
        with CaptureQueriesContext(connection) as queries:
            assert is_course_author(person, course) is expected
        assert len(queries) == 0
        assert is_course_author(_fresh(person), course) is expected  # as read on its own


@pytest.fixture
def stranger(db):
    """A learner of a cohort of another course."""
    person = factories.UserFactory()
    factories.MembershipFactory(cohort=factories.CohortFactory(), user=person)
    return person


def test_nobody_outside_the_course_gets_it(course, stranger, learner):
    from django.http import Http404

    with pytest.raises(Http404):
        get_course_for_user(_fresh(stranger), course.pk)
    assert get_course_for_user(_fresh(learner), course.pk) == course  # the same SQL, other ids
    with pytest.raises(Http404):
        get_course_for_user(_fresh(learner), 2**70)  # no column holds such an id


def test_the_item_check_keeps_drafts_for_authors(course, items, learner, author, stranger):
    from django.http import Http404

    draft = items[1]
    draft.is_published = False
    draft.save()
    assert get_item_for_user(_fresh(learner), items[0].pk) == items[0]
    with pytest.raises(Http404):
        get_item_for_user(_fresh(learner), draft.pk)
    with pytest.raises(Http404):
        get_item_for_user(_fresh(stranger), items[0].pk)
    person = _fresh(author)
    found = get_item_for_user(person, draft.pk)
    assert found == draft
    with CaptureQueriesContext(connection) as queries:
        assert found.module.course == course  # the module and course came with it
        assert is_course_author(person, course) is True
        assert found.body == draft.body  # the lesson's own text is read whole
    assert len(queries) == 0


def test_the_outline_rows_equal_the_orms(course, cohort, learner, items):
    selectors.course_outline(user=learner, course=course)  # compiled with the first learner
    other = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=other)
    factories.CompletionFactory(user=other, item=items[0])
    outline = selectors.course_outline(user=other, course=course)
    expected = {i.pk: i for i in Item.objects.filter(module__course=course)}
    assert [i.pk for i in outline.items] == sorted(
        expected, key=lambda pk: (expected[pk].module.position, expected[pk].position, pk)
    )
    for item in outline.items:
        original = expected[item.pk]
        for name in ("title_fi", "title_sv", "title_en", "kind", "minutes", "is_published"):
            assert getattr(item, name) == getattr(original, name)
        assert type(item.is_done) is bool
        assert type(item.is_published) is bool
        assert item.is_done is (item.pk == items[0].pk)
        assert item.body == original.body  # a field the outline leaves out is read on demand
    modules = {m.pk: m for m in outline.modules}
    with CaptureQueriesContext(connection) as queries:
        for item in outline.items:
            assert item.module is modules[item.module_id]  # the annotated module
            assert item.module.item_count == len(modules[item.module_id].item_list)
    assert len(queries) == 0


def test_a_title_follows_the_language_of_the_request(course, learner, items):
    items[0].title_sv = "Nätverksledning"
    items[0].save()
    outline = selectors.course_outline(user=learner, course=course)
    first = next(i for i in outline.items if i.pk == items[0].pk)
    assert first.title == items[0].title_fi
    with translation.override("sv"):
        assert first.title == "Nätverksledning"
        swedish = selectors.course_outline(user=learner, course=course)
        assert next(i for i in swedish.items if i.pk == items[0].pk).title == "Nätverksledning"
    with translation.override("en"):
        english = selectors.course_outline(user=learner, course=course)
        # No English text: the Finnish one, as modeltranslation falls back.
        assert next(i for i in english.items if i.pk == items[0].pk).title == items[0].title_fi


def test_a_moment_is_bound_as_the_backend_binds_it(cohort, learner):
    from workshops.models import WorkshopSession
    from workshops.sessions import sessions_for_learner

    workshop = factories.WorkshopFactory(course=cohort.course)
    now = datetime.datetime(2026, 5, 4, 12, 0, tzinfo=datetime.UTC)
    for day in (-2, 1, 3):
        starts = now + datetime.timedelta(days=day)
        WorkshopSession.objects.create(
            workshop=workshop,
            cohort=cohort,
            title=f"Päivä {day}",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
        )

    def build(user_id, moment):
        return sessions_for_learner(learner.__class__(pk=user_id)).filter(ends_at__gte=moment)

    for moment in (now, now + datetime.timedelta(days=2), now - datetime.timedelta(days=5)):
        found = prepared.objects(
            WorkshopSession, ("test_moment",), build, user_id=learner.pk, moment=moment
        )
        assert found == list(build(learner.pk, moment)), moment


def test_the_pages_open_for_their_people(client_for, course, items, learner, author):
    for person in (learner, author):
        client = client_for(person)
        assert client.get(reverse("courses:detail", args=[course.pk])).status_code == 200
        assert client.get(reverse("courses:item", args=[items[0].pk])).status_code == 200
    outsider = client_for(factories.UserFactory())
    assert outsider.get(reverse("courses:detail", args=[course.pk])).status_code == 404
    assert outsider.get(reverse("courses:item", args=[items[0].pk])).status_code == 404
    huge = reverse("courses:item", args=[2**70])
    assert client_for(learner).get(huge).status_code == 404
