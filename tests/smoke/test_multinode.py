"""Two web nodes and two workers sharing only PostgreSQL, Redis and an S3 store.

Each node is the production start (compose's web command, `config.settings.production`, a test
host name behind `X-Forwarded-Proto: https`) with a private folder of its own that nothing may
use: private files live in a bucket on a local S3 server (moto), sessions and cache in Redis,
everything else in PostgreSQL (the test database). Two Celery workers consume every queue. One
journey crosses them: the learner signs in on node A and uploads a PDF on node B, a worker
checks it from the bucket, the instructor downloads it on node A and another learner is refused
on node B. CI runs it strictly (`-m multinode` selects it; it needs PostgreSQL and Redis).
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse

from tests import factories
from tests.conftest import skip_or_fail
from tests.e2e_support import uses_postgresql, wait_until
from tests.pdfs import pdf_bytes
from tests.smoke.test_production_smoke import (
    HOST,
    PROXY,
    Server,
    _cookies,
    _free_port,
    _production_env,
    _redis_url,
    compose_web_command,
)
from workshops import services as workshop_services
from workshops.models import SubmissionFile

pytestmark = [pytest.mark.multinode]

PASSWORD = "Seitseman-Siilia-Juoksee-7"  # noqa: S105 - a test person's password
QUEUES = "files,email,bulk,default"


@dataclass
class Browser:
    """One person's cookies, sent to whichever node they happen to reach."""

    cookies: dict[str, str]

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def get(self, node: Server, path: str):
        answer = node.request("GET", path, headers={**PROXY, "Cookie": self.header()})
        self.cookies.update(_cookies(answer))
        return answer

    def post(self, node: Server, path: str, *, body: bytes, content_type: str):
        connection = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
        try:
            connection.request(
                "POST",
                path,
                body=body,
                headers={
                    **PROXY,
                    "Cookie": self.header(),
                    "Content-Type": content_type,
                    "Referer": f"https://{HOST}{path}",
                    "Origin": f"https://{HOST}",
                },
            )
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        self.cookies.update(
            {
                name: morsel.value
                for value in response.headers.get_all("Set-Cookie") or []
                for name, morsel in _parse(value).items()
            }
        )
        return response.status, response.headers, data


def _parse(value: str):
    from http.cookies import SimpleCookie

    jar: SimpleCookie = SimpleCookie()
    jar.load(value)
    return jar


