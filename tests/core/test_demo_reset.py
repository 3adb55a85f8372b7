"""`make demo-reset`: a fresh demo in one command, and never a reset of anything but the
embedded SQLite demo database."""

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


def make(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))}
    return subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", *args],  # noqa: S607
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=540,
    )


@pytest.fixture
def make_works():
    probe = make("-n", "help")
    if probe.returncode != 0 or not (ROOT / ".venv" / ".installed").exists():
        skip_or_fail("make and the installed .venv are needed")


def test_demo_reset_replaces_a_used_demo_with_a_fresh_one(tmp_path, make_works):
    db = tmp_path / "demo.sqlite3"
    with sqlite3.connect(db) as used:
        used.execute("CREATE TABLE left_over (x)")  # what a week of clicking leaves behind
    result = make("demo-reset", DATABASE_URL=f"sqlite:///{db}")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Demo data is ready" in result.stdout
    with sqlite3.connect(db) as fresh:
        tables = {name for (name,) in fresh.execute("SELECT name FROM sqlite_master")}
        emails = {email for (email,) in fresh.execute("SELECT email FROM core_user")}
        searchable = fresh.execute(
            "SELECT count(*) FROM portfolio_card_fts WHERE portfolio_card_fts MATCH 'matkaketju*'"
        ).fetchone()[0]
    assert "left_over" not in tables
    assert "oppija@demo.alueagentti.fi" in emails
    # The demo's cards are searchable at once (seed_demo analyses them for search).
    assert searchable > 0


def test_demo_reset_refuses_a_database_that_is_not_the_embedded_demo(make_works):
    result = make("demo-reset", DATABASE_URL="postgres://nobody@127.0.0.1:1/not_the_demo")
    assert result.returncode != 0
    assert "resets only the embedded SQLite demo" in result.stdout
    assert "seed_demo" not in result.stdout
