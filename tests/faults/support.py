"""The real services the fault suite starts, breaks and mends.

- `RedisServer`: its own `redis-server` on a free port (the broker), stopped and started again.
- `SmtpSink`: its own SMTP server (aiosmtpd, in a thread) with modes: normal, down, slow (five
  seconds a message) and drop (the connection is cut after the message's DATA, before the reply).
- `WorkerProcess`: a real `celery worker` subprocess on the test database, with its own queues;
  its pool children or the whole worker can be SIGKILLed mid-task (see tests/faults/workerapp.py).
- `WebClient`: HTTP against the Django test server (pytest-django's `live_server`), signed in
  as a person, posting forms with files like a browser does.
- `Ledger`: what a fault left in flight, lost and duplicated; the test fails on any loss or
  duplicate and the report is printed either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import importlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e_support import wait_until, worker_database_url

ROOT = Path(__file__).resolve().parents[2]


WORKER_DB_NAME = "faults-worker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Redis -----------------------------------------------------------------------------------


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=20, what="redis-server to answer")

    def stop(self) -> None:
        """The broker goes away (a restart, a network blip): messages in it are lost too,
        which is what an outage without persistence does."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *args: str) -> str:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return result.stdout.strip()

    def queued(self, queue: str) -> int:
        return int(self.command("LLEN", queue) or 0)


# --- SMTP ------------------------------------------------------------------------------------


@dataclass
class Received:
    to: tuple[str, ...]
    subject: str
    message_id: str
    body: bytes


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        received = Received(
            to=tuple(envelope.rcpt_tos),
            subject=str(message.get("Subject", "")),
            message_id=str(message.get("Message-ID", "")),
            body=envelope.original_content,
        )
        mode = self.sink.mode
        if mode == "slow":
            await asyncio.sleep(self.sink.slow_seconds)
        self.sink.messages.append(received)
        if mode == "drop":
            # The message is taken (a person will read it), but the reply never arrives.
            server.transport.abort()
            return "250 OK"
        return "250 OK"


class SmtpSink:
    MODES = ("normal", "down", "slow", "drop")

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "normal"
        self.slow_seconds = 5.0
        self.messages: list[Received] = []
        self._controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def set_mode(self, mode: str) -> None:
        assert mode in self.MODES, mode
        if mode == "down":
            self.stop()
        elif self._controller is None:
            self.start()
        self.mode = mode

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.to]


# --- the worker ------------------------------------------------------------------------------


