"""Queries of a fixed shape, built and compiled by the ORM once per process, run with new ids.

The pages people open most (the learner's outline and lesson, the dashboard, the phase answer
and review pages, a cohort's progress) run a dozen small queries a request whose shape never
changes. Building each QuerySet and compiling it to SQL cost more CPU than the database spent
answering it (#13). A prepared query is built once from placeholder arguments and compiled;
afterwards only its SQL runs, with the real arguments bound where the placeholders were. Its
rows come back as the ORM would give them: model instances with their `select_related` rows
and annotations, fields left out by `only()` deferred, values converted by the backend's and
the fields' converters (a boolean is a bool on SQLite too), `prefetch_related` run as the
queryset runs it.

    prepared.objects(Cohort, ("learner_cohort",), build, user=user.pk, course=course.pk)

calls `build(user=..., course=...)` with placeholders the first time, and returns what
`list(build(user=user.pk, course=course.pk))` would. The arguments are keywords, ints or
timezone-aware datetimes; anything else that changes the SQL (a flag, the number of ids in a
list, a slice) belongs in the key. A list of ids becomes keywords through `numbered()`.

What a compiled query is kept under: the database (the router's for reading the model), the
active language (modeltranslation writes `title` as the language's column), the builder's code
(two call sites that happen to pick the same key never share SQL), the key, and the
arguments' names and types. The process-level dict is filled under a lock, so two threads
that meet a new shape at once build it once and share one entry.

Safety checks, each made once when a shape is compiled:

- The builder must not read the database: its answer would be baked into the SQL for every
  later caller. Any query it runs, on any connection, is refused.
- Each argument must reach the SQL as a bound parameter, and nothing else may depend on its
  value. The query is built twice, with two sets of placeholders: the SQL must be the same,
  every parameter must either be the same constant in both or each time the placeholder of
  one argument, and every argument must appear. A value that became part of the SQL text (a
  slice, a lookup Django dropped), or a `Prefetch` queryset that kept it, is refused.
- Placeholders are values that every integer column accepts: Django leaves a lookup out of the
  SQL when its value is out of the column's range (a negative number against a positive small
  integer such as a phase, anything above 32,767 against a small integer), so they count down
  from 32,767. Comparing the two builds tells a placeholder from a constant that happens to
  equal it. Moments are microseconds past 1901-02-03 04:05:06 UTC, never a real one.

At run time an int that the bound parameter cannot hold (an id of 2**70 from a URL; 40,000
against a small integer column on PostgreSQL) matches nothing, as the ORM's `exact` and `in`
lookups answer it; ints are meant as ids and numbers compared for equality.

Known differences from the ORM: `_known_related_objects` of a related manager's queryset
(`course.modules.all()` setting each module's `course`) are not set, since the instance the
builder saw was a placeholder; reading such a relation costs a query. The converters are worked
out once with the compiling thread's connection (Django's depend on the settings only) and are
called with the running thread's.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.signals import post_init, pre_init
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import get_language

_M = TypeVar("_M", bound=Model)

Argument = int | datetime.datetime

# Placeholders: ints count down from the top of a small integer column, two apart (one set for
# each of the two builds); moments are a microsecond apart in 1901.
_INT_TOP = 32_767
_MOMENT_BASE = datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
_MAX_ARGUMENTS = _INT_TOP // 2

# What a bound int may be, by the wrapper the backend put it in (psycopg's Int2 for a small
# integer column, Int4, Int8); a plain int is anything a 64-bit column holds.
_INT_RANGES = {"Int2": 2**15, "Int4": 2**31, "Int8": 2**63}
_BIGINT = 2**63

# The `__init__` of a model may say that, for a row read from the database (positional
# values, no keywords), it does nothing but call the one it wraps: `plain_init` sets this.
PLAIN_INIT = "prepared_plain_init"
_PLAIN_INIT_MODULES = ("django.db.models.base", "modeltranslation.translator")


def plain_init(init: Callable[..., None]) -> Callable[..., None]:
    """Mark a model's `__init__` wrapper as doing nothing more than the one it wraps for a row
    read from the database (no keyword arguments): rows of the model may then be built
    without calling it, as the ORM's own `__init__` would build them."""
    setattr(init, PLAIN_INIT, True)
    return init


