"""core.prepared: a query compiled once per process gives, for every later set of ids, the rows
the ORM's own queryset gives (select_related rows, deferred fields, annotations, booleans,
moments, prefetches, values_list), and refuses a builder whose SQL would keep something of the
first caller."""

import datetime
import threading
from itertools import count

import pytest
from django.db import connection, connections
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.db.models.signals import post_init
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core import prepared
from courses.models import Completion, Course, Item, Module
from learners.models import Membership
from tests import factories
from workshops.models import WorkshopSession

pytestmark = pytest.mark.django_db

_keys = count()


def _key(name: str) -> tuple[str, int]:
    """A key no other test compiled (the compiled queries live as long as the process)."""
    return (f"test_prepared.{name}", next(_keys))


def _entries(key: tuple[str, int]) -> list[tuple]:
    return [full for full in list(prepared._compiled) if full[3] == key]


@pytest.fixture
def courses(course):
    """The conftest's course (three modules of three items) and a second, smaller one."""
    other = factories.CourseFactory(title="Toinen")
    module = factories.ModuleFactory(course=other, position=0)
    for position in range(2):
        factories.ItemFactory(module=module, position=position, minutes=5 + position)
    return [course, other]


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def test_select_related_rows_equal_the_orms_for_each_course_in_turn(
    courses, django_assert_num_queries
):
    key = _key("select_related")

    def build(course):
        return (
            Item.objects.filter(module__course_id=course)
            .select_related("module__course")
            .order_by("module__position", "position", "pk")
        )

    names = ("pk", "title_fi", "kind", "position", "minutes", "is_published", "body")
    for course in (*courses, courses[0]):
        with django_assert_num_queries(1):
            found = prepared.objects(Item, key, build, course=course.pk)
            # The module and course came in the same row.
            modules = [(i.module.title_fi, i.module.course.title_fi) for i in found]
        expected = list(build(course.pk))
        assert [_fields(i, names) for i in found] == [_fields(i, names) for i in expected]
        assert modules == [(i.module.title_fi, i.module.course.title_fi) for i in expected]
        assert all(i.module.course == course for i in found)
        assert all(not i._state.adding and i._state.db == "default" for i in found)
    assert len(_entries(key)) == 1


def test_fields_left_out_by_only_are_deferred_and_read_on_demand(courses):
    key = _key("only")

    def build(course):
        return Item.objects.filter(module__course_id=course).only("title", "position")

    for course in courses:
        found = sorted(prepared.objects(Item, key, build, course=course.pk), key=lambda i: i.pk)
        expected = sorted(build(course.pk), key=lambda i: i.pk)
        assert [i.get_deferred_fields() for i in found] == [
            i.get_deferred_fields() for i in expected
        ]
        assert "body" in found[0].get_deferred_fields()
        assert [(i.pk, i.title, i.position) for i in found] == [
            (i.pk, i.title, i.position) for i in expected
        ]
        body = expected[0].body
        with CaptureQueriesContext(connection) as queries:
            assert found[0].body == body
        assert len(queries) == 1  # the deferred field, read on demand


def test_annotations_and_booleans_come_as_the_orm_gives_them(courses, learner):
    first = Item.objects.filter(module__course=courses[0]).order_by("pk").first()
    factories.CompletionFactory(user=learner, item=first)
    Item.objects.filter(pk=first.pk).update(is_published=False)
    key = _key("annotations")

    def build(user, course):
        done = Completion.objects.filter(user_id=user, item=OuterRef("pk"))
        return (
            Item.objects.filter(module__course_id=course)
            .annotate(is_done=Exists(done), n_done=Count("completions"))
            .order_by("pk")
        )

    for person, course in ((learner, courses[0]), (factories.UserFactory(), courses[0])):
        found = prepared.objects(Item, key, build, user=person.pk, course=course.pk)
        expected = list(build(person.pk, course.pk))
        assert [(i.pk, i.is_done, i.n_done, i.is_published) for i in found] == [
            (i.pk, i.is_done, i.n_done, i.is_published) for i in expected
        ]
        # Booleans are bools on SQLite too (the backend's converters ran).
        assert all(type(i.is_done) is bool and type(i.is_published) is bool for i in found)
    assert prepared.objects(Item, key, build, user=learner.pk, course=courses[0].pk)[0].is_done


