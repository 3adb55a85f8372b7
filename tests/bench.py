"""`make bench`: time every busy page at Moodle's course sizes, beside its floors, in one run.

`BENCH_SIZE=S|M|L` (default S) builds one cohort of 1,000 / 5,000 / 20,000 learners on a course
of 60 items, 19 more cohorts of a twentieth of that size for the cross-cohort overview (20 on
its page), and a course of 200 items for the outline; `BENCH_LEARNERS` overrides the number,
`BENCH_ROUNDS` (default 15) the requests per page. On PostgreSQL (DATABASE_URL) the built
database is kept as a template database named after the size and a hash of what builds it (this
builder, tests/learners/bulk.py, the factories, every migration), so a second run starts in
seconds (`BENCH_REBUILD=1` builds again, `BENCH_BUILD_ONLY=1` only builds the cache).

In the same process it measures F0 (a bare login-required view through the full middleware)
and F1 (F0 plus one indexed SELECT), and for the cohort table and the summary a hand-written SQL
query that returns the same numbers as the page (asserted equal). Each page's requests are
timed in `BENCH_CYCLES` blocks (default 3), each right after a block of its floor's (F0, and
the SQL for the two with an SQL floor), so that a page and its floor share the machine's state
of those minutes (`measure`). It prints, per page, the queries, the median and p95, the ratio
to the floor measured beside it (F0 for a page, F0 + the SQL for the two with an SQL floor)
and, when a run at S exists, the growth S -> this size; the results go to
`test-artifacts/bench/<size>.json`. Timings live here, never in the test suite.

Each page also reports its median CPU time per request (this process's, so the database
server's share is left out): on a shared machine compare CPU times, which other jobs disturb
far less than wall time. `BENCH_PAGES=dashboard,item` times only the pages whose names contain
one of the comma-separated words (F0 and F1 are always timed); such a partial run is written to
`<vendor>-<size>-partial.json` and leaves the full run's file alone. `BENCH_PROFILE=<page name
word>` prints a cProfile (sorted by cumulative time) of rendering that page, after the timings.

`BENCH=announcement` (or `python -m tests.bench announcement`) times instead an announcement to
10,000 learners through a real Celery worker beside a no-op task (`announcement_bench`).
`BENCH=traffic` drives mixed learner traffic through gunicorn (tests/bench_traffic.py) and
`BENCH=upload` a 15 MB attachment (tests/bench_upload.py).
"""

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

SIZES = {"S": 1000, "M": 5000, "L": 20000}
SIZE = (os.environ.get("BENCH_SIZE") or "S").upper()
if SIZE not in SIZES:
    raise SystemExit(f"BENCH_SIZE must be one of {', '.join(SIZES)}")
LEARNERS = int(os.environ.get("BENCH_LEARNERS", SIZES[SIZE]))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
# Each page is timed in this many blocks, each after a block of its floors (measure).
CYCLES = int(os.environ.get("BENCH_CYCLES", "3"))
OTHER_COHORTS = 19
# BENCH_RESULTS (a folder under the project): two people's runs keep their own S baseline.
RESULTS = Path(settings.BASE_DIR) / os.environ.get("BENCH_RESULTS", "test-artifacts/bench")


