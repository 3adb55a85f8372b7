import pytest

from courses.models import Item


@pytest.fixture
def modules(course):
    return list(course.modules.order_by("position"))


@pytest.fixture
def items(course):
    """The course's nine items in course order."""
    return list(
        Item.objects.filter(module__course=course).order_by(
            "module__position", "module__pk", "position", "pk"
        )
    )
