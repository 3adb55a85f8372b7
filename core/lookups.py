"""`unicode_icontains` and `unicode_iexact`: `icontains` and `iexact` that ignore the case of
every letter on SQLite too; `JSONText`, a JSON column as the text its values read.

SQLite's LIKE (Django's `icontains` and `iexact` there) folds the case of ASCII letters only:
"äijälä" did not find "Äijälä", nor "öhman" "Öhman". On SQLite connections these lookups
compare both sides folded by Python's `str.casefold` (a deterministic function registered on
every new connection, `register_sqlite_functions`); on PostgreSQL they are `icontains` and
`iexact` themselves (`UPPER(...) LIKE / = UPPER(...)`, which folds every letter under a UTF-8
ctype such as C.UTF-8), so their SQL and indexes are unchanged there.

    Membership.objects.filter(user__last_name__unicode_icontains="äijälä")
    Organisation.objects.filter(name__unicode_iexact="ähtäri")
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Expression, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import BuiltinLookup, IContains, IExact
from django.db.models.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

# The SQL names of the functions registered on SQLite connections.
CASEFOLD = "alueagentti_casefold"
JSON_TEXT = "alueagentti_json_text"


def casefold(value: str | None) -> str | None:
    return None if value is None else str(value).casefold()


def json_text(value: str | None) -> str | None:
    """A JSON document as PostgreSQL prints a jsonb value: every character as itself (Django
    stores JSON on SQLite with "\\u00e4" for "ä", whose case LIKE cannot fold)."""
    if value is None:
        return None
    try:
        return json.dumps(json.loads(value), ensure_ascii=False)
    except ValueError:
        return str(value)


def register_sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A `connection_created` receiver: SQLite connections get CASEFOLD and JSON_TEXT,
    deterministic (the same text always gives the same result), so SQLite folds a searched word
    once a statement."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(CASEFOLD, 1, casefold, deterministic=True)
        connection.connection.create_function(JSON_TEXT, 1, json_text, deterministic=True)


class UnicodeIContains(IContains):
    # Registered as "unicode_icontains" below; the class keeps IContains' `lookup_name`, which
    # the backends read to choose the operator and casts (PostgreSQL's UPPER), so that on any
    # database but SQLite this is `icontains` to the letter.

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        if self.rhs_is_direct_value() and not self.bilateral_transforms:
            # The value is already '%text%' with its wildcards escaped (PatternLookup).
            pattern = str(rhs_params[0])
            if pattern.isascii():
                # SQLite's own LIKE folds ASCII letters, and an ASCII word matches no other
                # letter in any case: the rows folding finds (and PostgreSQL's UPPER does),
                # without a Python call for each row.
                sql, params = super().as_sql(compiler, connection)
                return sql, list(params)
            # Folding leaves '%', '_' and '\' as they are.
            return (
                f"{CASEFOLD}({lhs_sql}) LIKE {rhs_sql} ESCAPE '\\'",
                [*lhs_params, pattern.casefold(), *rhs_params[1:]],
            )
        # Another column or expression: its wildcards escaped in SQL, as Django's `contains`.
        pattern_esc: str = connection.pattern_esc  # type: ignore[attr-defined] # SQLite's
        escaped = pattern_esc.format(rhs_sql)
        return (
            f"{CASEFOLD}({lhs_sql}) LIKE '%%' || {CASEFOLD}({escaped}) || '%%' ESCAPE '\\'",
            [*lhs_params, *rhs_params],
        )


class UnicodeIExact(IExact):
    # Registered as "unicode_iexact" below; as UnicodeIContains, `iexact` to the letter on any
    # database but SQLite. An equality, never a pattern: "a_b@example.fi" is that address only.

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        if self.rhs_is_direct_value() and not self.bilateral_transforms:
            if str(self.rhs).isascii():
                # SQLite's own LIKE with the wildcards escaped (IExact), as fast as before.
                sql, params = super().as_sql(compiler, connection)
                return sql, list(params)
            lhs_sql, lhs_params = self.process_lhs(compiler, connection)
            # The value as given, not IExact's LIKE-escaped one: this is an equality.
            rhs_sql, rhs_params = BuiltinLookup.process_rhs(self, compiler, connection)
            return (
                f"{CASEFOLD}({lhs_sql}) = {rhs_sql}",
                [*lhs_params, str(rhs_params[0]).casefold(), *rhs_params[1:]],
            )
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = BuiltinLookup.process_rhs(self, compiler, connection)
        return f"{CASEFOLD}({lhs_sql}) = {CASEFOLD}({rhs_sql})", [*lhs_params, *rhs_params]


class JSONText(Cast):
    """A JSON column as text, each character as itself on both databases: PostgreSQL's
    `jsonb::text` (what `Cast(field, TextField())` is there), and on SQLite the stored text
    decoded and printed again by JSON_TEXT (Django stores "ä" as "\\u00e4" there). Search it
    with `unicode_icontains` for words with Å, Ä, Ö; it costs a Python call a row on SQLite, so
    an ASCII word is best searched on the plain Cast."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, output_field=TextField())

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _AsSqlType:
        source: Expression = self.get_source_expressions()[0]
        sql, params = compiler.compile(source)
        return f"{JSON_TEXT}({sql})", tuple(params)


CharField.register_lookup(UnicodeIContains, "unicode_icontains")
TextField.register_lookup(UnicodeIContains, "unicode_icontains")
CharField.register_lookup(UnicodeIExact, "unicode_iexact")
TextField.register_lookup(UnicodeIExact, "unicode_iexact")