def test_moments_are_bound_as_the_backend_binds_them(cohort, learner):
    workshop = factories.WorkshopFactory(course=cohort.course)
    now = datetime.datetime(2026, 5, 4, 12, 0, 0, 123_456, tzinfo=datetime.UTC)
    for day in (-2, 1, 3):
        starts = now + datetime.timedelta(days=day)
        WorkshopSession.objects.create(
            workshop=workshop,
            cohort=cohort,
            title=f"Päivä {day}",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
        )
    key = _key("moments")

    def build(cohort, moment):
        return WorkshopSession.objects.filter(cohort_id=cohort, ends_at__gte=moment).order_by(
            "starts_at"
        )

    helsinki = datetime.timezone(datetime.timedelta(hours=3))
    moments = (
        now,
        now + datetime.timedelta(days=2),
        now - datetime.timedelta(days=5),
        (now + datetime.timedelta(days=3, hours=2)).astimezone(helsinki),  # the last one's end
    )
    lengths = []
    for moment in moments:
        found = prepared.objects(WorkshopSession, key, build, cohort=cohort.pk, moment=moment)
        expected = list(build(cohort.pk, moment))
        assert [(s.pk, s.starts_at, s.ends_at) for s in found] == [
            (s.pk, s.starts_at, s.ends_at) for s in expected
        ], moment
        assert all(s.ends_at.tzinfo is not None for s in found)
        lengths.append(len(found))
    assert lengths == [2, 1, 3, 1]


def test_a_prefetch_runs_as_the_querysets_prefetch_runs(courses, django_assert_num_queries):
    key = _key("prefetch")

    def build(course):
        return Course.objects.filter(pk=course).prefetch_related(
            Prefetch("modules", queryset=Module.objects.order_by("-position"))
        )

    for course in courses:
        with django_assert_num_queries(2):  # the course, its modules
            found = prepared.objects(Course, key, build, course=course.pk)
            modules = [m.pk for m in found[0].modules.all()]
        assert modules == [m.pk for m in build(course.pk)[0].modules.all()]
        assert len(modules) == course.modules.count()
    with django_assert_num_queries(1):  # no course: no prefetch
        assert prepared.objects(Course, key, build, course=2**40) == []


def test_values_list_rows_equal_the_orms(courses, cohort, learner, other_learner):
    factories.MembershipFactory(cohort=factories.CohortFactory(course=courses[1]), user=learner)
    key = _key("values")

    def build(course):
        return (
            Membership.objects.filter(cohort__course_id=course)
            .values_list("role", "user__is_active")
            .annotate(n=Count("pk"), cohorts=Count("cohort", distinct=True))
            .order_by("role")
        )

    for course in courses:
        found = prepared.values(Membership, key, build, course=course.pk)
        assert found == list(build(course.pk))
        assert all(type(row) is tuple and type(row[1]) is bool for row in found)
    assert found == [("learner", True, 1, 1)]


def test_ordering_columns_the_compiler_adds_are_cut_off(courses, cohort, learner, other_learner):
    key = _key("distinct")

    def build(course):
        return (
            Membership.objects.filter(cohort__course_id=course)
            .values_list("role")
            .distinct()
            .order_by("user__email", "role")
        )

    for course in courses:
        found = prepared.values(Membership, key, build, course=course.pk)
        assert found == list(build(course.pk))
    assert found == []
    # DISTINCT over the role and the ordering's email: two rows, of the role alone.
    assert prepared.values(Membership, key, build, course=courses[0].pk) == [("learner",)] * 2


