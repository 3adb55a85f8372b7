"""Production smoke test: the real gunicorn start with `config.settings.production`.

gunicorn starts from the image's own config (config/gunicorn.conf.py) with a real host name in
ALLOWED_HOSTS, the HTTPS redirect on, fresh random keys, PostgreSQL (the test database) and
Redis. Requests arrive as they would from the TLS proxy (`X-Forwarded-Proto: https`), and the
health probe arrives as it does inside the container (by IP, over plain HTTP). It needs
PostgreSQL and Redis; CI runs it strictly (ALUEAGENTTI_STRICT_TESTS=1).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from core.models import StagedUpload
from core.uploads import INCOMING
from tests import factories
from tests.conftest import skip_or_fail
from tests.e2e_support import uses_postgresql, wait_until, worker_database_url

HOST = "alueagentti.example"
PROXY = {"X-Forwarded-Proto": "https", "Host": HOST}
PASSWORD = "Kuusi-Kalaa-Uimassa-42"  # noqa: S105 - a test person's password


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL")
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:  # any failure means no usable Redis
        return None
    return url


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log_path: Path

    def request(
        self, method: str, path: str, *, headers: dict[str, str], body: str | bytes | None = None
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read().decode())
        finally:
            connection.close()

    def log_records(self) -> list[dict]:
        """gunicorn's log: one JSON object a line (after `migrate`'s plain report)."""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("{"))
        # From gunicorn's first line on, a line that is not JSON fails the test.
        return [json.loads(line) for line in lines[first:] if line.strip()]


def compose_migrate_command() -> list[str]:
    """The `command` of compose's one-shot `migrate` service, which web waits for."""
    compose = (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()
    found = re.search(r"^  migrate:\n(?:    .*\n)*?    command: (.+)\n", compose, re.M)
    assert found, "no migrate service in docker-compose.yml"
    return shlex.split(found.group(1))


def compose_web_command() -> list[str]:
    """The `command` of compose's web service (a folded block), as an argument list."""
    compose = (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()
    block = re.search(r"^  web:\n(?:    .*\n)*?    command: >\n((?:      .*\n)+)", compose, re.M)
    assert block, "no command for the web service in docker-compose.yml"
    command = shlex.split(" ".join(line.strip() for line in block.group(1).splitlines()))
    assert command[:2] == ["sh", "-c"], command
    assert "exec gunicorn" in command[2], command
    return command


def _production_env(tmp_path: Path, port: int, redis_url: str, static_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "CERTIFICATE_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
            # Collected as the image does at build time (tests/smoke/conftest.py).
            "DJANGO_STATIC_ROOT": str(static_root),
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": "",
            "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "SITE_URL": f"https://{HOST}",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@pytest.fixture
def server(transactional_db, tmp_path, settings, request):
    if not uses_postgresql():
        skip_or_fail("the production smoke test needs PostgreSQL (DATABASE_URL)")
    redis_url = _redis_url()
    if not redis_url:
        skip_or_fail("the production smoke test needs a reachable Redis (REDIS_URL)")
    port = _free_port()
    static_root = request.getfixturevalue("production_static_root")
    env = _production_env(tmp_path, port, redis_url, static_root)
    log_path = tmp_path / "gunicorn.log"
    # Exactly the web service's command in docker-compose.yml, with this virtualenv's programs,
    # after the one-shot migrate service's (the deploy runs migrations once, not per replica).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    migrate = subprocess.run(
        compose_migrate_command(),
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert "No migrations to apply" in migrate.stdout
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            compose_web_command(),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = Server(port=port, process=process, log_path=log_path)

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log_path.read_text()[-3000:]}")
        try:
            return running.request("GET", "/healthz", headers={}).status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, timeout=30, what="gunicorn to answer /healthz")
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _cookies(answer: Answer) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in answer.headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def test_gunicorn_with_production_settings_serves_health_login_and_a_session(server, tmp_path):
    started = time.monotonic()
    learner = factories.UserFactory(email="oona@example.fi", first_name="Oona")
    # Production hashes with PBKDF2 (the test settings use MD5, which production would not
    # read); few iterations here, gunicorn upgrades the hash when Oona signs in.
    hasher = PBKDF2PasswordHasher()
    learner.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    learner.save(update_fields=["password"])
    assert EmailAddress.objects.filter(user=learner, verified=True).exists()

    # The container's probe: by IP, plain HTTP, no proxy header.
    health = server.request("GET", "/healthz", headers={})
    assert health.status == 200

    # A browser through the TLS proxy gets the sign-in page, with HTTPS-only cookies and HSTS.
    login = server.request("GET", "/accounts/login/", headers=PROXY)
    assert login.status == 200, login.body[:500]
    assert 'name="password"' in login.body
    assert "max-age=" in login.headers["Strict-Transport-Security"]
    assert all("Secure" in c for c in login.headers.get_all("Set-Cookie") or [])
    request_id = login.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)

    # Signing in works end to end: CSRF over HTTPS, the session in Redis and PostgreSQL.
    csrf = _cookies(login)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.body).group(1)
    signed_in = server.request(
        "POST",
        "/accounts/login/",
        headers={
            **PROXY,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"https://{HOST}/accounts/login/",
            "Origin": f"https://{HOST}",
        },
        body=urlencode(
            {"login": learner.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ),
    )
    assert signed_in.status == 302, signed_in.body[:1000]
    session = _cookies(signed_in)["sessionid"]
    dashboard = server.request(
        "GET", signed_in.headers["Location"], headers={**PROXY, "Cookie": f"sessionid={session}"}
    )
    if dashboard.status == 302:  # the home page sends a signed-in person on to their dashboard
        dashboard = server.request(
            "GET",
            dashboard.headers["Location"],
            headers={**PROXY, "Cookie": f"sessionid={session}"},
        )
    assert dashboard.status == 200
    assert "Oona" in dashboard.body

    # A staged upload (static/js/staged-uploads.js) reaches the private disk byte for byte:
    # the body is read from gunicorn's socket straight into the file (core/direct_body.py).
    payload = bytes(range(256)) * (12 * 1024) + b"loppu"
    staged = server.request(
        "POST",
        "/uploads/",
        headers={
            **PROXY,
            "Content-Type": "application/pdf",
            "X-File-Name": "vaikutussuunnitelma.pdf",
            "X-CSRFToken": csrf,
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "Referer": f"https://{HOST}/",
            "Origin": f"https://{HOST}",
        },
        body=payload,
    )
    assert staged.status == 201, staged.body[:1000]
    row = StagedUpload.objects.get(token=json.loads(staged.body)["token"])
    assert row.size == len(payload)
    assert (tmp_path / "private" / INCOMING / row.stored_name).read_bytes() == payload

    # Without the proxy's header the request is redirected to HTTPS; an unknown host is refused.
    plain = server.request("GET", "/accounts/login/", headers={"Host": HOST})
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://{HOST}/accounts/login/"
    assert server.request("GET", "/accounts/login/", headers={"Host": "evil.example"}).status == 400

    # SIGTERM (docker stop) to the container's first process reaches gunicorn itself, which
    # `exec` made of the shell: it stops its workers and exits cleanly. Without the exec the
    # shell would die of the signal (-15) and leave gunicorn running.
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=25) == 0

    # One JSON object per line, and the request's lines carry its id.
    records = server.log_records()
    access = [r for r in records if r.get("request_id") == request_id]
    assert access, records[-5:]
    assert access[0]["logger"] == "alueagentti.requests"
    assert access[0]["status"] == 200
    assert access[0]["path"] == "/accounts/login/"
    assert {"time", "level", "logger", "message"} <= access[0].keys()
    assert any(r["logger"] == "gunicorn.error" for r in records)
    assert time.monotonic() - started < 30
