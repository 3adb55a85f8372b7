"""`make bench BENCH=traffic`: mixed learner traffic under gunicorn beside the bare view's.

On the bench's data (`tests/bench.py`, `BENCH_SIZE=S|M|L`, PostgreSQL only: the server processes
must share the database) it starts gunicorn from the image's config with 2 workers (sync, as
production) on loopback (`tests/bench_settings.py`: DEBUG off, persistent connections, Redis
cache and sessions when REDIS_URL is set), signs in `BENCH_SESSIONS` (default 20) learners of
the big cohort and drives them in a closed loop at rising concurrency (1, 2, 4, ... 32 clients,
`BENCH_TRAFFIC_SECONDS` each, default 10). Each learner goes round their dashboard, the course
outline, an open item, the phase answer page and their notifications. The same sessions then
drive F0, the bare login-required view. It reports, for each, the highest requests/s whose p95
stays under 1 s, and the ratio (target: the learner mix >= 0.2x the bare view), and writes
`test-artifacts/bench/<vendor>-<size>-traffic.json`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from tests import bench  # sets Django up with the test settings

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "20"))
SECONDS = float(os.environ.get("BENCH_TRAFFIC_SECONDS", "10"))
LEVELS = (1, 2, 4, 8, 16, 32)
P95_LIMIT_S = 1.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(*, workers: int, env: dict[str, str] | None = None) -> Iterator[tuple[int, Any]]:
    """(port, process): gunicorn from config/gunicorn.conf.py on loopback against the database
    this process uses, with the bench settings; stopped on exit."""
    from tests.e2e_support import wait_until, worker_database_url

    port = _free_port()
    log_path = bench.RESULTS / f"gunicorn-{os.getpid()}.log"
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.bench_settings",
        "DATABASE_URL": worker_database_url(),
        "DJANGO_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    full_env.pop("WEB_CONCURRENCY", None)
    binary = str(Path(sys.executable).with_name("gunicorn"))
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 -- our own venv's gunicorn, fixed arguments
            [binary, "-c", "config/gunicorn.conf.py", "--workers", str(workers)]
            + ["--bind", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(log_path.read_text()[-4000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/bench/f0/")
            conn.getresponse().read()
            return True
        except OSError:
            return False

    try:
        wait_until(up, timeout=60, what="gunicorn")
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log_path.unlink(missing_ok=True)


def session_cookie(user: Any) -> str:
    """A Cookie header for a signed-in session of `user` (a session row the server reads)."""
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def drive(port: int, plans: list[tuple[str, list[str]]], clients: int, seconds: float) -> dict:
    """`clients` threads, each a keep-alive connection for one session, request their URLs in
    turn with no pause for `seconds`; returns throughput and latency percentiles."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(n: int) -> None:
        cookie, urls = plans[n % len(plans)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        i = n
        while time.perf_counter() < deadline:
            url = urls[i % len(urls)]
            i += 1
            start = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{url}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    errors.append(f"{url}: {response.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [float("inf")]
    return {
        "clients": clients,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
        "errors": len(errors),
        "first_errors": errors[:5],
    }


def ramp(port: int, plans: list[tuple[str, list[str]]], label: str) -> dict:
    """Rising concurrency until p95 passes 1 s; the best throughput under it."""
    levels = []
    for clients in LEVELS:
        result = drive(port, plans, clients, SECONDS)
        levels.append(result)
        print(
            f"  {label:<14} {clients:3d} clients: {result['rps']:7.1f} req/s, "
            f"p50 {result['p50_ms']:7.1f} ms, p95 {result['p95_ms']:7.1f} ms, "
            f"{result['errors']} errors",
            flush=True,
        )
        if result["errors"]:
            raise AssertionError(f"{label}: {result['first_errors']}")
        if result["p95_ms"] >= P95_LIMIT_S * 1000:
            break
    good = [r for r in levels if r["p95_ms"] < P95_LIMIT_S * 1000]
    best = max(good, key=lambda r: r["rps"]) if good else None
    return {"levels": levels, "best": best}


def learner_plans(keys: dict[str, int]) -> list[tuple[str, list[str]]]:
    """(cookie, the learner's round of pages) for SESSIONS learners of the big cohort."""
    from courses.models import Course
    from courses.selectors import State, course_outline
    from learners.models import Membership

    course = Course.objects.get(pk=keys["course"])
    memberships = (
        Membership.objects.filter(cohort_id=keys["cohort"], role=Membership.Role.LEARNER)
        .select_related("user")
        .order_by("pk")[:SESSIONS]
    )
    plans = []
    for membership in memberships:
        outline = course_outline(user=membership.user, course=course)
        item = next(i for i in outline.items if i.state != State.LOCKED)
        plans.append(
            (
                session_cookie(membership.user),
                [
                    "/",
                    f"/courses/{course.pk}/",
                    f"/courses/items/{item.pk}/",
                    f"/workshops/assignments/{keys['assignment']}/",
                    "/notifications/",
                ],
            )
        )
    return plans


def main() -> None:
    import logging

    logging.getLogger("alueagentti.requests").setLevel(logging.WARNING)
    if connection.vendor != "postgresql":
        raise SystemExit("BENCH=traffic needs PostgreSQL (DATABASE_URL): gunicorn shares the data")
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    keys, restore_name, _cache = bench.prepare()
    test_name = settings.DATABASES["default"]["NAME"]
    try:
        plans = learner_plans(keys)
        connection.close()  # the server's workers take the database from here
        with gunicorn(workers=WORKERS) as (port, _process):
            # Warm every worker: templates compiled, connections open; every page answers 200.
            for cookie, urls in plans:
                for url in urls:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("GET", url, headers={"Cookie": cookie})
                    response = conn.getresponse()
                    response.read()
                    assert response.status == 200, (url, response.status)
            drive(port, plans, 4, 3.0)
            f0_plans = [(cookie, ["/bench/f0/"]) for cookie, _urls in plans]
            print(
                f"\n{connection.vendor}, size {bench.SIZE}: gunicorn, {WORKERS} workers, "
                f"{len(plans)} learner sessions, {SECONDS:.0f} s a level, "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            f0 = ramp(port, f0_plans, "F0 bare view")
            mix = ramp(port, plans, "learner mix")
    finally:
        bench._use(restore_name)
        bench._admin(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(test_name)}")
    ratio = (mix["best"]["rps"] / f0["best"]["rps"]) if mix["best"] and f0["best"] else 0.0
    results = {
        "size": bench.SIZE,
        "workers": WORKERS,
        "sessions": len(plans),
        "seconds": SECONDS,
        "pages": plans[0][1],
        "f0": f0,
        "mix": mix,
        "ratio": ratio,
        "commit": bench._head(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load": os.getloadavg()[0],
    }
    best_f0, best_mix = f0["best"] or {"rps": 0}, mix["best"] or {"rps": 0}
    print(
        f"best at p95 < 1 s: learner mix {best_mix['rps']:.1f} req/s, bare view "
        f"{best_f0['rps']:.1f} req/s: {ratio:.2f}x (target >= 0.2x)"
    )
    out = bench.RESULTS / f"{connection.vendor}-{bench.SIZE}-traffic.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(settings.BASE_DIR)}")


if __name__ == "__main__":
    main()
