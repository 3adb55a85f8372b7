"""Database helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


def jit_off_for_connection() -> bool:
    """True when every PostgreSQL connection starts with JIT off (settings' `-c jit=off`)."""
    options = connection.settings_dict.get("OPTIONS", {}).get("options", "")
    return "jit=off" in str(options).replace(" ", "")


@contextmanager
def no_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiler can spend seconds compiling an aggregate over a whole cohort
    (its cost estimate passes the JIT threshold) that runs in a fraction of that time.

    The settings turn JIT off for every connection, so this costs nothing; where a deployment
    overrides the connection options, JIT is turned off for the block instead (SET LOCAL lasts
    until the transaction ends, so that costs a savepoint and two more queries).
    """
    if connection.vendor != "postgresql" or jit_off_for_connection():
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