class WorkerProcess:
    """`celery worker` for some queues, in its own process group so it can be killed whole."""

    def __init__(
        self,
        *,
        name: str,
        queues: Iterable[str],
        folder: Path,
        env: dict[str, str],
        concurrency: int = 2,
    ) -> None:
        self.name = name
        self.queues = tuple(queues)
        self.folder = folder
        self.hooks = folder / f"hooks-{name}"
        self.hooks.mkdir(parents=True, exist_ok=True)
        self.env = {**env, "FAULTS_HOOK_DIR": str(self.hooks)}
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = folder / f"worker-{name}.log"
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        command = [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "tests.faults.workerapp",
            "worker",
            "--pool=prefork",
            f"--concurrency={self.concurrency}",
            "-Q",
            ",".join(self.queues),
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
            "-n",
            f"faults-{self.name}-{os.getpid()}-{self.starts}@%h",
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        mark = f"faults-{self.name}-{os.getpid()}-{self.starts}@"
        wait_until(
            lambda: self._alive() and re.search(re.escape(mark) + r"\S* ready\.", self.log()),
            timeout=90,
            what=f"worker {self.name} to be ready",
        )

    def _alive(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"worker {self.name} exited:\n{self.log()[-3000:]}")
        return True

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def children(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def slow(self, task_name: str, seconds: float, *, hold_db: bool = False) -> None:
        (self.hooks / f"slow-{task_name}").write_text(f"{seconds}{' db' if hold_db else ''}")

    def fast(self) -> None:
        for path in self.hooks.glob("slow-*"):
            path.unlink()
        self.double_publish(False)

    def double_publish(self, on: bool = True) -> None:
        flag = self.hooks / "double-publish"
        if on:
            flag.write_text("1")
        else:
            flag.unlink(missing_ok=True)

    def started(self, task_name: str) -> list[int]:
        """Pids of the processes that have started `task_name` (one per run)."""
        # Written whole by workerapp._note; an empty file (never expected) is not a pid yet.
        pids = (p.read_text() for p in self.hooks.glob(f"started-{task_name}-*"))
        return [int(pid) for pid in pids if pid]

    def forget_started(self) -> None:
        """Forget which tasks ran (after a kill: the killed runs will never finish)."""
        for pattern in ("started-*", "done-*"):
            for path in self.hooks.glob(pattern):
                path.unlink()

    def busy(self) -> int:
        """Tasks started and not finished (by this worker's hook files)."""
        started = {p.name.removeprefix("started-") for p in self.hooks.glob("started-*")}
        done = {p.name.removeprefix("done-") for p in self.hooks.glob("done-*")}
        return len(started - done)

    def wait_started(self, task_name: str, *, count: int = 1, timeout: float = 60) -> list[int]:
        return wait_until(
            lambda: (
                self._alive() and len(self.started(task_name)) >= count and self.started(task_name)
            ),
            timeout=timeout,
            what=f"{task_name} to start in worker {self.name}",
        )

    def kill_child(self, pid: int) -> None:
        """SIGKILL one pool child (out of memory, a crash): the main process stays."""
        assert pid in self.children(), (pid, self.children())
        os.kill(pid, signal.SIGKILL)
        self.forget_started()

    def kill(self) -> None:
        """SIGKILL the whole worker, children included (a node lost, a container stopped)."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self.process = None
        self.forget_started()

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        self.process = None

    def succeeded(self, task_name: str) -> int:
        return len(re.findall(rf"Task {re.escape(task_name)}\[[^\]]+\] succeeded", self.log()))


def _smtp_backend() -> str:
    """Production's SMTP backend (it tells a reply lost after the data from a refused send)."""
    from django.utils.module_loading import import_string

    try:
        import_string("core.mail.SMTPBackend")
    except ImportError:
        return "django.core.mail.backends.smtp.EmailBackend"
    return "core.mail.SMTPBackend"


def worker_env(*, broker: str, smtp_port: int, private_root: Path, media_root: Path) -> dict:
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        # Named, so a test can cut exactly the worker's database connections.
        "DATABASE_URL": worker_database_url() + "?application_name=" + WORKER_DB_NAME,
        "CELERY_BROKER_URL": broker,
        "PRIVATE_MEDIA_ROOT": str(private_root),
        "MEDIA_ROOT": str(media_root),
        "EMAIL_BACKEND": _smtp_backend(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "SITE_URL": settings.SITE_URL,
        "CERTIFICATE_SIGNING_KEY": settings.CERTIFICATE_SIGNING_KEY,
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "FAULTS"):
        env.pop(name, None)
    return env


# --- HTTP against the test server ------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: str
    url: str


class WebClient:
    """A person's browser without the browser: cookies, CSRF token, multipart forms."""

    def __init__(self, base_url: str, user: Any) -> None:
        from django.conf import settings
        from django.test import Client

        self.base_url = base_url.rstrip("/")
        session = Client()
        session.force_login(user)
        self.cookies = {name: morsel.value for name, morsel in session.cookies.items()}
        self.csrf = uuid.uuid4().hex
        self.cookies[settings.CSRF_COOKIE_NAME] = self.csrf
        self.opener = urllib.request.build_opener(_NoRedirect())

    def get(self, path: str, timeout: float = 60) -> Response:
        return self._send(urllib.request.Request(self.base_url + path), timeout)  # noqa: S310

    def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        files: Iterable[tuple[str, str, bytes]] = (),
        timeout: float = 60,
    ) -> Response:
        boundary = uuid.uuid4().hex
        parts: list[bytes] = []
        fields = {"csrfmiddlewaretoken": self.csrf, **(data or {})}
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, filename, content in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        request = urllib.request.Request(  # noqa: S310 (the test server's http URL)
            self.base_url + path,
            data=b"".join(parts),
            method="POST",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.base_url + path,
                "X-CSRFToken": self.csrf,
            },
        )
        return self._send(request, timeout)

    def _send(self, request: urllib.request.Request, timeout: float) -> Response:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            with self.opener.open(request, timeout=timeout) as reply:  # noqa: S310
                return Response(reply.status, reply.read().decode(errors="replace"), reply.url)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(errors="replace"), request.full_url)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# --- what a fault did ------------------------------------------------------------------------


