"""The embedded default (`make run`, SQLite) serves a web server and in-process tasks at once:
a review save racing its own draft autosaves, or an autosave during a three-file submission,
must wait for its turn instead of answering 500 with "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Two requests that read and then write, at the same moment, through Django's own connections
# made from the project's settings against a database file (as `make run` uses).
RACE = textwrap.dedent(
    """
    import os, threading, time
    import django
    django.setup()
    from django.conf import settings
    from django.db import connection, connections, transaction

    if os.environ.get("RACE_MODE"):  # the control: SQLite's default, as before the fix
        settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = os.environ["RACE_MODE"]

    print("journal", connection.cursor().execute("PRAGMA journal_mode").fetchone()[0])
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE draft (id INTEGER PRIMARY KEY, text TEXT)")
    errors, barrier = [], threading.Barrier(2)

    def request(text):
        try:
            barrier.wait(timeout=5)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM draft")
                    time.sleep(0.3)
                    cursor.execute("INSERT INTO draft (text) VALUES (%s)", [text])
        except Exception as exc:  # what the request would have answered 500 with
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(t,)) for t in ("review", "autosave")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with connection.cursor() as cursor:
        print("rows", cursor.execute("SELECT count(*) FROM draft").fetchone()[0])
    print("errors", errors)
    """
)


def _run(tmp_path: Path, database_url: str, **extra: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        **extra,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", RACE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_two_writers_on_the_embedded_database_queue_instead_of_failing(tmp_path):
    out = _run(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert "journal wal" in out
    assert "rows 2" in out
    assert "errors []" in out


def test_the_race_fails_with_sqlites_default_transactions(tmp_path):
    # The control that shows the test above can fail: deferred transactions that read and
    # then write deadlock, and SQLite answers one of them "database is locked" at once.
    out = _run(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", RACE_MODE="DEFERRED")
    assert "database is locked" in out


def test_the_sqlite_options_apply_to_sqlite_only():
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
        assert options["timeout"] >= 20
    else:
        assert "transaction_mode" not in options
