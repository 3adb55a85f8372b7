"""The dashboard card counts its items as plain rows (courses.selectors.modules_and_item_rows):
the same modules, counts, items and done flags as modules_and_items, for each learner and
course in turn (the second and third reads bind other ids into the SQL compiled once)."""

import pytest

from courses import selectors
from tests import factories
from tests.dashboard.test_learning_cards import COUNTS, _counts, varied  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_rows_match_the_items(varied, course, learner, other_learner):  # noqa: F811
    other_course = factories.CourseFactory()
    module = factories.ModuleFactory(course=other_course)
    factories.ItemFactory(module=module, position=0)
    for person, a_course in ((learner, course), (other_learner, course), (learner, other_course)):
        modules, items = selectors.modules_and_items(user=person, course=a_course)
        row_modules, rows = selectors.modules_and_item_rows(user=person, course=a_course)
        assert _counts(row_modules) == _counts(modules)
        assert [m.has_prerequisites for m in row_modules] == [m.has_prerequisites for m in modules]
        assert [
            (r.pk, r.module_id, r.position, r.is_required, r.minutes, r.is_done) for r in rows
        ] == [(i.pk, i.module_id, i.position, i.is_required, i.minutes, i.is_done) for i in items]
        assert all(type(r.is_done) is bool and type(r.is_required) is bool for r in rows)
    assert any(r.is_done for r in selectors.modules_and_item_rows(user=learner, course=course)[1])


def test_a_row_as_an_item_equals_the_item(varied, course, learner):  # noqa: F811
    _modules, items = selectors.modules_and_items(user=learner, course=course)
    _modules, rows = selectors.modules_and_item_rows(user=learner, course=course)
    item = rows[0].as_item()
    assert item == items[0]
    assert (item.module_id, item.position, item.is_done) == (
        items[0].module_id,
        items[0].position,
        items[0].is_done,
    )
