"""Production hardening: public keys refused, the health probe under real settings, the image.

The real gunicorn start is in tests/smoke/test_production_smoke.py.
"""

import base64
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from core.requestid import HEADER

PRINT_KEYS = (
    "import django.conf as c; import config.settings.production as p; print(len(p.SECRET_KEY))"
)
RANDOM_SECRET = secrets.token_urlsafe(60)
# The key the image's build step used to pass to collectstatic (public, in git history).
OLD_BUILD_SECRET = "build-only-not-a-real-secret-0123456789-" + "abcdefghijklmnopqrstuvwxyz"
RANDOM_SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()


def load_production(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "REDIS_", "CERTIFICATE_", "SENTRY_"))
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_KEYS],
        cwd=settings.BASE_DIR,
        env={
            **clean,
            "DJANGO_SECRET_KEY": RANDOM_SECRET,
            "CERTIFICATE_SIGNING_KEY": RANDOM_SIGNING_KEY,
            "REDIS_URL": "redis://redis:6379/1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _compose() -> str:
    return (settings.BASE_DIR / "docker-compose.yml").read_text()


def _old_compose_default(name: str) -> str:
    """The default the compose file used to give `name` (public, in git history)."""
    return {
        "DJANGO_SECRET_KEY": "compose-local-only-secret-change-me-0123456789abcdefghijkl",
        "CERTIFICATE_SIGNING_KEY": "Y29tcG9zZS1sb2NhbC1vbmx5LWtleS0wMTIzNDU2Nzg=",
    }[name]


def test_fresh_random_keys_are_accepted():
    result = load_production()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(RANDOM_SECRET))


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        (
            {"DJANGO_SECRET_KEY": _old_compose_default("DJANGO_SECRET_KEY")},
            "DJANGO_SECRET_KEY is a publicly known example value",
        ),
        (
            {"DJANGO_SECRET_KEY": OLD_BUILD_SECRET},
            "DJANGO_SECRET_KEY is a publicly known example value",
        ),
        (
            {"DJANGO_SECRET_KEY": "please-change-me-" + secrets.token_urlsafe(40)},
            "DJANGO_SECRET_KEY is a publicly known example value",
        ),
        ({"DJANGO_SECRET_KEY": "a" * 80}, "too few different characters"),
        ({"DJANGO_SECRET_KEY": secrets.token_urlsafe(20)}, "50 characters or more"),
        (
            {"CERTIFICATE_SIGNING_KEY": _old_compose_default("CERTIFICATE_SIGNING_KEY")},
            "CERTIFICATE_SIGNING_KEY is a publicly known example value",
        ),
        (
            {
                "CERTIFICATE_SIGNING_KEY": base64.b64encode(
                    b"our-municipality-secret-key-2026"
                ).decode()
            },
            "CERTIFICATE_SIGNING_KEY decodes to readable text",
        ),
        ({"CERTIFICATE_SIGNING_KEY": "c2hvcnQ="}, "CERTIFICATE_SIGNING_KEY must be a random"),
        ({"CERTIFICATE_SIGNING_KEY": ""}, "CERTIFICATE_SIGNING_KEY must be a random"),
    ],
    ids=[
        "compose-secret",
        "old-build-secret",
        "placeholder-secret",
        "one-letter-secret",
        "short-secret",
        "compose-signing-key",
        "readable-signing-key",
        "short-signing-key",
        "no-signing-key",
    ],
)
def test_production_refuses_public_short_or_readable_keys(env, complaint):
    result = load_production(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_env_example_values_for_the_keys_are_refused():
    example = (settings.BASE_DIR / ".env.example").read_text()
    for name in ("DJANGO_SECRET_KEY", "CERTIFICATE_SIGNING_KEY"):
        value = re.search(rf"^{name}=(\S*)", example, re.MULTILINE).group(1)
        result = load_production(**{name: value})
        assert result.returncode != 0, f"{name}={value!r} from .env.example was accepted"
        assert name in result.stderr


def test_compose_gives_no_default_keys():
    compose = _compose()
    for name in ("DJANGO_SECRET_KEY", "CERTIFICATE_SIGNING_KEY"):
        line = re.search(rf"^\s+{name}: (.+)$", compose, re.MULTILINE).group(1)
        # `${NAME:?message}`: compose stops with the message when the variable is unset.
        assert line.startswith(f"${{{name}:?"), line
        assert _old_compose_default(name) not in compose


def test_the_mail_catcher_image_is_pinned_to_a_version():
    images = dict(
        re.findall(r"^  (\w+):\n(?:    .*\n)*?    image: (\S+)", _compose(), re.MULTILINE)
    )
    assert re.fullmatch(r"axllent/mailpit:v\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?", images["mailpit"])


def test_gunicorn_is_exec_ed_so_sigterm_reaches_it():
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.MULTILINE).group(1)
    assert cmd == '["gunicorn", "-c", "config/gunicorn.conf.py"]'  # exec form: PID 1
    web_command = re.search(r"web:\n(?:.*\n)*?    command: >\n((?:      .*\n)+)", _compose())
    assert "exec gunicorn -c config/gunicorn.conf.py" in web_command.group(1)
    # The image's own probe and compose's probe both ask for /healthz by IP.
    assert re.search(r"^HEALTHCHECK .*\n.*http://127\.0\.0\.1:8000/healthz", dockerfile, re.M)


@pytest.fixture
def production_like(settings):
    """The settings that broke the probe: only the real domain, HTTPS redirect, proxy header."""
    settings.ALLOWED_HOSTS = ["alueagentti.example"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.DEBUG = False
    return settings


def test_health_probe_by_ip_over_plain_http_gets_200(production_like, db):
    response = Client().get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.content.startswith(b"ok") or b'"status"' in response.content


def test_only_the_probe_is_exempt_from_the_host_check_and_the_redirect(production_like, db):
    client = Client()
    # Any other page by IP is refused (400), and over plain HTTP it is redirected to HTTPS.
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/healthz/x", HTTP_HOST="127.0.0.1:8000").status_code == 400
    redirect = client.get("/accounts/login/", HTTP_HOST="alueagentti.example")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://alueagentti.example/accounts/login/"
    page = client.get(
        "/accounts/login/", HTTP_HOST="alueagentti.example", HTTP_X_FORWARDED_PROTO="https"
    )
    assert page.status_code == 200
    assert page[HEADER]


def test_a_post_to_the_probe_goes_through_the_normal_checks(production_like, db):
    response = Client().post("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 400


def test_secrets_and_backups_stay_out_of_the_image():
    ignored = (settings.BASE_DIR / ".dockerignore").read_text().split()
    for path in (".env", "backups", "private_media", "media", "db.sqlite3"):
        assert path in ignored
