"""The ORM's view of an SQLite FTS5 table: a field for its hidden column named like the table,
with a `match` lookup, so a search joins the FTS table to its model in one ordinary query."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup


class Fts5TableField(models.TextField):
    """The FTS5 table's hidden column of the same name: `<table> MATCH '<query>'`."""


@Fts5TableField.register_lookup
class Match(Lookup):
    lookup_name = "match"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", (*lhs_params, *rhs_params)