def numbered(prefix: str, ids: Iterable[int]) -> dict[str, int]:
    """{"u0": id, "u1": id, ...}: a list of ids as keyword arguments of a prepared query (the
    number of ids goes in the key). The builder gets them in this order."""
    return {f"{prefix}{n}": int(pk) for n, pk in enumerate(ids)}


@dataclass(frozen=True)
class _Slot:
    """Where a parameter takes an argument: the argument's name and how to bind it."""

    name: str
    is_int: bool  # else a moment
    wrapper: type | None  # the int's wrapper type (psycopg's Int2...), None for a plain int
    adapt: bool  # a moment the backend passes adapted (a string on SQLite)


@dataclass(frozen=True)
class _Compiled:
    """A query's SQL with what running it and building its rows needs, worked out once."""

    alias: str
    sql: str | None  # None: the shape matches nothing whatever the arguments (an empty IN)
    params: tuple[Any, ...]
    slots: tuple[_Slot | None, ...]  # per parameter, None for a constant
    int_ranges: tuple[tuple[str, int, int], ...]  # (argument, lowest, highest + 1) for ints
    col_count: int
    trim: bool  # the compiler added ordering columns to the select: cut them off
    names: tuple[str, ...]  # the columns' attnames or annotation names
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    iterable: type
    prefetches: tuple[Any, ...]
    # For model rows: as ModelIterable works them out.
    model: type[Model] | None = None
    start: int = 0
    end: int = 0
    init_list: tuple[str, ...] = ()
    populators: tuple[Any, ...] = ()
    annotations: tuple[tuple[str, int], ...] = ()
    plain: bool = False


_compiled: dict[tuple[Any, ...], _Compiled] = {}
_compiling = threading.RLock()


def _refuse_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise AssertionError(f"a prepared query's builder must not read the database: {sql}")


def _placeholders(args: dict[str, Argument], build_no: int) -> dict[str, Argument]:
    if len(args) > _MAX_ARGUMENTS:
        raise ValueError(f"a prepared query takes up to {_MAX_ARGUMENTS} arguments")
    found: dict[str, Argument] = {}
    for n, (name, value) in enumerate(args.items()):
        if type(value) is int:
            found[name] = _INT_TOP - 2 * n - build_no
        elif type(value) is datetime.datetime:
            found[name] = _MOMENT_BASE + datetime.timedelta(microseconds=2 * n + build_no + 1)
        else:
            raise TypeError(
                f"a prepared query's argument {name} is an int or a datetime, "
                f"not {type(value).__name__} (put other values in the key)"
            )
    return found


def _sql(qs: QuerySet[Any], alias: str) -> tuple[SQLCompiler, str | None, tuple[Any, ...]]:
    compiler = qs.query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return compiler, None, ()
    return compiler, sql, tuple(params)


def _prefetch_sql(lookups: Sequence[Any], alias: str) -> list[Any]:
    """What the `Prefetch` querysets among `lookups` would run, to compare two builds."""
    found: list[Any] = []
    for lookup in lookups:
        if isinstance(lookup, Prefetch) and lookup.queryset is not None:
            _compiler, sql, params = _sql(lookup.queryset, alias)
            found.append((lookup.prefetch_to, sql, params))
        else:
            found.append(lookup if isinstance(lookup, str) else lookup.prefetch_to)
    return found


def _build(
    build: Callable[..., QuerySet[Any]], placeholders: dict[str, Argument], alias: str
) -> tuple[Any, SQLCompiler, str | None, tuple[Any, ...], list[Any]]:
    with contextlib.ExitStack() as guard:
        for connection in {connections[alias], *connections.all(initialized_only=True)}:
            guard.enter_context(connection.execute_wrapper(_refuse_queries))
        built = build(**placeholders)
        if not isinstance(built, QuerySet):
            raise TypeError(f"a prepared query's builder returns a QuerySet, not {type(built)}")
        qs: Any = built  # its private parts are read below
        if qs._db is not None and qs._db != alias:
            raise AssertionError(
                f"a prepared query runs on the router's database ({alias}), not using({qs._db})"
            )
        compiler, sql, params = _sql(qs, alias)
        prefetches = _prefetch_sql(qs._prefetch_related_lookups, alias)
    return qs, compiler, sql, params, prefetches


