"""Shared fixtures: a course with a cohort and the personas who use it.

Personas: `learner` and `other_learner` study in `cohort`; `instructor` teaches it and
`coordinator` tracks it; `other_instructor` teaches `other_cohort` only; `outsider_learner`
studies in `other_cohort`.
"""

import io
import os

import pytest
from django.core.management import call_command
from django.utils import translation

from learners.models import Membership
from tests import factories
from tests.seed_once import load_once

# The `browser` fixture (Debian's Chromium through Playwright) for every browser test, and the
# local S3 server (`moto_s3`, `s3_bucket`, `s3_storage`) for the tests of private files on S3,
# and the tests' OpenID Connect provider (`oidc_provider`, tests/oidc_provider/).
pytest_plugins = ["tests.browser", "tests.s3_support", "tests.oidc_provider.support"]

STRICT = os.environ.get("ALUEAGENTTI_STRICT_TESTS") == "1"


# Tests that share something with each other beyond their own database: the broker and a real
# Celery worker, Redis, gunicorn nodes, and Chromium with a live server.
BROKER_MARKERS = ("worker", "multinode")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks those tests `serial`. `make test` runs the others on both cores (`-n 2 -m "not
    serial"`), then these in two groups side by side (`-n 2 --dist loadgroup -m serial`): the
    tests of the broker, real workers and gunicorn nodes one after another in one process, the
    browser tests in the other. A real worker consumes whatever reaches its broker, so no two
    broker tests run at once; and no test that leaves state in its process (a paused publisher,
    a patched app) shares a process with them."""
    smoke = config.rootpath / "tests" / "smoke"
    for item in items:
        broker = (
            item.path.is_relative_to(smoke)
            or any(item.get_closest_marker(name) for name in BROKER_MARKERS)
            # A module that starts a real worker is a broker test, marked or not: two workers
            # on one broker would take each other's tasks (and purge each other's queues).
            or getattr(getattr(item, "module", None), "celery_worker", None) is not None
        )
        if broker or item.get_closest_marker("browser"):
            group = "broker" if broker else "browser"
            item.add_marker(pytest.mark.serial)
            item.add_marker(pytest.mark.xdist_group(group))
            if getattr(config.option, "loadgroup", False):
                _join_group(item, group)


def _join_group(item: pytest.Item, group: str) -> None:
    """Put the test in its xdist group: --dist loadgroup keeps the tests whose ids end in the
    same "@<group>" on one worker. pytest-xdist 3.8 appends it by setting `item._nodeid`, which
    pytest 9.2 no longer reads (the id is `item._id`), so its groups silently fell apart and
    real-worker tests ran side by side; this sets the id the way this pytest reads it.
    pytest_collection_finish below fails the run if a group is still not in the ids."""
    if f"@{group}" in item.nodeid:
        return
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(f"{item.nodeid}@{group}")
    else:
        item._nodeid = f"{item.nodeid}@{group}"


def pytest_collection_finish(session: pytest.Session) -> None:
    if not getattr(session.config.option, "loadgroup", False):
        return
    lost = [
        item.nodeid
        for item in session.items
        if (mark := item.get_closest_marker("xdist_group"))
        and f"@{mark.args[0]}" not in item.nodeid
    ]
    if lost:
        raise pytest.UsageError(
            f"{len(lost)} tests lost their xdist group (--dist loadgroup would spread them over "
            f"the workers), for example {lost[0]}"
        )


def skip_or_fail(reason: str) -> None:
    """Skip locally with a reason; in CI (ALUEAGENTTI_STRICT_TESTS=1) a missing piece fails."""
    if STRICT:
        pytest.fail(f"CI needs this test to run: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request leaves its person's language active
    in the process after it (core.middleware.UserLanguageMiddleware, like Django's
    LocaleMiddleware, never resets it: the next request sets its own), and a text set by its
    plain name (`choice.explanation = ...`) goes to the active language's column
    (modeltranslation): after another test had opened a page in English, a test's Finnish
    explanation went to `explanation_en` and its Finnish page showed another one."""
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo_data(db, settings):
    """The whole demo (`seed_demo`) in this test's database. The first test of a process seeds
    it; the next ones get a copy of what that seed wrote (tests/seed_once.py), in milliseconds."""
    # What the seed writes depends on these too (links in certificates and notifications).
    key = f"demo {settings.SITE_URL} {translation.get_language()}"
    load_once(key, lambda: call_command("seed_demo", stdout=io.StringIO()))


@pytest.fixture
def course(db):
    course = factories.CourseFactory(title="Alueagentti")
    for m in range(3):
        module = factories.ModuleFactory(course=course, position=m)
        for i in range(3):
            factories.ItemFactory(module=module, position=i)
    return course


@pytest.fixture
def cohort(course):
    return factories.CohortFactory(course=course, name="Syksy 2026")


@pytest.fixture
def other_cohort(course):
    return factories.CohortFactory(course=course, name="Kevät 2027")


@pytest.fixture
def assignment(course):
    workshop = factories.WorkshopFactory(course=course)
    return factories.AssignmentFactory(workshop=workshop, title="Kuvaa kehittämishaasteesi")


def _member(cohort, role, **user_fields):
    user = factories.UserFactory(**user_fields)
    factories.MembershipFactory(cohort=cohort, user=user, role=role)
    return user


@pytest.fixture
def learner(cohort):
    return _member(cohort, Membership.Role.LEARNER, email="oona@example.fi", first_name="Oona")


@pytest.fixture
def other_learner(cohort):
    return _member(cohort, Membership.Role.LEARNER, email="olli@example.fi", first_name="Olli")


@pytest.fixture
def outsider_learner(other_cohort):
    return _member(other_cohort, Membership.Role.LEARNER, email="ulla@example.fi")


@pytest.fixture
def instructor(cohort):
    return _member(cohort, Membership.Role.INSTRUCTOR, email="ohjaaja@example.fi")


@pytest.fixture
def other_instructor(other_cohort):
    return _member(other_cohort, Membership.Role.INSTRUCTOR, email="toinen@example.fi")


@pytest.fixture
def coordinator(cohort):
    return _member(cohort, Membership.Role.COORDINATOR, email="koordinaattori@example.fi")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(email="admin@example.fi", is_superuser=True, is_staff=True)


@pytest.fixture
def client_for(client):
    """Return a test client signed in as the given person."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