def test_a_translated_models_values_are_refused(course):
    """modeltranslation reads every language's column for values_list() and picks the text in
    Python: its rows are not the SQL's."""
    with pytest.raises(TypeError, match="values_list"):
        prepared.values(
            Course, _key("fallback"), lambda c: Course.objects.filter(pk=c).values_list("pk"), c=1
        )


def test_a_union_binds_an_argument_in_each_branch(courses, cohort, learner, instructor):
    key = _key("union")

    def build(course, user):
        memberships = Membership.objects.filter(cohort__course_id=course).order_by()
        return (
            memberships.filter(user_id=user)
            .union(memberships.filter(role="instructor").exclude(user_id=user), all=True)
            .order_by("-pk")
        )

    for person, users in ((learner, 2), (instructor, 1), (learner, 2)):
        found = prepared.objects(Membership, key, build, course=courses[0].pk, user=person.pk)
        assert found == list(build(courses[0].pk, person.pk))
        assert [m.pk for m in found] == sorted((m.pk for m in found), reverse=True)
        assert {m.user_id for m in found} == {person.pk, instructor.pk}
        assert len(found) == users
    assert prepared.objects(Membership, key, build, course=courses[1].pk, user=learner.pk) == []


def test_rows_name_their_columns(courses):
    key = _key("rows")

    def build(course):
        return (
            Item.objects.filter(module__course_id=course)
            .only("module", "position")
            .annotate(n=Count("completions"))
            .order_by("pk")
        )

    names, rows = prepared.rows(Item, key, build, course=courses[1].pk)
    assert names == ("id", "module_id", "position", "n")
    assert rows == [
        (i.pk, i.module_id, i.position, 0) for i in Item.objects.filter(module__course=courses[1])
    ]


def test_a_list_of_ids_goes_in_as_numbered_keywords_in_order(courses):
    items = list(Item.objects.order_by("pk"))
    chosen = [items[4].pk, items[0].pk, items[7].pk]

    def build(**ids):
        assert list(ids.values()) != sorted(ids.values())  # as given, not sorted
        return Item.objects.filter(pk__in=list(ids.values())).order_by("pk")

    key = _key("numbered")
    ids = prepared.numbered("i", chosen)
    assert list(ids) == ["i0", "i1", "i2"]
    found = prepared.objects(Item, (*key, len(ids)), build, **ids)
    assert [i.pk for i in found] == sorted(chosen)


def test_a_small_integer_column_keeps_its_lookup(course, courses):
    """Django leaves a lookup out of the SQL when its value is out of the column's range (a
    negative number for a positive small integer): the placeholders are in every range."""
    Course.objects.filter(pk=course.pk).update(min_attendance_percent=80)
    key = _key("small_integer")

    def build(course, percent):
        return Course.objects.filter(pk=course, min_attendance_percent=percent)

    for percent in (80, 0, 79):
        found = prepared.objects(Course, key, build, course=course.pk, percent=percent)
        assert found == list(build(course.pk, percent)), percent
        assert len(found) == (percent == 80)
    # Values no such column holds match nothing, as the ORM answers them (and the database is
    # not asked to bind 40,000 as a small integer).
    for percent in (40_000, -1, 2**70):
        assert list(build(course.pk, percent)) == []
        assert prepared.objects(Course, key, build, course=course.pk, percent=percent) == []


def test_a_constant_equal_to_a_placeholder_stays_a_constant(courses):
    Item.objects.filter(module__course=courses[1], position=0).update(minutes=32_767)
    key = _key("constant")

    def build(course):
        return Item.objects.filter(module__course_id=course).exclude(minutes=32_767)

    for course in courses:
        found = prepared.objects(Item, key, build, course=course.pk)
        assert sorted(i.pk for i in found) == sorted(i.pk for i in build(course.pk))
    assert len(prepared.objects(Item, key, build, course=courses[1].pk)) == 1