def _slots(
    key: tuple[Any, ...],
    args: dict[str, Argument],
    first: tuple[dict[str, Argument], tuple[Any, ...]],
    second: tuple[dict[str, Argument], tuple[Any, ...]],
    alias: str,
) -> tuple[_Slot | None, ...]:
    """Which argument each parameter stands for (None: a constant), from two builds."""
    ops = connections[alias].ops
    places = []
    for placeholders, params in (first, second):
        where: dict[tuple[type, Any], tuple[str, bool]] = {}
        for name, value in placeholders.items():
            where[(type(value), value)] = (name, False)
            if isinstance(value, datetime.datetime):
                adapted = ops.adapt_datetimefield_value(value)
                where.setdefault((type(adapted), adapted), (name, True))
        found = []
        for p in params:
            kind = int if isinstance(p, int) and not isinstance(p, bool) else type(p)
            try:
                found.append(where.get((kind, p)))
            except TypeError:  # an unhashable constant (a list for an array field)
                found.append(None)
        places.append(found)
    slots: list[_Slot | None] = []
    for p, q, a, b in zip(first[1], second[1], *places, strict=True):
        if a is not None and a == b:
            wrapper = type(p) if isinstance(p, int) and type(p) is not int else None
            is_int = type(args[a[0]]) is int
            slots.append(_Slot(a[0], is_int, wrapper, a[1]))
        elif type(p) is type(q) and p == q:  # a constant (that may equal a placeholder)
            slots.append(None)
        else:
            raise AssertionError(
                f"{key}: a parameter ({p!r}, then {q!r}) depends on an argument's value but is "
                "not the argument itself"
            )
    missing = set(args) - {s.name for s in slots if s is not None}
    if missing:
        raise AssertionError(f"{key}: {sorted(missing)} do not reach the SQL as parameters")
    return tuple(slots)


def _int_ranges(slots: tuple[_Slot | None, ...]) -> tuple[tuple[str, int, int], ...]:
    ranges: dict[str, tuple[int, int]] = {}
    for slot in slots:
        if slot is None or not slot.is_int:
            continue
        half = _INT_RANGES.get(slot.wrapper.__name__, _BIGINT) if slot.wrapper else _BIGINT
        low, high = ranges.get(slot.name, (-_BIGINT, _BIGINT))
        ranges[slot.name] = (max(low, -half), min(high, half))
    return tuple((name, low, high) for name, (low, high) in ranges.items())


def _compile(
    model: type[Model],
    key: tuple[Any, ...],
    build: Callable[..., QuerySet[Any]],
    args: dict[str, Argument],
    alias: str,
) -> _Compiled:
    first, second = _placeholders(args, 0), _placeholders(args, 1)
    qs, compiler, sql, params, prefetches = _build(build, first, alias)
    _qs, _compiler, sql2, params2, prefetches2 = _build(build, second, alias)
    if not issubclass(qs.model, model):
        raise TypeError(f"{key}: the builder's rows are {qs.model.__name__}, not {model.__name__}")
    if sql != sql2 or len(params) != len(params2):
        raise AssertionError(f"{key}: the SQL changes with an argument's value")
    if prefetches != prefetches2:
        raise AssertionError(f"{key}: a prefetch's queryset keeps an argument's placeholder")
    iterable = qs._iterable_class
    if sql is None:  # matches nothing for any arguments: nothing to bind
        return _Compiled(alias, None, (), (), (), 0, False, (), (), iterable, ())
    slots = _slots(key, args, (first, params), (second, params2), alias)
    select = compiler.select[: compiler.col_count]
    expressions = [expr for expr, _sql, _alias in select]
    if compiler.has_composite_fields(expressions):
        raise TypeError(f"{key}: a prepared query does not read composite primary keys")
    names = tuple(
        alias_name or getattr(getattr(expr, "target", None), "attname", "")
        for expr, _sql, alias_name in select
    )
    converters = tuple(
        (position, tuple(convs), expr)
        for position, (convs, expr) in compiler.get_converters(expressions).items()
    )
    extra: dict[str, Any] = {}
    klass_info = compiler.klass_info
    if klass_info is not None and iterable is ModelIterable:
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
    return _Compiled(
        alias,
        sql,
        params,
        slots,
        _int_ranges(slots),
        compiler.col_count or 0,
        compiler.has_extra_select,
        names,
        converters,
        iterable,
        tuple(qs._prefetch_related_lookups),
        **extra,
    )


