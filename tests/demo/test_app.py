"""The demo is an app of its own: the base settings install it for `make run`, the production
settings leave it out, and no production module imports it."""

import ast
import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import get_commands

# What ships besides the demo: every first-party package except the demo and the tests.
NOT_PRODUCTION = {"demo", "tests", "docs", "static", "staticfiles", "templates", "locale"}


def production_modules() -> list[Path]:
    base = Path(settings.BASE_DIR)
    packages = [
        path.parent for path in base.glob("*/__init__.py") if path.parent.name not in NOT_PRODUCTION
    ]
    return [path for package in packages for path in package.rglob("*.py")]


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_make_run_has_the_demo_app_and_its_command():
    assert apps.is_installed("demo")
    assert get_commands()["seed_demo"] == "demo"


def test_no_production_module_imports_the_demo():
    offenders = sorted(
        f"{path.relative_to(settings.BASE_DIR)}: {name}"
        for path in production_modules()
        for name in imports_of(path)
        if name == "demo" or name.startswith("demo.")
    )
    assert "core" in {p.relative_to(settings.BASE_DIR).parts[0] for p in production_modules()}
    assert offenders == []


def test_the_production_settings_leave_the_demo_out():
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "REDIS_", "CERTIFICATE_", "SENTRY_"))
        },
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "CERTIFICATE_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "REDIS_URL": "redis://redis:6379/1",
    }
    script = (
        "import sys, django; django.setup(); "
        "from django.apps import apps; from django.core.management import get_commands; "
        "import config.urls; "
        "print(apps.is_installed('demo'), 'seed_demo' in get_commands(), "
        "any(m == 'demo' or m.startswith('demo.') for m in sys.modules))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False"]