def build() -> dict[str, int]:
    """The bench's data; returns the primary keys the pages need (kept beside a cached db)."""
    from courses.models import Completion, Item
    from learners.models import Membership
    from tests import factories
    from tests.learners.bulk import grow_cohort
    from workshops.models import Submission

    course = factories.CourseFactory(title="Bench 60")
    for m in range(6):
        module = factories.ModuleFactory(course=course, position=m)
        for i in range(10):
            factories.ItemFactory(module=module, position=i)
    long_course = factories.CourseFactory(title="Bench 200")
    for m in range(10):
        module = factories.ModuleFactory(course=long_course, position=m)
        for i in range(20):
            factories.ItemFactory(module=module, position=i)
    cohort = factories.CohortFactory(course=course, name="Bench")
    assignment = factories.AssignmentFactory(
        workshop=factories.WorkshopFactory(course=course), due_days=14
    )
    instructor = factories.UserFactory(email="bench-instructor@example.fi")
    coordinator = factories.UserFactory(email="bench-coordinator@example.fi")
    factories.MembershipFactory(cohort=cohort, user=instructor, role=Membership.Role.INSTRUCTOR)
    factories.MembershipFactory(cohort=cohort, user=coordinator, role=Membership.Role.COORDINATOR)
    # Completions, experiments in four states, reviews, attendance, nudges, notifications.
    learners = grow_cohort(cohort=cohort, learners=LEARNERS, instructor=instructor)
    for n in range(OTHER_COHORTS):
        other = factories.CohortFactory(course=course, name=f"Bench {n + 2:02d}")
        factories.MembershipFactory(cohort=other, user=coordinator, role="coordinator")
        factories.MembershipFactory(cohort=other, user=instructor, role="instructor")
        grow_cohort(cohort=other, learners=max(LEARNERS // 20, 10), instructor=instructor)
    learner = learners[-2]
    long_cohort = factories.CohortFactory(course=long_course, name="Bench 200")
    factories.MembershipFactory(cohort=long_cohort, user=learner)
    items = list(Item.objects.filter(module__course=long_course).order_by("pk"))
    Completion.objects.bulk_create([Completion(user=learner, item=i) for i in items[:120]])
    assert Item.objects.filter(module__course=course).count() == 60
    waiting = Submission.objects.filter(cohort=cohort, status="received").order_by("pk").first()
    # The progress rollup the coordinator pages read, as the nightly rebuild leaves it.
    from learners.rollup import rollup_rebuild

    rollup_rebuild()
    return {
        "instructor": instructor.pk,
        "coordinator": coordinator.pk,
        "learner": learner.pk,
        "cohort": cohort.pk,
        "course": course.pk,
        "long_course": long_course.pk,
        "item": items[121].pk,
        "assignment": assignment.pk,
        "submission": waiting.pk,
    }


# --- the data, built once per commit and size on PostgreSQL -----------------------------------


def _head() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"


def _recipe() -> str:
    """A short hash of what the data depends on: this builder, the bulk helper, the factories
    and every migration (a commit that changes only a view keeps the cached data)."""
    import hashlib
    import inspect

    digest = hashlib.sha1(inspect.getsource(build).encode(), usedforsecurity=False)
    base = Path(settings.BASE_DIR)
    files = [base / "tests/learners/bulk.py", base / "tests/factories.py"]
    files += sorted(base.glob("*/migrations/0*.py"))
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def _admin(sql: str, *params: object) -> list[tuple]:
    """Run SQL on the server's maintenance database (CREATE/DROP DATABASE cannot run in the
    database they name)."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(sql, params or None)
        return cursor.fetchall() if cursor.description else []


def _use(name: str) -> None:
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def prepare() -> tuple[dict[str, int], str, str | None]:
    """(primary keys, the test database's name, the cache's name or None): the test database is
    a copy of the cached template when one exists for this commit and size, else built."""
    if connection.vendor != "postgresql":
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        start = time.perf_counter()
        keys = build()
        print(f"built in {time.perf_counter() - start:.0f} s (no cache on {connection.vendor})")
        return keys, name, None
    qn = connection.ops.quote_name
    original = settings.DATABASES["default"]["NAME"]
    # One test database per size, so a build at L and a run at S can go on side by side.
    test_name = f"test_{original}_bench_{SIZE.lower()}"
    for config in (settings.DATABASES["default"], connection.settings_dict):
        config.setdefault("TEST", {})["NAME"] = test_name
    cache = f"bench_{original}_{SIZE.lower()}{LEARNERS}_{_recipe()}"[:63]
    keys_file = RESULTS / f"{cache}.keys.json"
    exists = _admin("SELECT 1 FROM pg_database WHERE datname = %s", cache)
    if exists and keys_file.exists() and not os.environ.get("BENCH_REBUILD"):
        _admin(f"DROP DATABASE IF EXISTS {qn(test_name)}")
        start = time.perf_counter()
        _admin(f"CREATE DATABASE {qn(test_name)} TEMPLATE {qn(cache)}")
        _use(test_name)
        print(f"data from {cache} in {time.perf_counter() - start:.0f} s")
        return json.loads(keys_file.read_text()), original, cache
    # Old caches of this database and size (earlier commits) go.
    prefix = f"bench_{original}_{SIZE.lower()}{LEARNERS}_"
    for (old,) in _admin("SELECT datname FROM pg_database WHERE datname LIKE %s", prefix + "%"):
        _admin(f"DROP DATABASE IF EXISTS {qn(old)}")
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    start = time.perf_counter()
    keys = build()
    print(f"built in {time.perf_counter() - start:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, as a database in use has
    connection.close()
    _admin(f"CREATE DATABASE {qn(cache)} TEMPLATE {qn(test_name)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    keys_file.write_text(json.dumps(keys))
    return keys, original, cache


# --- measuring ---------------------------------------------------------------------------------


def _timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """(seconds, this process's CPU seconds, what `call` returned)."""
    start_cpu = time.process_time()
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, time.process_time() - start_cpu, result


def measure(get: Callable[[], Any], beside: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """ROUNDS requests made by `get`, in CYCLES blocks, each block right after a block of as
    many runs of each floor in `beside` ({name: call}): the page and its floors are timed in
    the same minutes, so a spell when this shared machine runs slower (it moves the same
    request by 2x between minutes) slows both alike instead of one side of a ratio. Blocks, not
    strict turns: one bare request between two heavy ones runs with cold caches and would
    measure the floor, not the page, as slower. Returns the page's figures and, per floor, the
    median of its runs beside this page."""
    get()  # warm: templates compiled, the session's row cached by the database
    for call in beside.values():
        call()
    block = max(ROUNDS // CYCLES, 1)
    times: list[float] = []
    cpu: list[float] = []
    floors: dict[str, list[float]] = {name: [] for name in beside}
    floor_cpu: dict[str, list[float]] = {name: [] for name in beside}
    queries = 0
    for _ in range(CYCLES):
        for name, call in beside.items():
            for _ in range(block):
                elapsed, used, _result = _timed(call)
                floors[name].append(elapsed)
                floor_cpu[name].append(used)
        for _ in range(block):
            with CaptureQueriesContext(connection) as ctx:
                elapsed, used, response = _timed(get)
            times.append(elapsed)
            cpu.append(used)
            status = getattr(response, "status_code", 200)  # an SQL floor returns its rows
            assert status == 200, (getattr(response, "request", None), status)
            queries = len(ctx)
    return _stats(times) | {
        "queries": queries,
        "cpu_ms": statistics.median(cpu) * 1000,
        "beside_ms": {name: statistics.median(t) * 1000 for name, t in floors.items()},
        "beside_cpu_ms": {name: statistics.median(t) * 1000 for name, t in floor_cpu.items()},
    }


def profile(
    client: Client, url: str, rounds: int = 5, floor: tuple[str, Any] | None = None
) -> None:
    """Print where `rounds` requests of `url` spend their time, by cumulative time."""
    import cProfile
    import pstats

    client.get(url)
    timings: dict[str, list[float]] = {}

    statements: dict[str, tuple[str, Any]] = {}

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            short = " ".join(sql.split())[:90]
            timings.setdefault(short, []).append(time.perf_counter() - start)
            statements[short] = (sql, params)

    with connection.execute_wrapper(timed):
        for _ in range(ROUNDS):
            client.get(url)
    print(f"each query's median over {ROUNDS} requests (client side, fetch included):")
    for sql, times in timings.items():
        print(f"  {statistics.median(times) * 1000:6.2f} ms  x{len(times) // ROUNDS}  {sql}")
    if connection.vendor == "postgresql":
        # The server's own share of each: planning and execution (EXPLAIN ANALYZE, one run).
        print("planning and execution on the server (EXPLAIN ANALYZE):")
        if floor:
            statements["(the SQL floor)"] = floor
        for short, (sql, params) in statements.items():
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, SUMMARY, TIMING OFF) {sql}", params)
                summary = [r[0].strip() for r in cursor.fetchall() if "Time:" in r[0]]
            print(f"  {'; '.join(summary):<50} {short[:60]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        client.get(url)
    profiler.disable()
    lines = int(os.environ.get("BENCH_PROFILE_LINES", "60"))
    pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(lines)


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000}


def sql_call(sql: str, params: Any) -> Callable[[], list[tuple]]:
    """A call that runs `sql` once through the site's connection and returns its rows."""

    def run() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


# What the cohort table prints for its third page of 50 learners, in one statement: how many
# learners the cohort has (the pager), each learner's name, email and organisation, the items
# done per (learner, module), and per (learner, phase) the version that counts (its id and
# state): the latest version of the learner's own answers or of any experiment they are a
# member of, a version sent in an experiment counting for every member of its team; and each
# module's items, the total in every "done of total" cell (session 10: it had been left out).
TABLE_SQL = """
WITH page AS (
    SELECT m.user_id, u.first_name, u.last_name, u.email, o.name AS organisation
    FROM learners_membership m JOIN core_user u ON u.id = m.user_id
    LEFT JOIN core_organisation o ON o.id = u.organisation_id
    WHERE m.cohort_id = %(cohort)s AND m.role = 'learner'
    ORDER BY u.last_name, u.first_name, u.email, m.id LIMIT 50 OFFSET 100),
team AS (
    SELECT em.user_id, em.experiment_id FROM workshops_experimentmember em
    WHERE em.cohort_id = %(cohort)s AND em.user_id IN (SELECT user_id FROM page)),
versions AS (
    SELECT s.id, s.learner_id, s.experiment_id, s.assignment_id, s.version, s.status
    FROM workshops_submission s
    WHERE s.cohort_id = %(cohort)s AND s.learner_id IN (SELECT user_id FROM page)
    UNION
    SELECT s.id, s.learner_id, s.experiment_id, s.assignment_id, s.version, s.status
    FROM workshops_submission s
    WHERE s.cohort_id = %(cohort)s AND s.experiment_id IN (SELECT experiment_id FROM team))
SELECT 'learner', p.user_id, NULL::bigint, p.first_name, p.last_name, p.email, p.organisation
FROM page p
UNION ALL
SELECT 'done', c.user_id, i.module_id, NULL, NULL, NULL, COUNT(*)::text
FROM courses_completion c
JOIN courses_item i ON i.id = c.item_id AND i.is_published
JOIN courses_module mo ON mo.id = i.module_id AND mo.is_published AND mo.course_id = %(course)s
WHERE c.user_id IN (SELECT user_id FROM page)
GROUP BY c.user_id, i.module_id
UNION ALL
(SELECT DISTINCT ON (COALESCE(t.user_id, v.learner_id), v.assignment_id)
        'phase', COALESCE(t.user_id, v.learner_id), v.assignment_id, v.status, NULL, NULL,
        v.id::text
 FROM versions v LEFT JOIN team t ON t.experiment_id = v.experiment_id
 ORDER BY COALESCE(t.user_id, v.learner_id), v.assignment_id, v.version DESC, v.id DESC)
UNION ALL
SELECT 'count', NULL, NULL, NULL, NULL, NULL, COUNT(*)::text FROM learners_membership
WHERE cohort_id = %(cohort)s AND role = 'learner'
UNION ALL
SELECT 'total', NULL, mo.id, NULL, NULL, NULL, COUNT(i.id)::text
FROM courses_module mo LEFT JOIN courses_item i ON i.module_id = mo.id
WHERE mo.course_id = %(course)s GROUP BY mo.id
"""

# The summary's numbers: per organisation the learners, published items done, the course's
# items (drafts too, as the page counts them) and learners who finished; the waiting reviews.
SUMMARY_SQL = """
WITH total AS (
    SELECT COUNT(*) AS n FROM courses_item i JOIN courses_module mo ON mo.id = i.module_id
    WHERE mo.course_id = %s),
done AS (
    SELECT c.user_id, COUNT(*) AS n FROM courses_completion c
    JOIN courses_item i ON i.id = c.item_id AND i.is_published
    JOIN courses_module mo ON mo.id = i.module_id AND mo.is_published AND mo.course_id = %s
    WHERE c.user_id IN (
        SELECT user_id FROM learners_membership WHERE cohort_id = %s AND role = 'learner')
    GROUP BY c.user_id)
SELECT COALESCE(o.name, '–'), COUNT(*), COALESCE(SUM(done.n), 0),
       COUNT(*) * (SELECT n FROM total),
       COUNT(*) FILTER (WHERE (SELECT n FROM total) > 0 AND done.n = (SELECT n FROM total)),
       (SELECT COUNT(*) FROM workshops_submission s WHERE s.cohort_id = %s
            AND s.status = 'received')
FROM learners_membership m JOIN core_user u ON u.id = m.user_id
LEFT JOIN core_organisation o ON o.id = u.organisation_id
LEFT JOIN done ON done.user_id = m.user_id
WHERE m.cohort_id = %s AND m.role = 'learner'
GROUP BY 1 ORDER BY 1
"""


def check_table_floor(keys: dict[str, int], rows: list[tuple]) -> None:
    """The SQL floor's numbers are the cohort table's, as the page reads them: the learner
    count, the page's learners, the items done per module, each phase's version and each
    module's items."""
    from learners.models import Cohort
    from learners.progress_page import cohort_progress_page
    from learners.views import LEARNERS_PER_PAGE

    cohort = Cohort.objects.get(pk=keys["cohort"])
    page, overview = cohort_progress_page(cohort=cohort, number=3, per_page=LEARNERS_PER_PAGE)
    expected = {
        "count": page.paginator.count,
        "learners": [
            (
                r.learner.pk,
                r.learner.first_name,
                r.learner.last_name,
                r.learner.email,
                r.learner.organisation,
            )
            for r in overview.rows
        ],
        "done": {
            (r.learner.pk, c.module.pk): c.done for r in overview.rows for c in r.cells if c.done
        },
        "phases": {
            (r.learner.pk, a.pk): (s.pk, s.status)
            for r in overview.rows
            for a, s in r.submissions
            if s is not None
        },
        "totals": {m.pk: m.item_count for m in overview.modules},
    }
    got = {
        "count": next(int(r[6]) for r in rows if r[0] == "count"),
        "learners": [tuple(r[1:2] + r[3:7]) for r in rows if r[0] == "learner"],
        "done": {(r[1], r[2]): int(r[6]) for r in rows if r[0] == "done"},
        "phases": {(r[1], r[2]): (int(r[6]), r[3]) for r in rows if r[0] == "phase"},
        "totals": {r[2]: int(r[6]) for r in rows if r[0] == "total"},
    }
    assert got == expected, "the cohort table's SQL floor disagrees with the page's numbers"
    assert expected["phases"], "the floor's page shows no version"
    assert expected["done"], "the floor's page shows no item done"


def check_summary_floor(keys: dict[str, int], rows: list[tuple]) -> None:
    """The SQL floor's numbers are the summary page's (read from the rollup) and the rules'."""
    from learners.models import Cohort
    from learners.rollup import rollup_for, rollup_summary
    from learners.selectors import cohort_summary

    cohort = Cohort.objects.get(pk=keys["cohort"])
    summary = rollup_summary(rollup=rollup_for(cohort))
    live = cohort_summary(cohort=cohort)
    assert [(o.name, o.learners, o.done, o.total, o.finished) for o in live.organisations] == [
        (o.name, o.learners, o.done, o.total, o.finished) for o in summary.organisations
    ], "the rollup disagrees with the rules"
    page = [(o.name, o.learners, o.done, o.total, o.finished) for o in summary.organisations]
    assert [tuple(r[:5]) for r in rows] == page, ("summary floor", rows, page)
    assert sum(r[1] for r in rows) == summary.learners
    assert sum(r[4] for r in rows) == summary.finished
    assert rows[0][5] == summary.waiting_reviews


def main() -> None:
    import logging

    logging.getLogger("alueagentti.requests").setLevel(logging.WARNING)
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ROOT_URLCONF = "tests.bench_urls"
    keys, restore_name, cache = prepare()
    test_name = settings.DATABASES["default"]["NAME"]
    if os.environ.get("BENCH_BUILD_ONLY") and cache is not None:
        _use(restore_name)
        _admin(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(test_name)}")
        return
    try:
        results = run_pages(keys)
    finally:
        if cache is None:
            connection.creation.destroy_test_db(restore_name, verbosity=0)
        else:
            _use(restore_name)
            _admin(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(test_name)}")
    report(results)


def run_pages(keys: dict[str, int]) -> dict[str, Any]:
    from core.models import User

    people = {role: User.objects.get(pk=keys[role]) for role in ("learner", "instructor")}
    people["coordinator"] = User.objects.get(pk=keys["coordinator"])
    c = keys["cohort"]
    pages = [
        ("learner", "F0 bare view", "/bench/f0/", "F0"),
        ("learner", "F1 + one SELECT", "/bench/f1/", "F0"),
        ("learner", "dashboard", "/", "F0"),
        ("learner", "outline 60 items", f"/courses/{keys['course']}/", "F0"),
        ("learner", "outline 200 items", f"/courses/{keys['long_course']}/", "F0"),
        ("learner", "item", f"/courses/items/{keys['item']}/", "F0"),
        ("learner", "phase answer", f"/workshops/assignments/{keys['assignment']}/", "F0"),
        ("learner", "notifications", "/notifications/", "F0"),
        ("instructor", "review queue", "/workshops/reviews/", "F0"),
        ("instructor", "review page", f"/workshops/submissions/{keys['submission']}/review/", "F0"),
        ("instructor", "cohort page", f"/cohorts/{c}/", "F0"),
        ("coordinator", "cohort table", f"/cohorts/{c}/?view=table&page=3", "table SQL"),
        ("coordinator", "at risk", f"/cohorts/{c}/at-risk/", "F0"),
        ("coordinator", "summary", f"/cohorts/{c}/summary/", "summary SQL"),
        ("coordinator", "phases", f"/cohorts/{c}/phases/", "F0"),
        ("coordinator", "attendance", f"/cohorts/{c}/attendance/", "F0"),
        ("coordinator", "timeline", f"/cohorts/{c}/learners/{keys['learner']}/", "F0"),
        ("coordinator", "cross-cohort", "/cohorts/overview/", "F0"),
        ("coordinator", "exports", f"/cohorts/{c}/exports/", "F0"),
    ]
    wanted = [w.strip() for w in os.environ.get("BENCH_PAGES", "").split(",") if w.strip()]
    if wanted:
        pages = [p for p in pages if p[1].startswith("F") or any(w in p[1] for w in wanted)]
    clients = {}
    for role, person in people.items():
        clients[role] = Client()
        clients[role].force_login(person)
    table_sql = sql_call(TABLE_SQL, {"course": keys["course"], "cohort": c})
    summary_sql = sql_call(SUMMARY_SQL, [keys["course"], keys["course"], c, c, c])
    check_table_floor(keys, table_sql())
    check_summary_floor(keys, summary_sql())

    def f0() -> Any:
        return clients["learner"].get("/bench/f0/")

    floor_calls = {"F0": {"F0": f0}, "table SQL": {"F0": f0, "table SQL": table_sql}}
    floor_calls["summary SQL"] = {"F0": f0, "summary SQL": summary_sql}
    results: dict[str, Any] = {"pages": {}, "partial": bool(wanted), "cycles": CYCLES}
    for role, name, url, floor in pages:
        beside = {} if name == "F0 bare view" else floor_calls[floor]
        page = measure(partial(clients[role].get, url), beside)
        if beside:
            page["floor_ms"] = sum(page["beside_ms"].values())
            page["ratio"] = page["median_ms"] / page["floor_ms"]
            page["cpu_ratio"] = page["cpu_ms"] / page["beside_cpu_ms"]["F0"]
        else:
            page |= {"floor_ms": page["median_ms"], "ratio": 1.0, "cpu_ratio": 1.0}
        results["pages"][name] = page | {"url": url, "role": role, "floor": floor}
        print(f"  measured {name}", flush=True)
    # The floors as printed: F0 on its own, each SQL floor beside its page (or on its own in a
    # partial run that leaves that page out).
    measured = results["pages"]
    results["floors"] = {"F0": measured["F0 bare view"]["median_ms"]}
    for floor, page_name, call in (
        ("table SQL", "cohort table", table_sql),
        ("summary SQL", "summary", summary_sql),
    ):
        alone = (
            measured[page_name]["beside_ms"][floor]
            if page_name in measured
            else measure(call, {})["median_ms"]
        )
        results["floors"][f"{floor} alone"] = alone
    if target := os.environ.get("BENCH_PROFILE"):
        for role, name, url, _floor in pages:
            if target in name:
                print(f"\n--- profile of {name} ({url}) ---")
                floors = {"table SQL": (TABLE_SQL, {"course": keys["course"], "cohort": c})}
                profile(clients[role], url, floor=floors.get(_floor))
                break
    return results


def report(results: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    results |= {
        "size": SIZE,
        "learners": LEARNERS,
        "rounds": ROUNDS,
        "vendor": connection.vendor,
        "commit": _head(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load": os.getloadavg()[0],
    }
    base_file = RESULTS / f"{connection.vendor}-S.json"
    base = json.loads(base_file.read_text()) if base_file.exists() and SIZE != "S" else None
    print(
        f"\n{connection.vendor}, size {SIZE}: {LEARNERS} learners (+{OTHER_COHORTS} cohorts of "
        f"{max(LEARNERS // 20, 10)}), 60 and 200 items, {ROUNDS} requests a page, "
        f"load {results['load']:.1f}"
    )
    floors = results["floors"]
    print(
        f"floors: F0 {floors['F0']:.1f} ms; cohort table SQL {floors['table SQL alone']:.1f} ms; "
        f"summary SQL {floors['summary SQL alone']:.1f} ms"
    )
    print(f"each page timed beside its floor, in {results['cycles']} blocks of each")
    header = f"  {'page':<20} {'queries':>7} {'median':>9} {'p95':>9} {'floor':>9} {'x floor':>8}"
    header += f" {'cpu':>9} {'x F0 cpu':>8}"
    print(header + ("  growth S->" + SIZE if base else ""))
    for name, page in results["pages"].items():
        line = (
            f"  {name:<20} {page['queries']:7d} {page['median_ms']:7.1f}ms "
            f"{page['p95_ms']:7.1f}ms {page['floor_ms']:7.1f}ms "
            f"{page['ratio']:6.2f}x ({page['floor']})"
            f" {page['cpu_ms']:7.1f}ms {page['cpu_ratio']:6.1f}x"
        )
        if base and name in base["pages"]:
            page["growth"] = page["median_ms"] / base["pages"][name]["median_ms"]
            # Growth relative to the floor cancels a busier machine on one of the two runs.
            page["growth_vs_f0"] = page["ratio"] / base["pages"][name]["ratio"]
            line += f"  {page['growth']:.2f}x ({page['growth_vs_f0']:.2f}x in its floor)"
        print(line)
    partial = "-partial" if results.get("partial") else ""
    out = RESULTS / f"{connection.vendor}-{SIZE}{partial}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(settings.BASE_DIR)}")


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
    if scenario in ("traffic", "upload"):  # tests/bench_traffic.py, tests/bench_upload.py
        __import__(f"tests.bench_{scenario}", fromlist=["main"]).main()
    else:
        announcement_bench() if scenario == "announcement" else main()