def _builds_plainly(model: type[Model]) -> bool:
    """Whether a row of `model` may be built without `Model.__init__` (which, for a row read
    from the database, only sets the columns' attributes and sends the init signals): nobody
    listens to its init signals but modeltranslation's clean-up of a flag `__init__` sets,
    and its `__init__` is Django's, modeltranslation's (which only rewrites keyword arguments,
    never given for a row read from the database) or marked by `plain_init`."""
    receivers: list[Any] = []
    for signal in (pre_init, post_init):
        live = signal._live_receivers(model)
        receivers.extend(live[0] if isinstance(live, tuple) else live)
    quiet = all(
        getattr(r, "__name__", "") == "delete_mt_init"
        and getattr(r, "__module__", "").startswith("modeltranslation")
        for r in receivers
    )
    init = model.__init__
    return quiet and (
        getattr(init, "__module__", "") in _PLAIN_INIT_MODULES or getattr(init, PLAIN_INIT, False)
    )


def _entry(
    model: type[Model],
    key: tuple[Any, ...],
    build: Callable[..., QuerySet[Any]],
    args: dict[str, Argument],
) -> _Compiled:
    alias = router.db_for_read(model)
    code = getattr(build, "__code__", None) or getattr(
        getattr(build, "__func__", build), "__code__", build
    )
    full = (alias, get_language(), code, key, tuple(args), tuple(map(type, args.values())))
    found = _compiled.get(full)
    if found is None:
        with _compiling:
            found = _compiled.get(full)
            if found is None:
                found = _compiled[full] = _compile(model, key, build, args, alias)
    return found


def _bound(compiled: _Compiled, args: dict[str, Argument]) -> list[Any] | None:
    """The parameters to run the compiled SQL with; None when it matches nothing (no SQL, or
    an int that no column holds: the ORM answers that with no rows)."""
    if compiled.sql is None:
        return None
    for name, low, high in compiled.int_ranges:
        if not low <= args[name] < high:  # type: ignore[operator]
            return None
    connection = connections[compiled.alias]
    bound = []
    for p, slot in zip(compiled.params, compiled.slots, strict=True):
        if slot is None:
            bound.append(p)
            continue
        value: Any = args[slot.name]
        if slot.adapt:
            value = connection.ops.adapt_datetimefield_value(value)
        elif slot.wrapper is not None:
            value = slot.wrapper(value)
        bound.append(value)
    return bound


def _rows(compiled: _Compiled, args: dict[str, Argument]) -> list[Sequence[Any]]:
    bound = _bound(compiled, args)
    if bound is None or compiled.sql is None:
        return []
    connection = connections[compiled.alias]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, bound)
        rows: list[Sequence[Any]] = cursor.fetchall()
    if compiled.trim:
        rows = [row[: compiled.col_count] for row in rows]
    if rows and compiled.converters:
        converted: list[Sequence[Any]] = []
        for row in rows:
            values = list(row)
            for position, convs, expression in compiled.converters:
                value = values[position]
                for convert in convs:
                    value = convert(value, expression, connection)
                values[position] = value
            converted.append(values)
        return converted
    return rows


def _checked(args: dict[str, Any]) -> dict[str, Argument]:
    """The arguments, an int subclass (an IntegerChoices member) as its int; a naive moment
    is refused (the ORM would warn and guess its zone)."""
    for name, value in args.items():
        kind = type(value)
        if kind is int:
            continue
        if kind is datetime.datetime:
            if timezone.is_naive(value):
                raise ValueError(f"a prepared query's moment {name} must be timezone-aware")
        elif isinstance(value, int) and not isinstance(value, bool):
            return _checked({n: int(v) if n == name else v for n, v in args.items()})
    return args


