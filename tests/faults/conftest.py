"""The fault-injection suite (`make faults`): real services made to fail on purpose.

Collected only with FAULTS=1 (the Makefile target sets it), so `make test` never starts it. It
needs PostgreSQL (DATABASE_URL: a worker process must see the test database) and the
`redis-server` binary; it starts its own Redis on a free port, its own SMTP sink and two real
Celery workers (files + default, email + bulk, as in production), once for the whole run. Each
test restores whatever it broke, so the next one starts from healthy services.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.faults.support import RedisServer, SmtpSink, WorkerProcess, reports, worker_env

if os.environ.get("FAULTS") != "1":
    collect_ignore_glob = ["test_*.py"]

FILE_QUEUES = ("files", "default")
MAIL_QUEUES = ("email", "bulk")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


def pytest_terminal_summary(terminalreporter) -> None:
    if reports():
        terminalreporter.section("faults: in flight, lost, duplicated")
        for report in reports():
            terminalreporter.write_line(report)


@pytest.fixture(scope="session")
def fault_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="session")
def _requirements(django_db_setup, django_db_blocker) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("the fault suite needs PostgreSQL (set DATABASE_URL)")
    if shutil.which("redis-server") is None:
        skip_or_fail("the fault suite needs the redis-server binary")


@pytest.fixture(scope="session")
def redis_server(_requirements, fault_dir: Path):
    server = RedisServer(fault_dir)
    server.start()
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    # Celery reads CELERY_BROKER_URL from the environment before its own setting (CI exports
    # the shared Redis there), so point both at this suite's own server.
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = server.url
    app.conf.broker_url = server.url
    app.conf.task_always_eager = False
    _reset_producers(app)
    yield server
    app.conf.broker_url, app.conf.task_always_eager = saved
    if saved_env is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = saved_env
    _reset_producers(app)
    server.stop()


def _reset_producers(app) -> None:
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture(scope="session")
def smtp_sink(_requirements):
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def media_roots(fault_dir: Path) -> tuple[Path, Path]:
    private, media = fault_dir / "private", fault_dir / "media"
    private.mkdir()
    media.mkdir()
    return private, media


@pytest.fixture(scope="session")
def workers(redis_server, smtp_sink, media_roots, fault_dir, django_db_blocker):
    """The two workers of production's queue groups: files + default, and email + bulk."""
    env = worker_env(
        broker=redis_server.url,
        smtp_port=smtp_sink.port,
        private_root=media_roots[0],
        media_root=media_roots[1],
    )
    started = {
        "files": WorkerProcess(name="files", queues=FILE_QUEUES, folder=fault_dir, env=env),
        "mail": WorkerProcess(name="mail", queues=MAIL_QUEUES, folder=fault_dir, env=env),
    }
    for worker in started.values():
        worker.start()
    yield started
    for worker in started.values():
        worker.stop()


@pytest.fixture(autouse=True)
def _media(settings, media_roots):
    # The workers read the same folders as the web process (not a folder per test).
    settings.PRIVATE_MEDIA_ROOT, settings.MEDIA_ROOT = media_roots


@pytest.fixture
def stack(transactional_db, workers, redis_server, smtp_sink, live_server):
    """Healthy services at the start of a test, and again after it (whatever it broke)."""

    def heal() -> None:
        if not redis_server.ping():
            redis_server.start()
        smtp_sink.set_mode("normal")
        for worker in workers.values():
            worker.fast()
            worker.forget_started()
            if worker.process is None or worker.process.poll() is not None:
                worker.process = None
                worker.start()

    heal()
    redis_server.command("FLUSHDB")
    smtp_sink.messages.clear()
    yield Stack(redis_server, smtp_sink, workers, live_server.url)
    heal()
    _drain(redis_server, workers)


def _drain(redis_server, workers) -> None:
    """Let the workers finish what is queued before the database is emptied for the next test:
    the flush (TRUNCATE) must not meet a task in the middle of a transaction. Messages a killed
    worker held stay unacknowledged in Redis until the visibility timeout; they are waited for
    only briefly, and the flush drops them."""
    import time

    from tests.e2e_support import wait_until
    from tests.faults.support import worker_connections_busy

    queues = (*FILE_QUEUES, *MAIL_QUEUES)
    unacked_grace = time.monotonic() + 5

    def quiet() -> bool:
        if any(redis_server.queued(q) for q in queues):
            return False
        if any(worker.busy() for worker in workers.values()):
            return False
        if redis_server.command("HLEN", "unacked") not in ("", "0") and (
            time.monotonic() < unacked_grace
        ):
            return False
        return not worker_connections_busy()

    with contextlib.suppress(AssertionError):  # a retry waiting for its countdown: dropped
        wait_until(quiet, timeout=30, what="the queues to drain")
    redis_server.command("FLUSHDB")


class Stack:
    def __init__(self, redis, smtp, workers, url: str) -> None:
        self.redis = redis
        self.smtp = smtp
        self.workers = workers
        self.url = url

    def broker_back(self) -> list[str]:
        """Start Redis again, wait until each worker has reconnected or died, and restart the
        dead ones (see `supervise`); returns the names restarted."""
        from tests.e2e_support import wait_until

        marks = {name: len(worker.log()) for name, worker in self.workers.items()}
        self.redis.start()

        def settled() -> bool:
            for name, worker in self.workers.items():
                alive = worker.process is not None and worker.process.poll() is None
                if alive and "Connected to redis" not in worker.log()[marks[name] :]:
                    return False
            return True

        wait_until(settled, timeout=60, what="the workers to reconnect to Redis")
        return self.supervise()

    def supervise(self) -> list[str]:
        """Restart a worker that exited, as compose's `restart: unless-stopped` (or systemd)
        does in production; returns the names restarted."""
        restarted = []
        for name, worker in self.workers.items():
            if worker.process is None or worker.process.poll() is not None:
                worker.process = None
                worker.forget_started()
                worker.start()
                restarted.append(name)
        return restarted

    @property
    def files_worker(self) -> WorkerProcess:
        return self.workers["files"]

    @property
    def mail_worker(self) -> WorkerProcess:
        return self.workers["mail"]