def test_a_shape_that_matches_nothing_asks_nothing(courses, django_assert_num_queries):
    def build(course, **ids):
        return Item.objects.filter(module__course_id=course, pk__in=list(ids.values()))

    with django_assert_num_queries(0):
        assert prepared.objects(Item, _key("empty"), build, course=courses[0].pk) == []


def test_two_languages_give_two_compiled_queries(courses):
    first, second = courses
    Course.objects.filter(pk=first.pk).update(title_fi="A-kurssi", title_sv="Ö-kurs")
    Course.objects.filter(pk=second.pk).update(title_fi="B-kurssi", title_sv="B-kurs")
    key = _key("languages")

    def build(a, b):  # modeltranslation orders by the language's column
        return Course.objects.filter(pk__in=[a, b]).order_by("title")

    seen = {}
    for language in ("fi", "sv", "fi"):
        with translation.override(language):
            found = prepared.objects(Course, key, build, a=first.pk, b=second.pk)
            assert found == list(build(first.pk, second.pk))
            seen[language] = [c.title for c in found]
    assert seen == {"fi": ["A-kurssi", "B-kurssi"], "sv": ["B-kurs", "Ö-kurs"]}
    assert sorted(full[1] for full in _entries(key)) == ["fi", "sv"]


class _ReadsFromOther:
    def db_for_read(self, model, **hints):
        return "other"


@pytest.fixture
def other_alias(transactional_db):
    """A second connection ("other") to the test database, made the way a router's extra
    database would be; the rows are committed, so that it sees them."""
    settings_dict = dict(connections["default"].settings_dict)
    other = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "other")
    connections["other"] = other
    try:
        yield "other"
    finally:
        other.close()
        del connections["other"]


def test_another_database_gets_its_own_compiled_query(other_alias, courses, settings):
    key = _key("alias")

    def build(course):
        return Item.objects.filter(module__course_id=course).order_by("pk")

    on_default = prepared.objects(Item, key, build, course=courses[0].pk)
    settings.DATABASE_ROUTERS = [_ReadsFromOther()]
    with (
        CaptureQueriesContext(connections["other"]) as other,
        CaptureQueriesContext(connection) as default,
    ):
        on_other = prepared.objects(Item, key, build, course=courses[0].pk)
    assert len(other) == 1
    assert len(default) == 0
    assert [i.pk for i in on_other] == [i.pk for i in on_default]
    assert {i._state.db for i in on_other} == {"other"}
    assert sorted(full[0] for full in _entries(key)) == ["default", "other"]


def test_threads_meeting_a_new_shape_build_it_once(course):
    key = _key("threads")
    builds = []
    start = threading.Barrier(6)
    errors = []

    def build(course):
        builds.append(course)
        return Item.objects.filter(module__course_id=course)

    def compile_it():
        try:
            start.wait()
            prepared._entry(Item, key, build, {"course": course.pk})
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=compile_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(builds) == 2  # the two builds of one compilation
    assert len(_entries(key)) == 1


def test_a_builder_that_reads_the_database_is_refused(course):
    def build(course):
        ids = list(Course.objects.values_list("pk", flat=True))  # would be kept in the SQL
        return Course.objects.filter(pk__in=[course, *ids])

    with pytest.raises(AssertionError, match="must not read the database"):
        prepared.objects(Course, _key("reads"), build, course=course.pk)
    assert _entries(_key("reads")) == []


def test_an_argument_that_never_reaches_the_sql_is_refused(course):
    with pytest.raises(AssertionError, match="do not reach the SQL"):
        prepared.values(
            Course, _key("unused"), lambda course: Course.objects.values_list("pk"), course=1
        )


def test_an_argument_baked_into_the_sql_is_refused(course):
    with pytest.raises(AssertionError, match="SQL changes with an argument"):
        prepared.objects(Course, _key("slice"), lambda n: Course.objects.all()[:n], n=3)


