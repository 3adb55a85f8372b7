"""Helpers for the end-to-end tests: a real Celery worker subprocess and waiting on state.

The worker runs with the *base* settings (test settings force eager tasks) against the test
database that pytest-django created, the same private media folder as the test run and a
file-based email backend, so a test can see what the worker really did.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

T = TypeVar("T")

WORKER_READY_TIMEOUT = 60.0


def wait_until(
    predicate: Callable[[], T], *, timeout: float = 60.0, what: str = "a condition"
) -> T:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.1)


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL", "")


def uses_postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def worker_unavailable_reason() -> str | None:
    """Why a real worker cannot run here, or None when it can."""
    if not broker_url():
        return "no CELERY_BROKER_URL: a real Celery worker needs a broker"
    if not uses_postgresql():
        return "the test database is SQLite in memory, which a worker process cannot see"
    from config.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # any failure means there is no usable broker
        return f"the broker at {broker_url()} cannot be reached: {exc}"
    return None


def worker_database_url() -> str:
    """A DATABASE_URL for the test database pytest-django created (not the configured one)."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    email_dir: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(
                f"The Celery worker exited with {self.process.returncode}:\n{self.log()[-4000:]}"
            )

    def wait_for_log(self, pattern: str, *, count: int = 1, timeout: float = 60.0) -> None:
        """Wait until `pattern` (a regular expression) occurs `count` times in the worker log."""
        regex = re.compile(pattern)

        def seen() -> bool:
            self._check_alive()
            return len(regex.findall(self.log())) >= count

        try:
            wait_until(seen, timeout=timeout, what=f"{pattern!r} x{count} in the worker log")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nWorker log:\n{self.log()[-4000:]}") from None

    def succeeded(self, task_name: str) -> int:
        """How many runs of `task_name` the worker has finished without an error."""
        return len(re.findall(rf"Task {re.escape(task_name)}\[[^\]]+\] succeeded", self.log()))

    def emails(self) -> list[EmailMessage]:
        """Every message the worker's file-based email backend wrote."""
        messages = []
        for path in sorted(self.email_dir.glob("*.log")):
            # The file backend separates messages with a line of 79 dashes.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(
                        email.message_from_bytes(chunk.lstrip(), policy=email.policy.default)
                    )
        return messages


def _purge_queue() -> None:
    from config.celery import app

    app.control.purge()


@contextmanager
def celery_worker(
    *, tmp_path: Path, site_url: str, queues: str = "files,email,bulk,default"
) -> Iterator[Worker]:
    """Run a real `celery worker` against the test database for the duration of the block
    (consuming `queues`, by default every queue).

    In this process, tasks are switched from eager to really enqueued on the broker, and back
    at the end. The caller must make sure `worker_unavailable_reason()` is None.
    """
    from django.conf import settings

    from config.celery import app

    email_dir = tmp_path / "worker-emails"
    email_dir.mkdir()
    log_path = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        # Not the test settings: those force eager tasks.
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": broker_url(),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(email_dir),
        "SITE_URL": site_url,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    celery = Path(sys.executable).with_name("celery")
    command = [
        str(celery),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queues,
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
        "-n",
        f"e2e-{os.getpid()}@%h",
    ]
    _purge_queue()
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        worker = Worker(process=process, log_path=log_path, email_dir=email_dir)
        try:
            worker.wait_for_log(r"\bready\.", timeout=WORKER_READY_TIMEOUT)
            yield worker
        finally:
            app.conf.task_always_eager = was_eager
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            _purge_queue()