@dataclass
class Ledger:
    """One fault's account: what was in flight when it struck, and after recovery what was
    lost (expected but missing) and what was duplicated (more than once)."""

    fault: str
    in_flight: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def expect_once(self, what: str, count: int) -> None:
        """`what` must exist exactly once after recovery."""
        if count == 0:
            self.lost.append(what)
        elif count > 1:
            self.duplicated.append(f"{what} x{count}")

    def note(self, text: str) -> None:
        self.notes.append(text)

    def report(self) -> str:
        lines = [
            f"FAULT {self.fault} ({time.monotonic() - self.started:.1f} s)",
            f"  in flight:  {len(self.in_flight)}: {', '.join(self.in_flight) or '-'}",
            f"  lost:       {len(self.lost)}: {', '.join(self.lost) or '-'}",
            f"  duplicated: {len(self.duplicated)}: {', '.join(self.duplicated) or '-'}",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def check(self) -> None:
        report = self.report()
        print("\n" + report, flush=True)
        _REPORTS.append(report)
        assert not self.lost, report
        assert not self.duplicated, report


_REPORTS: list[str] = []


def reports() -> list[str]:
    return list(_REPORTS)


def terminate_worker_connections() -> int:
    """pg_terminate_backend of every database connection the workers hold now (not a restart:
    the server stays up, the connections in use are cut)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            [WORKER_DB_NAME],
        )
        return int(cursor.fetchone()[0])


def worker_connections_busy() -> int:
    """Worker database connections running a query or inside a transaction now."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND state IS NOT NULL AND state <> 'idle'",
            [WORKER_DB_NAME],
        )
        return int(cursor.fetchone()[0])


def eventually(predicate: Callable[[], Any], *, timeout: float = 60, what: str) -> Any:
    return wait_until(predicate, timeout=timeout, what=what)


# --- recovery: time moved forward, the sweepers run --------------------------------------------


WAITING = ("pending", "issuing", "queued", "sending", "processing", "checking", "applying")
STAMPS = ("created_at", "updated_at", "claimed_at", "queued_at")


def make_all_due(hours: float = 3) -> dict[str, int]:
    """Move time forward by `hours` for the outbox: every row waiting for a sweep is due now,
    and every waiting row (by its status) was written and claimed `hours` earlier, so a task
    that died holding it counts as gone. Returns how many rows of each model moved."""
    import datetime

    from django.apps import apps
    from django.db.models import DateTimeField, F
    from django.utils import timezone

    from core import outbox

    # The web process pauses publishing for a few seconds after a failed publish; that much
    # time has passed too.
    if hasattr(outbox, "_paused_until"):
        outbox._paused_until = 0.0
    now = timezone.now()
    moved: dict[str, int] = {}
    shift = datetime.timedelta(hours=hours)
    for model in apps.get_models():
        fields = {f.name: f for f in model._meta.get_fields()}
        rows = model._default_manager.all()
        count = 0
        if "next_attempt_at" in fields:
            count += rows.filter(next_attempt_at__isnull=False).update(
                next_attempt_at=now - datetime.timedelta(seconds=1)
            )
        stamps = [n for n in STAMPS if isinstance(fields.get(n), DateTimeField)]
        for status in ("status", "email_status"):
            if status in fields and stamps:
                waiting = rows.filter(**{f"{status}__in": WAITING})
                for stamp in stamps:
                    count += waiting.filter(**{f"{stamp}__isnull": False}).update(
                        **{stamp: F(stamp) - shift}
                    )
        if count:
            moved[model._meta.label] = count
    return moved


def sweeper_tasks() -> list[str]:
    """Every beat task that looks for lost work (sweepers and retries of stalled rows)."""
    from django.conf import settings

    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    return [n for n in names if any(word in n for word in ("sweep", "stalled", "recover"))]


def run_sweepers(*, times: int = 1) -> dict[str, Any]:
    """Run every sweeper here, as beat would start it; their publishes go to the real broker."""
    from config.celery import app

    results: dict[str, Any] = {}
    for _ in range(times):
        for name in sweeper_tasks():
            with contextlib.suppress(ImportError):
                importlib.import_module(name.rsplit(".", 1)[0])
            task = app.tasks.get(name)
            if task is None:
                results[name] = "missing"
                continue
            results[name] = task.apply().get()
    return results


def recover(**kwargs: Any) -> dict[str, Any]:
    """After a fault: one sweeper period passes (time moved forward) and the sweepers run.

    Right after Redis comes back, the first publish on this process's pooled connection (opened
    before the outage) can fail; the outbox then pauses publishing and the sweep's rows wait for
    the next sweep. That next period is simulated once more, and said so in the result."""
    import time as clock

    from core import outbox

    moved = make_all_due()
    swept = run_sweepers(**kwargs)
    result: dict[str, Any] = {"moved": moved, "swept": swept, "rounds": 1}
    if getattr(outbox, "_paused_until", 0.0) > clock.monotonic():
        make_all_due()
        result["swept_again"] = run_sweepers(**kwargs)
        result["rounds"] = 2
    return result
