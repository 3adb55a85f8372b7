"""Pytest fixtures for the tests' OpenID Connect provider (tests/oidc_provider/serve.py).

`oidc_provider` starts it once per test session in a subprocess with its own SQLite file and
stops it at the end; `IdentityProvider.allow_redirect_uris` lets each test register the
callback addresses of its organisations (their ids differ from test to test).
"""

from __future__ import annotations

import json
import re
import select
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent.parent
CLIENT_ID = "alueagentti-test-client"
CLIENT_SECRET = "test-client-secret-0123456789"  # noqa: S105 - the tests' own provider
PASSWORD = "idp-password-1!"  # noqa: S105
DOMAIN = "testikunta.fi"
# Everyone the provider knows: a verified address, a second person and an unverified address.
USERS = [
    {
        "username": "anna",
        "email": f"anna.aaltonen@{DOMAIN}",
        "first_name": "Anna",
        "last_name": "Aaltonen",
        "email_verified": True,
    },
    {
        "username": "ville",
        "email": f"ville.virtanen@{DOMAIN}",
        "first_name": "Ville",
        "last_name": "Virtanen",
        "email_verified": True,
    },
    {
        "username": "uuno",
        "email": f"uuno.unverified@{DOMAIN}",
        "first_name": "Uuno",
        "last_name": "Uusi",
        "email_verified": False,
    },
]


@dataclass
class IdentityProvider:
    port: int
    issuer: str
    database: Path
    users: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def wrong_host_issuer(self) -> str:
        """The same server through another host name: its discovery names the real issuer."""
        return f"http://localhost:{self.port}/o"

    def allow_redirect_uris(self, *uris: str) -> None:
        with sqlite3.connect(self.database) as connection:
            connection.execute(
                "UPDATE oauth2_provider_application SET redirect_uris = ?", (" ".join(uris),)
            )

    def sign_in(self, authorisation_url: str, username: str) -> str:
        """What a person does at the provider (without a browser): sign in on its form and be
        sent back. Returns the callback address with the code and the state."""
        import requests

        session = requests.Session()
        session.trust_env = False
        response = session.get(authorisation_url, timeout=10)
        assert "/login/" in response.url, response.url
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        next_field = re.search(r'name="next" value="([^"]*)"', response.text)
        assert token
        assert next_field
        response = session.post(
            response.url,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": PASSWORD,
                "next": unescape(next_field.group(1)),
            },
            headers={"Referer": response.url},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
        # The authorisation endpoint again, now signed in: it sends the browser back.
        response = session.get(
            urljoin(response.url, response.headers["Location"]), allow_redirects=False, timeout=10
        )
        assert response.status_code == 302, response.text[:500]
        location = response.headers["Location"]
        assert "code=" in location, location
        return location


def callback_path(location: str) -> tuple[str, dict[str, str]]:
    parsed = urlparse(location)
    return parsed.path, {k: v[0] for k, v in parse_qs(parsed.query).items()}


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityProvider]:
    try:
        import oauth2_provider  # noqa: F401
    except ImportError:
        skip_or_fail("django-oauth-toolkit is not installed (uv sync --dev)")
    folder = tmp_path_factory.mktemp("oidc-provider")
    config = {
        "database": str(folder / "idp.sqlite3"),
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "users": [{**u, "password": PASSWORD} for u in USERS],
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own module with our own interpreter
        [sys.executable, "-m", "tests.oidc_provider.serve", str(folder / "config.json")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([process.stdout], [], [], 0.5)
            if ready:
                line = process.stdout.readline()
                break
        if not line:
            log.flush()
            raise RuntimeError(
                "The test OpenID provider did not start:\n"
                + (folder / "server.log").read_text(encoding="utf-8")[-3000:]
            )
        started = json.loads(line)
        yield IdentityProvider(
            port=started["port"],
            issuer=started["issuer"],
            database=folder / "idp.sqlite3",
            users={u["username"]: u for u in USERS},
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stdout is not None:
            process.stdout.close()
        log.close()
