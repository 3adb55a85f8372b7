"""Queries of a fixed shape compiled by the ORM once per process, run with the real ids.

The workshop pages a learner or an instructor opens most (the phase answer page, the review
page) run a dozen small queries a request. Building each QuerySet and compiling it to SQL cost
more than the database took to answer it (issue 13), so these queries are compiled once per
database, shape and language with placeholder ids, and each request runs the kept SQL with its
own ids. The rows become model instances (with their select_related rows) exactly as the ORM
builds them, and the backend's converters still apply (SQLite's 0/1 become booleans).

A shape takes only ids as its variables, each exactly once or more through a keyword of
`build`; anything else that changes the SQL (a list of ids, a flag) belongs in the key.
The placeholders are numbers that every integer column accepts (Django leaves a lookup out of
the SQL when its value is out of the column's range, as a negative phase would be); the
queries here use no such constants of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.utils import translation

_M = TypeVar("_M", bound=Model)

_BASE = 32_700
_compiled: dict[tuple[Any, ...], tuple[SQLCompiler, str, tuple[Any, ...], dict[int, str]]] = {}


def _compile(
    model: type[Model], key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], names: list[str]
) -> tuple[str, tuple[SQLCompiler, str, tuple[Any, ...], dict[int, str]]]:
    alias = router.db_for_read(model)
    full = (alias, translation.get_language(), *key)
    found = _compiled.get(full)
    if found is None:
        placeholders = {_BASE + n: name for n, name in enumerate(names)}
        qs = build(**{name: value for value, name in placeholders.items()})
        compiler = qs.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # Some backends wrap integers (psycopg's Int2 for a small integer column): an int all
        # the same, rebuilt with the real id when the query runs.
        used = {p for p in params if _is_id(p) and p in placeholders}
        if used != set(placeholders):  # pragma: no cover - a guard for a new shape
            missing = sorted(placeholders[p] for p in set(placeholders) - used)
            raise AssertionError(f"{key}: {missing} must reach the SQL as parameters")
        found = _compiled[full] = (compiler, sql, tuple(params), placeholders)
    return alias, found


_BIGINT = 2**63


def _is_id(param: Any) -> bool:
    return isinstance(param, int) and not isinstance(param, bool)


def _execute(alias: str, sql: str, params: tuple[Any, ...], placeholders: dict[int, str], ids):
    if any(not -_BIGINT <= value < _BIGINT for value in ids.values()):
        return []  # an id from a URL no column can hold matches nothing, as in the ORM
    bound = [
        type(p)(ids[placeholders[p]]) if _is_id(p) and p in placeholders else p for p in params
    ]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, bound)
        return cursor.fetchall()


def objects(
    model: type[_M], key: tuple[Any, ...], build: Callable[..., QuerySet[_M]], **ids: int
) -> list[_M]:
    """The rows of `build(**ids)` as `model` instances (with their select_related rows and
    annotations), from its SQL compiled once per database, language and `key`."""
    alias, (compiler, sql, params, placeholders) = _compile(model, key, build, sorted(ids))
    rows = _execute(alias, sql, params, placeholders, ids)
    if not rows:
        return []
    # As django.db.models.query.ModelIterable builds them.
    select, klass_info = compiler.select, compiler.klass_info
    annotation_col_map = compiler.annotation_col_map
    assert klass_info is not None  # noqa: S101 - a model query always has one
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    # django-stubs describe a later Django, whose populators also take a fetch mode.
    populators = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]
    found = []
    for row in compiler.results_iter([rows]):
        obj = model_cls.from_db(alias, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in (annotation_col_map or {}).items():
            setattr(obj, name, row[position])
        found.append(obj)
    return found


def values(
    model: type[Model], key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], **ids: int
) -> list[tuple[Any, ...]]:
    """The rows of `build(**ids)` (a values_list query) as tuples, converted by the backend,
    from its SQL compiled once per database, language and `key`."""
    alias, (compiler, sql, params, placeholders) = _compile(model, key, build, sorted(ids))
    rows = _execute(alias, sql, params, placeholders, ids)
    return [tuple(row) for row in compiler.results_iter([rows])] if rows else []


def prefetched(instance: Model, name: str, rows: list[Any]) -> None:
    """Give `instance` the rows of its reverse relation `name` as if prefetch_related had read
    them (`instance.<name>.all()` asks nothing more)."""
    manager = getattr(instance, name)
    for row in rows:  # each row's way back, as the prefetch sets it
        manager.field.set_cached_value(row, instance)
    qs = manager.all()
    qs._result_cache = rows
    qs._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[manager.field.remote_field.cache_name] = qs
