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
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.query import get_related_populators
from django.db.models.signals import post_init, pre_init
from django.db.models.sql.compiler import SQLCompiler
from django.utils import translation

_M = TypeVar("_M", bound=Model)

_BASE = 32_700
_BIGINT = 2**63


@dataclass(frozen=True)
class _Compiled:
    """A query's SQL with what running it and building its rows needs, worked out once."""

    alias: str
    sql: str
    params: tuple[Any, ...]
    # Per parameter: the id's name and the backend's wrapper type (psycopg's Int2 for a small
    # integer column), or None for a constant.
    slots: tuple[tuple[str, type] | None, ...]
    compiler: SQLCompiler
    converters: dict[int, Any]
    # For model rows (None for a values_list query): as ModelIterable works them out.
    model: type[Model] | None = None
    start: int = 0
    end: int = 0
    init_list: tuple[str, ...] = ()
    populators: tuple[Any, ...] = ()
    annotations: tuple[tuple[str, int], ...] = ()
    plain: bool = False


_compiled: dict[tuple[Any, ...], _Compiled] = {}


def _is_id(param: Any) -> bool:
    return isinstance(param, int) and not isinstance(param, bool)


def _compile(
    model: type[Model], key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], names: list[str]
) -> _Compiled:
    alias = router.db_for_read(model)
    full = (alias, translation.get_language(), *key)
    found = _compiled.get(full)
    if found is not None:
        return found
    placeholders = {_BASE + n: name for n, name in enumerate(names)}
    qs = build(**{name: value for value, name in placeholders.items()})
    compiler = qs.query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        # The shape itself matches nothing (an empty list of ids, whose length is part of the
        # key): no run of it can match anything either, so none goes to the database.
        found = _compiled[full] = _Compiled(alias, "", (), (), compiler, {})
        return found
    # Some backends wrap integers (psycopg's Int2 for a small integer column): an int all the
    # same, rebuilt with the real id, in the same wrapper, when the query runs.
    slots = tuple(
        (placeholders[p], type(p)) if _is_id(p) and p in placeholders else None for p in params
    )
    used = {slot[0] for slot in slots if slot is not None}
    if used != set(names):  # pragma: no cover - a guard for a new shape
        raise AssertionError(f"{key}: {sorted(set(names) - used)} must reach the SQL as params")
    select = compiler.select[: compiler.col_count]
    converters = compiler.get_converters([expr for expr, _sql, _alias in select])
    extra: dict[str, Any] = {}
    klass_info = compiler.klass_info
    if klass_info is not None:
        model_cls = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        extra = {
            "model": model_cls,
            "start": start,
            "end": end,
            "init_list": tuple(f[0].target.attname for f in compiler.select[start:end]),
            # django-stubs describe a later Django, whose populators also take a fetch mode.
            "populators": tuple(
                get_related_populators(klass_info, compiler.select, alias)  # type: ignore[call-arg]
            ),
            "annotations": tuple((compiler.annotation_col_map or {}).items()),
            "plain": _builds_plainly(model_cls),
        }
    found = _compiled[full] = _Compiled(
        alias, sql, tuple(params), slots, compiler, converters, **extra
    )
    return found


def _builds_plainly(model: type[Model]) -> bool:
    """Whether a row of `model` may be built without `Model.__init__` (which, for a row read
    from the database, only sets the columns' attributes and sends the init signals): nobody
    listens to its init signals but modeltranslation's clean-up of a flag `__init__` sets,
    and no `__init__` of its own does more (courses.translation's only rewrites keyword
    arguments, which a row read from the database never has)."""
    receivers: list[Any] = []
    for signal in (pre_init, post_init):
        live = signal._live_receivers(model)
        receivers.extend(live[0] if isinstance(live, tuple) else live)
    quiet = all(
        getattr(r, "__name__", "") == "delete_mt_init"
        and getattr(r, "__module__", "").startswith("modeltranslation")
        for r in receivers
    )
    init_from = getattr(model.__init__, "__module__", "")
    return quiet and init_from in (
        "django.db.models.base",
        "modeltranslation.translator",
        "courses.translation",
    )


def _rows(compiled: _Compiled, ids: dict[str, int]) -> list[Any]:
    if not compiled.sql:
        return []  # a shape that matches nothing
    if any(not -_BIGINT <= value < _BIGINT for value in ids.values()):
        return []  # an id from a URL no column can hold matches nothing, as in the ORM
    bound = [
        p if slot is None else slot[1](ids[slot[0]])
        for p, slot in zip(compiled.params, compiled.slots, strict=True)
    ]
    with connections[compiled.alias].cursor() as cursor:
        cursor.execute(compiled.sql, bound)
        rows = cursor.fetchall()
    if rows and compiled.converters:
        return list(compiled.compiler.apply_converters(rows, compiled.converters))
    return rows


def objects(
    model: type[_M], key: tuple[Any, ...], build: Callable[..., QuerySet[_M]], **ids: int
) -> list[_M]:
    """The rows of `build(**ids)` as `model` instances (with their select_related rows and
    annotations), from its SQL compiled once per database, language and `key`."""
    compiled = _compile(model, key, build, sorted(ids))
    rows = _rows(compiled, ids)
    if not rows:
        return []
    model_cls, alias = compiled.model, compiled.alias
    assert model_cls is not None  # noqa: S101 - a model query always has its model
    start, end, init_list = compiled.start, compiled.end, compiled.init_list
    found: list[_M] = []
    for row in rows:
        # As django.db.models.query.ModelIterable builds them.
        if compiled.plain:
            obj = model_cls.__new__(model_cls)
            obj.__dict__.update(zip(init_list, row[start:end], strict=True))
            state = obj._state = ModelState()
            state.adding = False
            state.db = alias
        else:
            obj = model_cls.from_db(alias, init_list, row[start:end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations:
            setattr(obj, name, row[position])
        found.append(obj)  # type: ignore[arg-type]
    return found


def values(
    model: type[Model], key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], **ids: int
) -> list[tuple[Any, ...]]:
    """The rows of `build(**ids)` (a values_list query) as tuples, converted by the backend,
    from its SQL compiled once per database, language and `key`."""
    return [tuple(row) for row in _rows(_compile(model, key, build, sorted(ids)), ids)]


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