def objects(
    model: type[_M], key: tuple[Hashable, ...], build: Callable[..., QuerySet[_M]], **args: Any
) -> list[_M]:
    """`list(build(**args))`: `model` instances with their `select_related` rows, annotations
    and deferred fields, from SQL compiled once per database, language, builder and `key`; the
    queryset's `prefetch_related` lookups run as the ORM runs them (none without rows)."""
    compiled = _entry(model, key, build, _checked(args))
    if compiled.iterable is not ModelIterable:
        raise TypeError(f"{key}: prepared.objects() reads model rows; use values() or rows()")
    rows = _rows(compiled, args)
    model_cls, alias = compiled.model, compiled.alias
    start, end, init_list = compiled.start, compiled.end, compiled.init_list
    found: list[_M] = []
    if not rows:
        return found
    assert model_cls is not None  # noqa: S101 - a query with rows has its model
    for row in rows:
        # As django.db.models.query.ModelIterable builds them.
        if compiled.plain:
            obj = model_cls.__new__(model_cls)
            obj.__dict__.update(zip(init_list, row[start:end], strict=True))
            state = obj._state = ModelState()
            state.adding = False
            state.db = alias
        else:
            obj = model_cls.from_db(alias, list(init_list), row[start:end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations:
            setattr(obj, name, row[position])
        found.append(obj)  # type: ignore[arg-type]
    if compiled.prefetches:
        prefetch_related_objects(found, *compiled.prefetches)
    return found


def values(
    model: type[Model], key: tuple[Hashable, ...], build: Callable[..., QuerySet[Any]], **args: Any
) -> list[tuple[Any, ...]]:
    """`list(build(**args))` of a `values_list()` queryset (tuples, not flat or named), from
    SQL compiled once per database, language, builder and `key`."""
    compiled = _entry(model, key, build, _checked(args))
    if compiled.iterable is not ValuesListIterable:
        raise TypeError(f"{key}: prepared.values() reads a values_list() query (tuples)")
    return [tuple(row) for row in _rows(compiled, args)]


def rows(
    model: type[Model], key: tuple[Hashable, ...], build: Callable[..., QuerySet[Any]], **args: Any
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The column names (attnames, annotation names) and converted rows of any queryset
    `build(**args)` (a model query's rows hold its `select_related` columns too), compiled as
    `objects()` compiles it, for a caller that reads a few columns of many model rows by name
    without building instances."""
    compiled = _entry(model, key, build, _checked(args))
    return compiled.names, [tuple(row) for row in _rows(compiled, args)]


def statement(
    model: type[Model], key: tuple[Hashable, ...], build: Callable[..., QuerySet[Any]], **args: Any
) -> tuple[str, list[Any]] | None:
    """(SQL, parameters) of a `values_list()` queryset `build(**args)`, compiled once as
    `values()` compiles it, for a caller that puts it inside a statement of its own (a common
    table expression) and reads its columns in their order, unconverted; None when it matches
    nothing. Refused for a query whose compiler adds columns to the select (ordering columns
    of a distinct query): the caller would read them as its own."""
    compiled = _entry(model, key, build, _checked(args))
    if compiled.iterable is not ValuesListIterable:
        raise TypeError(f"{key}: prepared.statement() embeds a values_list() query")
    if compiled.trim:
        raise TypeError(f"{key}: the compiler adds columns to this query's select")
    bound = _bound(compiled, args)
    if bound is None or compiled.sql is None:
        return None
    return compiled.sql, bound


def prefetched(instance: Model, name: str, related: list[Any]) -> None:
    """Give `instance` the rows of its reverse relation `name` as if `prefetch_related` had
    read them (`instance.<name>.all()` asks nothing more), for rows read by another prepared
    query (one query for the rows of many instances)."""
    manager = getattr(instance, name)
    for row in related:  # each row's way back, as the prefetch sets it
        manager.field.set_cached_value(row, instance)
    qs = manager.all()
    qs._result_cache = related
    qs._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[manager.field.remote_field.cache_name] = qs
