"""The cohort page's statement on the embedded default (`make run`, SQLite), whatever database
the suite runs on: its SQL is written per vendor (session 11: PostgreSQL's LATERAL, which SQLite
does not know, made every cohort page answer 500 on the demo while the suite, on PostgreSQL,
stayed green)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

PAGE = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from learners.progress_page import cohort_progress_page
    from tests import factories

    cohort = factories.CohortFactory()
    staff = factories.UserFactory(first_name="Olli", last_name="Ohjaaja")
    factories.MembershipFactory(cohort=cohort, user=staff, role="instructor")
    for n in range(3):
        learner = factories.UserFactory(first_name=f"Äijälä{n}", last_name="Öhman")
        factories.MembershipFactory(cohort=cohort, user=learner, role="learner")
    page, overview = cohort_progress_page(cohort=cohort, number=1)
    print("vendor", connection.vendor)
    print("learners", page.paginator.count, len(overview.rows))
    print("instructors", [u.first_name for u in overview.instructors])
    found, _ = cohort_progress_page(cohort=cohort, query="äijälä1")
    print("found", [p.first_name for p in found.object_list])
    """
)


def test_the_progress_section_reads_on_the_embedded_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", PAGE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "vendor sqlite" in result.stdout
    assert "learners 3 3" in result.stdout
    assert "instructors ['Olli']" in result.stdout
    assert "found ['Äijälä1']" in result.stdout