def _token(body: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert found, body[:2000]
    return found.group(1)


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]):
    boundary = f"----alueagentti{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, data, kind) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def sign_in(node: Server, email: str) -> Browser:
    browser = Browser(cookies={})
    login = browser.get(node, "/accounts/login/")
    assert login.status == 200, login.body[:500]
    status, headers, data = browser.post(
        node,
        "/accounts/login/",
        body=urlencode(
            {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": _token(login.body)}
        ).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert status == 302, data[:1000]
    assert "sessionid" in browser.cookies
    return browser


def _person(email: str, **fields):
    # Production hashes with PBKDF2; few iterations here (gunicorn upgrades it at sign-in).
    user = factories.UserFactory(email=email, language="en", **fields)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    assert EmailAddress.objects.filter(user=user, verified=True).exists()
    return user


@dataclass
class Cluster:
    a: Server
    b: Server
    workers: list[subprocess.Popen]
    logs: list[Path]
    bucket: str
    private_roots: list[Path]

    def worker_log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs)


def _start(command: list[str], *, env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
def cluster(transactional_db, tmp_path, settings, request, moto_s3, s3_bucket) -> Iterator[Cluster]:
    if not uses_postgresql():
        skip_or_fail("the multi-node check needs PostgreSQL (DATABASE_URL)")
    redis_url = _redis_url()
    if not redis_url:
        skip_or_fail("the multi-node check needs a reachable Redis (REDIS_URL)")
    broker = os.environ.get("CELERY_BROKER_URL") or redis_url
    static_root = request.getfixturevalue("production_static_root")
    # One set of keys for the whole cluster, as a deploy gives every node the same .env.
    shared = _production_env(tmp_path, 0, redis_url, static_root)
    shared.update(moto_s3.environment(s3_bucket))
    shared.update(
        {
            "CELERY_BROKER_URL": broker,
            "WEB_CONCURRENCY": "1",
            # Staff sign in without a second factor here; the MFA rule has its own tests.
            "ALUEAGENTTI_REQUIRE_STAFF_MFA": "0",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        shared.pop(name, None)
    from config.celery import app

    app.control.purge()
    processes: list[subprocess.Popen] = []
    servers: list[Server] = []
    worker_logs: list[Path] = []
    roots: list[Path] = []
    try:
        for node in ("a", "b"):
            port = _free_port()
            # A private folder of its own that cannot be created: any write to the local disk
            # instead of the bucket fails loudly.
            blocker = tmp_path / f"node-{node}-disk"
            blocker.write_bytes(b"")
            roots.append(blocker / "private")
            env = {
                **shared,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "PRIVATE_MEDIA_ROOT": str(blocker / "private"),
                "MEDIA_ROOT": str(tmp_path / f"node-{node}-media"),
            }
            log = tmp_path / f"gunicorn-{node}.log"
            process = _start(compose_web_command(), env=env, log=log, cwd=settings.BASE_DIR)
            processes.append(process)
            servers.append(Server(port=port, process=process, log_path=log))
            worker_log = tmp_path / f"worker-{node}.log"
            worker_logs.append(worker_log)
            processes.append(
                _start(
                    [
                        str(Path(sys.executable).with_name("celery")),
                        "-A",
                        "config",
                        "worker",
                        "--pool=solo",
                        "-Q",
                        QUEUES,
                        "--without-gossip",
                        "--without-mingle",
                        "-l",
                        "info",
                        "-n",
                        f"node-{node}-{os.getpid()}@%h",
                    ],
                    env={**env, "GUNICORN_BIND": ""},
                    log=worker_log,
                    cwd=settings.BASE_DIR,
                )
            )

        def ready() -> bool:
            for process in processes:
                if process.poll() is not None:
                    logs = "\n".join(p.read_text()[-2000:] for p in tmp_path.glob("*.log"))
                    raise AssertionError(f"a node exited:\n{logs}")
            try:
                web = all(s.request("GET", "/healthz", headers={}).status == 200 for s in servers)
            except OSError:
                return False
            return web and all(re.search(r"\bready\.", p.read_text()) for p in worker_logs)

        wait_until(ready, timeout=60, what="two gunicorn nodes and two workers")
        yield Cluster(
            a=servers[0],
            b=servers[1],
            workers=processes[1::2],
            logs=worker_logs,
            bucket=s3_bucket,
            private_roots=roots,
        )
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        app.control.purge()


def test_a_journey_across_two_web_nodes_and_two_workers(cluster, moto_s3):
    started = time.monotonic()
    membership = factories.MembershipFactory(user=_person("oona@example.fi", first_name="Oona"))
    cohort = membership.cohort
    learner = membership.user
    instructor = _person("ohjaaja@example.fi")
    factories.MembershipFactory(cohort=cohort, user=instructor, role="instructor")
    olli = _person("olli@example.fi")
    factories.MembershipFactory(cohort=cohort, user=olli, role="learner")
    assignment = factories.AssignmentFactory(workshop__course=cohort.course, phase=1)
    workshop_services.experiment_create(
        learner=learner,
        workshop=assignment.workshop,
        cohort=cohort,
        title="Liityntäkyyti asemalle",
        challenge="Kylistä on vaikea päästä rautatieasemalle ilman autoa.",
    )

    # Oona signs in on node A; her session (in Redis and PostgreSQL) works on node B.
    oona = sign_in(cluster.a, learner.email)
    answer_page = reverse("workshops:assignment", args=[assignment.pk])
    page = oona.get(cluster.b, answer_page)
    assert page.status == 200, page.body[:1000]
    data = pdf_bytes(pages=2)
    body, content_type = _multipart(
        {"csrfmiddlewaretoken": _token(page.body), "text": "Haasteeni on matkaketjut."},
        {"attachments": ("haaste.pdf", data, "application/pdf")},
    )
    status, headers, answer = oona.post(
        cluster.b,
        answer_page,
        body=body,
        content_type=content_type,
    )
    assert status == 302, answer[:2000]

    # A worker (whichever took it) checks the file from the bucket.
    attachment = wait_until(
        lambda: SubmissionFile.objects.filter(
            status=SubmissionFile.Status.ACCEPTED, submission__learner=learner
        ).first(),
        timeout=30,
        what="a worker to check the uploaded file",
    )
    assert attachment.page_count == 2
    # The row is settled just before the worker logs the task's end.
    wait_until(
        lambda: re.search(
            r"Task workshops\.tasks\.submission_file_process\[[^\]]+\] succeeded",
            cluster.worker_log(),
        ),
        timeout=15,
        what="a worker's log of the file check",
    )
    keys = moto_s3.keys(cluster.bucket)
    assert attachment.file.name in keys
    assert moto_s3.read(cluster.bucket, attachment.file.name) == data
    # No node wrote to a disk of its own.
    assert not any(root.exists() for root in cluster.private_roots)

    # The instructor downloads it on node A, byte for byte; Olli is refused on node B.
    teacher = sign_in(cluster.a, instructor.email)
    download = reverse("workshops:file_download", args=[attachment.pk])
    connection = http.client.HTTPConnection("127.0.0.1", cluster.a.port, timeout=30)
    connection.request("GET", download, headers={**PROXY, "Cookie": teacher.header()})
    response = connection.getresponse()
    got = response.read()
    connection.close()
    assert response.status == 200
    assert got == data
    assert response.headers["Content-Disposition"] == 'attachment; filename="haaste.pdf"'
    other = sign_in(cluster.b, olli.email)
    assert other.get(cluster.b, download).status == 404
    assert time.monotonic() - started < 60