def test_a_prefetch_that_keeps_an_argument_is_refused(course, learner):
    def build(course, user):
        done = Completion.objects.filter(user_id=user)
        return Item.objects.filter(module__course_id=course).prefetch_related(
            Prefetch("completions", queryset=done)
        )

    with pytest.raises(AssertionError, match="prefetch"):
        prepared.objects(Item, _key("prefetch_arg"), build, course=course.pk, user=learner.pk)


def test_other_arguments_belong_in_the_key(course):
    build = lambda course: Item.objects.filter(is_published=course)  # noqa: E731
    with pytest.raises(TypeError, match="int or a datetime"):
        prepared.objects(Item, _key("bool"), build, course=True)
    with pytest.raises(ValueError, match="timezone-aware"):
        prepared.objects(Item, _key("naive"), build, course=datetime.datetime(2026, 1, 1))  # noqa: DTZ001


def test_each_reader_takes_its_kind_of_query(course):
    with pytest.raises(TypeError, match="values_list"):
        prepared.values(Course, _key("kind"), lambda c: Course.objects.filter(pk=c), c=course.pk)
    with pytest.raises(TypeError, match="model rows"):
        prepared.objects(
            Course, _key("kind"), lambda c: Course.objects.filter(pk=c).values("pk"), c=course.pk
        )


def test_a_model_someone_listens_to_is_built_through_its_init(course):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(listener, sender=Module)
    try:
        found = prepared.objects(
            Module, _key("init"), lambda c: Module.objects.filter(course_id=c), c=course.pk
        )
    finally:
        post_init.disconnect(listener, sender=Module)
    assert sorted(seen) == sorted(m.pk for m in found)
    assert len(found) == 3


def test_rows_read_elsewhere_become_a_prefetched_relation(course, django_assert_num_queries):
    module = Module.objects.filter(course=course).order_by("position").first()
    items = prepared.objects(
        Item, _key("prefetched"), lambda m: Item.objects.filter(module_id=m), m=module.pk
    )
    prepared.prefetched(module, "items", items)
    with django_assert_num_queries(0):
        assert list(module.items.all()) == items
        assert all(i.module is module for i in module.items.all())


def test_the_course_models_rows_are_built_without_their_constructor():
    """courses.translation's constructor rewrites only keyword arguments (none for a row read
    from the database) and says so (plain_init), so the outline's items skip it."""
    assert all(prepared._builds_plainly(model) for model in (Course, Module, Item))


def test_a_statement_runs_inside_another_as_its_rows_would_come(courses, cohort, learner):
    """`statement()` gives the compiled SQL and its bound parameters, for a caller that puts the
    query inside a statement of its own (learners/progress_page.py)."""
    factories.MembershipFactory(cohort=factories.CohortFactory(course=courses[1]), user=learner)
    key = _key("statement")

    def build(course):
        return (
            Membership.objects.filter(cohort__course_id=course)
            .values_list("user_id", "role")
            .order_by("user__email")
        )

    for course in courses:
        sql, params = prepared.statement(Membership, key, build, course=course.pk)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*), MIN(role) FROM ({sql}) inner_rows", params)  # noqa: S608
            assert cursor.fetchone() == (1, "learner")
        assert params.count(course.pk) == 1
    # An id no column holds matches nothing, as the ORM answers it.
    assert prepared.statement(Membership, key, build, course=2**70) is None


def test_a_statement_with_columns_the_compiler_adds_or_of_model_rows_is_refused(course):
    def distinct(c):
        return (
            Membership.objects.filter(cohort__course_id=c)
            .values_list("role")
            .distinct()
            .order_by("user__email")
        )

    with pytest.raises(TypeError, match="adds columns"):
        prepared.statement(Membership, _key("added"), distinct, c=course.pk)
    with pytest.raises(TypeError, match="values_list"):
        prepared.statement(
            Membership, _key("rows"), lambda c: Membership.objects.filter(cohort_id=c), c=1
        )
