"""`make bench`: time the busiest pages on a cohort of realistic size.

`BENCH_LEARNERS` (default 1,000) and `BENCH_ROUNDS` (default 15) change the size and the rounds.
`BENCH=announcement` (or `python -m tests.bench announcement`) times instead an announcement to
10,000 learners through a real Celery worker beside a no-op task (`announcement_bench`).

Builds a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL says so),
fills one cohort with many learners, completions and submissions, and reports the median
time and the query count of each page. Timings live here, never in the test suite.
"""

import os
import statistics
import time
from typing import Any

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


# --- BENCH=announcement: a chunked announcement to 10,000 learners through a real worker ---------


def _count_emails(folder: Any) -> tuple[int, int]:
    """Messages the worker's file backend wrote, and how many distinct recipients they had."""
    import email as email_lib

    count, recipients = 0, set()
    for path in folder.glob("*.log"):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            to = email_lib.message_from_bytes(chunk.lstrip().split(b"\n\n", 1)[0])["To"]
            if to:
                count += 1
                recipients.add(str(to))
    return count, len(recipients)


def announcement_bench() -> None:
    """Build a cohort of BENCH_LEARNERS (default 10,000) learners, start a real worker (prefork,
    two processes, every queue) on CELERY_BROKER_URL, time a stream of no-op tasks, then post an
    announcement as the coordinator and wait until every notification row and every email
    exists. Needs PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL)."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from django.urls import reverse

    from config.celery import app
    from core.models import User
    from learners.models import Membership
    from notifications.models import Announcement, Notification
    from tests import factories
    from tests.bench_tasks import noop
    from tests.e2e_support import broker_url, wait_until, worker_database_url

    learners = int(os.environ.get("BENCH_LEARNERS", "10000"))
    if connection.vendor != "postgresql" or not broker_url():
        sys.exit("BENCH=announcement needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis)")
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-emails-"))
    log_path = folder / "worker.log"
    worker = None
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": worker_database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(folder),
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        app.control.purge()
        with log_path.open("wb") as log:
            worker = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("celery")),
                    *("-A", "config", "worker", "--pool=prefork", "--concurrency=2"),
                    *("-Q", "files,email,bulk,default", "--include", "tests.bench_tasks"),
                    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
                    *("-l", "warning", "-n", f"bench-{os.getpid()}@%h"),
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        app.conf.task_always_eager = False

        start = time.perf_counter()
        cohort = factories.CohortFactory()
        coordinator = factories.UserFactory()
        factories.MembershipFactory(
            cohort=cohort, user=coordinator, role=Membership.Role.COORDINATOR
        )
        languages = ("fi",) * 8 + ("sv", "en")
        people = User.objects.bulk_create(
            [
                User(
                    email=f"bench{i}@example.fi",
                    first_name=f"Oppija{i}",
                    password="!",
                    language=languages[i % len(languages)],
                )
                for i in range(learners)
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [Membership(cohort=cohort, user=u) for u in people], batch_size=2000
        )
        print(f"{learners} learners built in {time.perf_counter() - start:.1f} s")

        # The worker's cost per task, measured on a stream of no-op tasks.
        ready = folder / "worker-ready"
        noop.delay(0, str(ready))
        wait_until(lambda: ready.exists() or worker.poll() is not None, timeout=120)
        noops = int(os.environ.get("BENCH_NOOPS", "300"))
        done = folder / "noop-done"
        before = time.perf_counter()
        for i in range(noops - 1):
            noop.delay(i)
        noop.delay(noops, str(done))
        wait_until(done.exists, timeout=300, what="the no-op stream")
        per_noop = (time.perf_counter() - before) / noops
        print(
            f"no-op task: {per_noop * 1000:.2f} ms each in a stream of {noops} "
            f"(publish to done, two processes)"
        )

        # The announcement: the coordinator's request, then the worker does the rest.
        client = Client()
        client.force_login(coordinator)
        url = reverse("notifications:announcements", args=[cohort.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            before = time.perf_counter()
            response = client.post(url, {"subject": "Työpaja siirtyy", "body": "Torstaina."})
            request_ms = (time.perf_counter() - before) * 1000
        assert response.status_code == 302, response.status_code
        announcement = Announcement.objects.get()
        key = f"announcement-{announcement.pk}"
        sent = Notification.objects.filter(key=key, email_status=Notification.EmailStatus.SENT)

        def everyone() -> bool:
            if worker.poll() is not None:
                raise AssertionError(log_path.read_text()[-4000:])
            return sent.count() >= learners

        wait_until(everyone, timeout=600, what="every email sent")
        total = time.perf_counter() - before
        rows = Notification.objects.filter(key=key).count()
        emails, recipients = _count_emails(folder)
        per_recipient = total / learners
        announcement.refresh_from_db()
        print(f"request: {request_ms:.0f} ms, {len(ctx)} queries")
        print(
            f"announcement to {learners}: every row and email in {total:.1f} s, "
            f"{per_recipient * 1000:.2f} ms per recipient = {per_recipient / per_noop:.1f}x a "
            f"no-op task; status {announcement.status}"
        )
        print(
            f"rows {rows}, emails {emails}, distinct recipients {recipients}: "
            f"{emails - recipients} duplicates, {learners - recipients} missing"
        )
    finally:
        app.conf.task_always_eager = True
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        app.control.purge()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    import sys

    scenario = (sys.argv[1:] or [os.environ.get("BENCH", "pages")])[0]
    announcement_bench() if scenario == "announcement" else main()
