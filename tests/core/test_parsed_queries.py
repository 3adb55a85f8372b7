"""psycopg keeps the parsed form of the queries a page of 50 learners sends (core.db)."""

from psycopg import _queries
from psycopg.adapt import Transformer

from core import db


def _converted_from_cache(query: bytes, params: list[int]) -> bool:
    """Convert `query` twice as psycopg's client-side cursor does (Django's default); True when
    the second conversion was answered by psycopg's cache of parsed queries."""
    for _ in range(2):
        before = _queries._query2pg_client.cache_info().hits
        _queries.PostgresClientQuery(Transformer()).convert(query, params)
    return _queries._query2pg_client.cache_info().hits == before + 1


def test_a_query_with_a_page_of_ids_is_parsed_once():
    # The versions of a page of 50 learners and their teams: 101 parameters, over 4 kB.
    ids = ", ".join(["%s"] * 100)
    columns = ", ".join(f"col_{n}" for n in range(400))
    query = (
        f"SELECT {columns} FROM workshops_submission "  # noqa: S608 - placeholders only
        f"WHERE cohort_id = %s AND (learner_id IN ({ids}) OR experiment_id IN ({ids}))"
    ).encode()
    assert len(query) > 4096
    # Raised when the site starts (core.apps), not by this test.
    assert _converted_from_cache(query, list(range(201)))


def test_raising_the_limits_again_changes_nothing():
    limits = (_queries.MAX_CACHED_STATEMENT_PARAMS, _queries.MAX_CACHED_STATEMENT_LENGTH)
    assert db.keep_parsed_queries()
    assert limits == (_queries.MAX_CACHED_STATEMENT_PARAMS, _queries.MAX_CACHED_STATEMENT_LENGTH)


def test_the_cache_stays_bounded():
    assert _queries._query2pg_client.cache_info().maxsize == 128
    # Past the raised limits a query is parsed each time, as psycopg does.
    too_many = ("SELECT 1 WHERE 1 IN (" + ", ".join(["%s"] * 300) + ")").encode()
    assert not _converted_from_cache(too_many, list(range(300)))
