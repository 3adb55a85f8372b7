"""How each search index was built: the analysis version and the analyser, stored beside the
index in the database (table `core_search_built`, one row per indexed model). `migrate`, which
every deploy runs, rebuilds an index built another way before the new code serves it: after a
change of what the analysis stores (analysers.ANALYSIS_VERSION) or of SEARCH_ANALYSER.

The table is core.search's own (created when first written, no model): a database without it,
or restored without it, only rebuilds once more.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .analysers import ANALYSIS_VERSION, get_analyser

if TYPE_CHECKING:
    from .index import SearchIndex

logger = logging.getLogger(__name__)

TABLE = "core_search_built"


def current_build() -> str:
    """What an index built now is built with, e.g. "2:simplemma"."""
    return f"{ANALYSIS_VERSION}:{get_analyser().name}"


def _ensure_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "label varchar(100) PRIMARY KEY, build varchar(100) NOT NULL)"
        )


def mark_built(index: SearchIndex) -> None:
    """Record that `index` was just rebuilt with the current analysis."""
    _ensure_table()
    label = index.model._meta.label
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE label = %s", [label])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {TABLE} (label, build) VALUES (%s, %s)",  # noqa: S608
            [label, current_build()],
        )


def builds(tables: set[str] | None = None) -> dict[str, str]:
    """How each index was last built, by model label (empty before the first rebuild).
    `tables`: the database's tables, when the caller has read them already."""
    if TABLE not in (tables if tables is not None else connection.introspection.table_names()):
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT label, build FROM {TABLE}")  # noqa: S608
        return dict(cursor.fetchall())


def stale_indexes() -> list[SearchIndex]:
    """The registered indexes whose tables exist but were built another way (or never)."""
    from .index import registered

    tables = set(connection.introspection.table_names())
    built = builds(tables)
    now = current_build()
    return [
        index
        for index in registered()
        if index.model._meta.db_table in tables
        and (connection.vendor != "sqlite" or index.fts_table in tables)
        and built.get(index.model._meta.label) != now
    ]


def _fully_migrated() -> bool:
    """Whether every migration is applied: the documents are built by today's models, which
    an older schema (`migrate portfolio 0004`) may not have the columns of."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def rebuild_stale(*, stdout: Any = None) -> list[str]:
    """Rebuild the indexes built another way; returns their labels."""
    stale = stale_indexes()
    if not stale or not _fully_migrated():
        return []
    done = []
    for index in stale:
        label = index.model._meta.label
        with transaction.atomic():
            count = index.index()
            mark_built(index)
        done.append(label)
        message = f"Rebuilt the search index of {label} ({count} rows, {current_build()})."
        if stdout is not None:
            stdout.write(f"  {message}")
        else:
            logger.info(message)
    return done


@receiver(post_migrate, dispatch_uid="core.search.state.rebuild_stale")
def _rebuild_after_migrate(*, sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """After `migrate` (sent once per app; acts on the core app's): rebuild stale indexes."""
    if getattr(sender, "label", None) != "core" or using != DEFAULT_DB_ALIAS:
        return
    verbosity = kwargs.get("verbosity", 1)
    rebuild_stale(stdout=kwargs.get("stdout") if verbosity else None)
