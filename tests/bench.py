"""`make bench`: time the busiest pages on a cohort of realistic size.

`BENCH_LEARNERS` (default 1,000) and `BENCH_ROUNDS` (default 15) change the size and the rounds.

Builds a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL says so),
fills one cohort with many learners, completions and submissions, and reports the median
time and the query count of each page. Timings live here, never in the test suite.
"""

import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


def build() -> dict[str, object]:
    from courses.models import Item
    from learners.models import Membership
    from tests import factories
    from tests.learners.bulk import grow_cohort

    course = factories.CourseFactory()
    for m in range(6):
        module = factories.ModuleFactory(course=course, position=m)
        for i in range(10):
            factories.ItemFactory(module=module, position=i)
    cohort = factories.CohortFactory(course=course)
    factories.AssignmentFactory(workshop=factories.WorkshopFactory(course=course), due_days=14)
    instructor = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=instructor, role=Membership.Role.INSTRUCTOR)
    coordinator = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=coordinator, role=Membership.Role.COORDINATOR)
    # Completions, experiments in four states, reviews, attendance, nudges, notifications.
    learners = grow_cohort(cohort=cohort, learners=LEARNERS, instructor=instructor)
    assert Item.objects.count() == 60
    return {
        "instructor": instructor,
        "coordinator": coordinator,
        "learner": learners[-1],
        "cohort": cohort,
        "course": course,
    }


def measure(client: Client, url: str) -> tuple[float, int]:
    times = []
    queries = 0
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx)
    return statistics.median(times) * 1000, queries


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        data = build()
        c = data["cohort"].pk
        pages = [
            ("learner", "dashboard", "/"),
            ("learner", "course outline", f"/courses/{data['course'].pk}/"),
            ("instructor", "review queue", "/workshops/reviews/"),
            ("instructor", "cohort page", f"/cohorts/{c}/"),
            ("coordinator", "cohort table", f"/cohorts/{c}/?view=table&page=3"),
            ("coordinator", "at risk", f"/cohorts/{c}/at-risk/"),
            ("coordinator", "summary", f"/cohorts/{c}/summary/"),
            ("coordinator", "phases", f"/cohorts/{c}/phases/"),
            ("coordinator", "attendance", f"/cohorts/{c}/attendance/"),
            ("coordinator", "timeline", f"/cohorts/{c}/learners/{data['learner'].pk}/"),
            ("coordinator", "cross-cohort", "/cohorts/overview/"),
            ("coordinator", "exports", f"/cohorts/{c}/exports/"),
        ]
        print(f"{connection.vendor}, {LEARNERS} learners, 60 items, median of {ROUNDS} requests")
        for role, name, url in pages:
            client = Client()
            client.force_login(data[role])
            ms, queries = measure(client, url)
            print(f"  {name:<16} {ms:8.1f} ms  {queries:3d} queries")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
