"""`unicode_icontains`: `icontains` that ignores the case of every letter on SQLite too.

SQLite's LIKE (Django's `icontains` there) folds the case of ASCII letters only: "äijälä" did
not find "Äijälä", nor "öhman" "Öhman". On SQLite connections this lookup compares both sides
folded by Python's `str.casefold` (a deterministic function registered on every new
connection, `register_sqlite_functions`); on PostgreSQL it is `icontains` itself
(`UPPER(...) LIKE UPPER(...)`, which folds every letter under a UTF-8 ctype such as C.UTF-8),
so its SQL and indexes are unchanged there.

    Membership.objects.filter(user__last_name__unicode_icontains="äijälä")
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, TextField
from django.db.models.lookups import IContains
from django.db.models.sql.compiler import SQLCompiler

# The SQL name of the folding function on SQLite connections.
CASEFOLD = "alueagentti_casefold"


def casefold(value: str | None) -> str | None:
    return None if value is None else str(value).casefold()


def register_sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A `connection_created` receiver: SQLite connections get CASEFOLD, deterministic (the
    same text always folds the same way), so SQLite folds a searched word once a statement."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(CASEFOLD, 1, casefold, deterministic=True)


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


CharField.register_lookup(UnicodeIContains, "unicode_icontains")
TextField.register_lookup(UnicodeIContains, "unicode_icontains")
