"""What a page reads, statement by statement, for the tests that no page reads the same rows
twice (tests/test_s14_no_repeated_reads.py, tests/courses/test_s14_course_reads.py,
tests/learners/test_s14_staff_reads.py)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

# Not reads: a view's atomic block opens and closes savepoints with numbered names.
SAVEPOINTS = re.compile(r"^(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b")


def signed_in(user: Any) -> Client:
    """A Finnish browser of the person's own (None: signed out)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="fi")
    if user is not None:
        client.force_login(user)
    return client


def page_reads(client: Client, url: str, *, warm: bool = True) -> tuple[list[str], bytes]:
    """Every statement the page runs (after a first visit has warmed the process's caches, with
    `warm`) and what it answered."""
    if warm:
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, url
    return [q["sql"] for q in queries.captured_queries if not SAVEPOINTS.match(q["sql"])], body


def statements(client: Client, url: str) -> list[str]:
    """page_reads without the answer."""
    return page_reads(client, url)[0]


def repeated(sqls: list[str]) -> list[str]:
    """The statements run more than once, each with how many times."""
    return [f"{n} times: {sql[:300]}" for sql, n in Counter(sqls).items() if n > 1]
