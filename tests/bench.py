"""`make bench`: time the busiest pages on a cohort of realistic size.

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
    from courses.models import Completion, Item
    from learners.models import Membership
    from tests import factories
    from workshops.models import Submission

    course = factories.CourseFactory()
    items = []
    for m in range(6):
        module = factories.ModuleFactory(course=course, position=m)
        items += [factories.ItemFactory(module=module, position=i) for i in range(10)]
    cohort = factories.CohortFactory(course=course)
    assignment = factories.AssignmentFactory(workshop=factories.WorkshopFactory(course=course))
    instructor = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=instructor, role=Membership.Role.INSTRUCTOR)
    org = factories.OrganisationFactory()
    learners = factories.UserFactory.build_batch(LEARNERS, organisation=org)
    from core.models import User

    User.objects.bulk_create(learners)
    learners = list(User.objects.filter(organisation=org))
    Membership.objects.bulk_create(
        [Membership(cohort=cohort, user=u, role=Membership.Role.LEARNER) for u in learners]
    )
    Completion.objects.bulk_create(
        [
            Completion(user=u, item=item)
            for n, u in enumerate(learners)
            for item in items[: n % len(items)]
        ]
    )
    Submission.objects.bulk_create(
        [
            Submission(assignment=assignment, cohort=cohort, learner=u, text="Haaste")
            for u in learners
        ]
    )
    Submission.objects.update(status=Submission.Status.RECEIVED)
    assert Item.objects.count() == 60
    return {"instructor": instructor, "learner": learners[-1], "cohort": cohort, "course": course}


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
        pages = [
            ("learner", "dashboard", "/"),
            ("learner", "course outline", f"/courses/{data['course'].pk}/"),
            ("instructor", "review queue", "/workshops/reviews/"),
            ("instructor", "cohort page", f"/cohorts/{data['cohort'].pk}/"),
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
