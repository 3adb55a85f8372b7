"""Queries of a fixed shape, built and compiled by the ORM once per process, run with new ids.

The learner pages (#13) run a dozen small queries whose shape never changes (the learner's
cohort, the course's modules, the items with their done flags, the access checks); building
and compiling them through the ORM cost more CPU than the database spent running them. A
prepared query is built once per database, shape and language from placeholder arguments,
compiled, and afterwards only its SQL runs, with the real arguments bound in the placeholders'
places. Its rows come back as the ORM would return them: model instances with their
`select_related` rows and annotations, values converted by the same converters (so a boolean is
a bool on SQLite too), fields left out by `only()` deferred.

The builder must not read the database (a guard refuses one that does: its answer would be
baked into the SQL), and each argument must reach the SQL as a bound parameter (checked: every
placeholder must appear in the compiled parameters).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.base import ModelState
from django.db.models.query import get_related_populators
from django.db.models.signals import post_init, pre_init
from django.utils.translation import get_language

_M = TypeVar("_M", bound=Model)

# Placeholder arguments: never real primary keys or moments.
_INT_BASE = -918_273_600
_MOMENT_BASE = datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
_BIGINT = 2**63


def _placeholder(index: int, value: Any) -> Any:
    if type(value) is int:
        return _INT_BASE - index
    if type(value) is datetime.datetime:
        return _MOMENT_BASE + datetime.timedelta(microseconds=index + 1)
    raise TypeError(f"a prepared query takes ints and datetimes, not {type(value).__name__}")


@dataclass(frozen=True)
class _Compiled:
    alias: str
    sql: str
    params: tuple[Any, ...]
    # For each compiled parameter: the index of the argument it stands for and how the backend
    # adapts it, or None (a constant).
    slots: tuple[tuple[int, Callable[[Any], Any] | None] | None, ...]
    names: tuple[str, ...]
    converters: dict[int, Any]
    compiler: Any
    prefetches: tuple[Any, ...]


_compiled: dict[tuple[Any, ...], _Compiled] = {}


def _refuse_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise AssertionError("a prepared query's builder must not read the database")


def _compile(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], args: tuple[Any, ...], alias: str
) -> _Compiled:
    placeholders = tuple(_placeholder(i, a) for i, a in enumerate(args))
    connection = connections[alias]
    with connection.execute_wrapper(_refuse_queries):
        qs = build(*placeholders)
        compiler = qs.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
    # A moment may reach the params as the backend adapts it (a string on SQLite): the real
    # argument is then adapted the same way.
    where: dict[Any, tuple[int, Callable[[Any], Any] | None]] = {}
    for i, p in enumerate(placeholders):
        where[p] = (i, None)
        if type(p) is datetime.datetime:
            adapt = connection.ops.adapt_datetimefield_value
            where.setdefault(adapt(p), (i, adapt))
    slots = tuple(
        where.get(p) if type(p) in (int, datetime.datetime, str) else None for p in params
    )
    missing = set(range(len(args))) - {s[0] for s in slots if s is not None}
    if missing:  # pragma: no cover - a guard
        raise AssertionError(f"{key}: arguments {sorted(missing)} do not reach the SQL as params")
    select = compiler.select[: compiler.col_count]
    names = tuple(
        alias_name or getattr(getattr(expr, "target", None), "attname", "")
        for expr, _sql, alias_name in select
    )
    converters = compiler.get_converters([expr for expr, _sql, _alias in select])
    prefetches = tuple(qs._prefetch_related_lookups)  # type: ignore[attr-defined]
    return _Compiled(alias, sql, tuple(params), slots, names, converters, compiler, prefetches)


def _bind(param: Any, slot: tuple[int, Callable[[Any], Any] | None] | None, args: Any) -> Any:
    if slot is None:
        return param
    index, adapt = slot
    return args[index] if adapt is None else adapt(args[index])


def _prepared(
    model: type[Model],
    key: tuple[Any, ...],
    build: Callable[..., QuerySet[Any]],
    args: tuple[Any, ...],
) -> tuple[_Compiled, list[tuple[Any, ...]]]:
    alias = router.db_for_read(model)
    full_key = (alias, *key, get_language(), tuple(type(a) for a in args))
    compiled = _compiled.get(full_key)
    if compiled is None:
        compiled = _compiled[full_key] = _compile(key, build, args, alias)
    if any(type(a) is int and not -_BIGINT <= a < _BIGINT for a in args):
        return compiled, []  # an id from a URL that no column can hold matches nothing
    bound = [_bind(p, s, args) for p, s in zip(compiled.params, compiled.slots, strict=True)]
    connection = connections[compiled.alias]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, bound)
        rows = cursor.fetchall()
    if compiled.converters and rows:
        rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
    return compiled, rows


def prepared_rows(
    model: type[Model], key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], *args: Any
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The column names (attnames and annotation names) and converted rows of
    `build(*args)` (a queryset of `model`), whose SQL is compiled once per `key`, database (the
    router's for reading `model`) and language. `args` are ints
    or aware datetimes; `build` gets placeholders of the same types."""
    compiled, rows = _prepared(model, key, build, args)
    return compiled.names, rows


_plain_init: dict[type[Model], bool] = {}


def _builds_plainly(model: type[Model]) -> bool:
    """Whether an instance of `model` read from the database can skip `__init__`: nothing
    listens to its init signals but modeltranslation's own clean-up of a flag `__init__` sets."""
    plain = _plain_init.get(model)
    if plain is None:
        receivers: list[Any] = []
        for signal in (pre_init, post_init):
            live = signal._live_receivers(model)
            receivers.extend(live[0] if isinstance(live, tuple) else live)
        plain = _plain_init[model] = all(
            getattr(r, "__name__", "") == "delete_mt_init"
            and getattr(r, "__module__", "").startswith("modeltranslation")
            for r in receivers
        ) and not _init_overridden(model)
    return plain


def _init_overridden(model: type[Model]) -> bool:
    """Whether `model.__init__` does more than Django's and modeltranslation's (which only
    rewrite keyword arguments, never given for a row read from the database)."""
    init = model.__init__
    return getattr(init, "__module__", "") not in (
        "django.db.models.base",
        "modeltranslation.translator",
        "courses.translation",
    )


def prepared_objects(
    model: type[_M], key: tuple[Any, ...], build: Callable[..., QuerySet[_M]], *args: Any
) -> list[_M]:
    """The `model` instances of `build(*args)` (as iterating the queryset gives them: related
    rows of `select_related`, annotations, deferred fields), from its SQL compiled once per
    `key`, database and language; its `prefetch_related` lookups run as the queryset runs
    them (one query each, none when there is no row)."""
    compiled, rows = _prepared(model, key, build, args)
    compiler = compiled.compiler
    klass_info = compiler.klass_info
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in compiler.select[start:end]]
    # django-stubs already describe Django 6's extra `fetch_mode` argument.
    populators = get_related_populators(klass_info, compiler.select, compiled.alias)  # type: ignore[call-arg]
    annotations = list(compiler.annotation_col_map.items())
    plain = _builds_plainly(model_cls)
    objects: list[_M] = []
    for row in rows:
        if plain:
            obj = model_cls.__new__(model_cls)
            obj.__dict__.update(zip(init_list, row[start:end], strict=True))
            state = obj._state = ModelState()
            state.adding = False
            state.db = compiled.alias
        else:
            obj = model_cls.from_db(compiled.alias, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in annotations:
            setattr(obj, name, row[position])
        objects.append(obj)
    if compiled.prefetches and objects:
        prefetch_related_objects(objects, *compiled.prefetches)
    return objects
