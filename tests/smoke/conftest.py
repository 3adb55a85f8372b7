"""Collect the production static files in the background as soon as the smoke test is selected.

The production storage needs its manifest (the image builds it); collecting takes ten seconds or
more (brotli), so it starts right after collection and overlaps the tests that run before this
one. The smoke test's fixture waits for it.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

_collecting: dict[str, object] = {}


def production_static_env(static_root: Path) -> dict[str, str]:
    """What collectstatic needs from the production settings (no database or Redis is used)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "CERTIFICATE_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "REDIS_URL": env.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
            "DJANGO_STATIC_ROOT": str(static_root),
        }
    )
    return env


def pytest_collection_finish(session: pytest.Session) -> None:
    if not any(Path(item.path).parent.name == "smoke" for item in session.items):
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return  # the smoke test will be skipped (or fail in CI) for want of PostgreSQL
    static_root = Path(tempfile.mkdtemp(prefix="alueagentti-smoke-static-"))
    _collecting["root"] = static_root
    _collecting["process"] = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=Path(__file__).resolve().parent.parent.parent,
        env=production_static_env(static_root),
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    process = _collecting.get("process")
    if isinstance(process, subprocess.Popen) and process.poll() is None:
        process.kill()
        process.wait()
    root = _collecting.get("root")
    if isinstance(root, Path):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def production_static_root() -> Path:
    """The collected production static files (waits for the background collectstatic)."""
    process = _collecting.get("process")
    if not isinstance(process, subprocess.Popen):
        pytest.fail("collectstatic was not started: select the smoke test through pytest")
    assert process.wait(timeout=300) == 0, "collectstatic with the production settings failed"
    root = _collecting["root"]
    assert isinstance(root, Path)
    assert (root / "staticfiles.json").is_file()
    return root
