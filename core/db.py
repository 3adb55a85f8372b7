"""Database helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

# psycopg keeps the parsed form of a query (where its %s placeholders are) only for queries of
# at most 50 parameters and 4 kB: a page of 50 learners' ids passes both, so the queries that
# read a page's progress and phase states were parsed again on every request (about 1 ms of
# CPU a cohort page, #13). Its cache holds at most 128 queries (functools.lru_cache), so a
# larger limit cannot grow it without bound.
PARSED_QUERY_MAX_PARAMS = 256
PARSED_QUERY_MAX_LENGTH = 32 * 1024


def keep_parsed_queries() -> bool:
    """Let psycopg keep the parsed form of queries up to PARSED_QUERY_MAX_PARAMS parameters
    and PARSED_QUERY_MAX_LENGTH bytes. Its limits are module constants, not a setting: False
    (and nothing changed) when this psycopg has none by those names."""
    try:
        from psycopg import _queries
    except ImportError:
        return False
    if not hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS") or not hasattr(
        _queries, "MAX_CACHED_STATEMENT_LENGTH"
    ):
        return False
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(
        _queries.MAX_CACHED_STATEMENT_PARAMS, PARSED_QUERY_MAX_PARAMS
    )
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(
        _queries.MAX_CACHED_STATEMENT_LENGTH, PARSED_QUERY_MAX_LENGTH
    )
    return True


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
