"""Discussion fixtures on top of the shared personas (tests/conftest.py): `thread` is a
discussion opened by `learner` in `cohort`; `question` a question asked by `learner` under the
course's first item."""

import pytest

from courses.models import Item
from discussions import services


@pytest.fixture
def item(course):
    return Item.objects.filter(module__course=course).order_by("module__position", "position")[0]


@pytest.fixture
def thread(cohort, learner):
    return services.thread_start(
        cohort=cohort,
        author=learner,
        title="Verkostojen rakentaminen",
        body="<p>Miten kokoatte verkoston kunnassanne?</p>",
    )


@pytest.fixture
def question(cohort, learner, item, instructor):
    return services.thread_start(
        cohort=cohort,
        author=learner,
        title="Mitä hypoteesi tarkoittaa?",
        body="<p>En ymmärrä hypoteesin ja tavoitteen eroa.</p>",
        item=item,
    )
