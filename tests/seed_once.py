"""Seed once per test process, copy for every test after: what the `demo_data` fixture uses.

`seed_demo` takes 3-7 s (two PDFs, the search analysis of every text). The first test that asks
for `demo_data` (tests/conftest.py) runs the command for real and `load_once` records what it
wrote: the whole contents of every table that changed and every file it stored. Later tests get
those rows copied in (COPY on PostgreSQL, executemany on SQLite) and the files written again, in
a fraction of a second, inside their own transaction, so they still roll back as usual.

A recording is replayed only onto a database that looks as it did before the recorded run: every
table the seed changed, and every table those point to, holds exactly what it held then. So a
test that created a user before asking for the demo, or a database whose content types were
recreated by a transactional test's flush, gets a real seed, which is then recorded too. Inside
a test transaction the seed's on-commit hints never run, in a transactional test they do, so
the two are recorded apart (with the emails sent in the second case).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection, transaction

# Written by the migrations only, never by a seed.
IGNORED_TABLES = {"django_migrations"}
# The tables an SQLite FTS5 index keeps for itself.
FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
MAX_RECORDINGS = 4


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...] = ()  # SQLite's; PostgreSQL copies whole rows
    fts5: bool = False  # an SQLite FTS5 index: its rowid is the indexed row's id


@dataclass
class Recording:
    key: str
    in_transaction: bool
    # Before the seed: a digest of each table the demo changed or points to.
    before: dict[str, str]
    # After it: the whole contents of each table it changed, in the backend's own form.
    after: dict[Table, Any]
    # PostgreSQL: (sequence, table, column) of the identity columns of those tables.
    sequences: list[tuple[str, str, str]] = field(default_factory=list)
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    emails: list[Any] = field(default_factory=list)


_recordings: list[Recording] = []


def load_once(key: str, seed: Callable[[], None]) -> None:
    """Run `seed` in the test database, or replay what it wrote when a recording of `key` was
    made on a database like this one; a real run is recorded."""
    roots = _file_roots()
    if roots is None:
        seed()
        return
    connection.ensure_connection()
    in_transaction = connection.in_atomic_block
    with closing(connection.connection.cursor()) as cursor:
        tables = {table.name: table for table in _tables(cursor)}
        for recording in _recordings:
            if (
                recording.key == key
                and recording.in_transaction == in_transaction
                and _fits(cursor, recording, tables)
            ):
                _replay(cursor, recording, roots)
                return
        before = {name: _read(cursor, table) for name, table in tables.items()}
    files_before = {name: _files(root) for name, root in roots.items()}
    emails_before = len(getattr(mail, "outbox", []))

    seed()

    with closing(connection.connection.cursor()) as cursor:
        after = {name: _read(cursor, table) for name, table in tables.items()}
        changed = [table for name, table in tables.items() if after[name] != before[name]]
        watched = {table.name for table in changed} | _references(cursor, changed)
        sequences = _sequences(cursor, changed)
    files = {}
    for name, root in roots.items():
        files[name] = {
            path: data
            for path, data in _files(root).items()
            if files_before[name].get(path) != data
        }
    _recordings.insert(
        0,
        Recording(
            key=key,
            in_transaction=in_transaction,
            before={name: _digest(before[name]) for name in watched if name in before},
            after={table: after[table.name] for table in changed},
            sequences=sequences,
            files=files,
            emails=copy.deepcopy(getattr(mail, "outbox", [])[emails_before:]),
        ),
    )
    del _recordings[MAX_RECORDINGS:]


def _fits(cursor: Any, recording: Recording, tables: dict[str, Table]) -> bool:
    return all(
        name in tables and _digest(_read(cursor, tables[name])) == digest
        for name, digest in recording.before.items()
    )


def _replay(cursor: Any, recording: Recording, roots: dict[str, Path]) -> None:
    with transaction.atomic():
        for table, rows in recording.after.items():
            _write(cursor, table, rows)
        for sequence, table_name, column in recording.sequences:
            # No identity may hand out an id that a copied row holds already.
            cursor.execute(
                f"SELECT setval(%s, m) FROM (SELECT max({_quote(column)}) AS m "  # noqa: S608
                f"FROM {_quote(table_name)}) AS t WHERE m >= (SELECT last_value FROM "
                f"{_quote(sequence)})",
                [sequence],
            )
    for name, files in recording.files.items():
        for relative, data in files.items():
            path = roots[name] / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if hasattr(mail, "outbox"):
        mail.outbox.extend(copy.deepcopy(recording.emails))


# --- Tables (with a cursor of the driver itself) --------------------------------------------


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables(cursor: Any) -> list[Table]:
    if connection.vendor == "postgresql":
        return [
            Table(name=info.name)
            for info in connection.introspection.get_table_list(cursor)
            if info.type == "t" and info.name not in IGNORED_TABLES
        ]
    rows = cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    fts5 = {name for name, sql in rows if "USING FTS5(" in (sql or "").upper()}
    shadows = {name + suffix for name in fts5 for suffix in FTS5_SHADOWS}
    tables = []
    for name, sql in rows:
        virtual = (sql or "").upper().startswith("CREATE VIRTUAL TABLE")
        # Other virtual tables (the FTS5 vocabularies) are read-only views of an index.
        if name in IGNORED_TABLES or name in shadows or (virtual and name not in fts5):
            continue
        info = cursor.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
        tables.append(Table(name=name, columns=tuple(row[1] for row in info), fts5=name in fts5))
    return tables


def _read(cursor: Any, table: Table) -> Any:
    """The table's rows, comparable with ==: PostgreSQL's COPY text, sorted by line; SQLite's
    stored values, sorted (a unary plus keeps the column's declared type, and so the converters
    Django registers on its SQLite connections, out of the way)."""
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {_quote(table.name)} TO STDOUT") as copy_out:
            data = b"".join(bytes(chunk) for chunk in copy_out)
        return b"".join(sorted(data.splitlines(keepends=True)))
    columns = (["rowid"] if table.fts5 else []) + [f"+{_quote(c)}" for c in table.columns]
    rows = cursor.execute(f"SELECT {', '.join(columns)} FROM {_quote(table.name)}").fetchall()  # noqa: S608
    return sorted(rows, key=repr)


def _digest(rows: Any) -> str:
    return hashlib.sha256(rows if isinstance(rows, bytes) else repr(rows).encode()).hexdigest()


def _write(cursor: Any, table: Table, rows: Any) -> None:
    cursor.execute(f"DELETE FROM {_quote(table.name)}")  # noqa: S608
    if not rows:
        return
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {_quote(table.name)} FROM STDIN") as copy_in:
            copy_in.write(rows)
        return
    columns = (["rowid"] if table.fts5 else []) + [_quote(c) for c in table.columns]
    cursor.executemany(
        f"INSERT INTO {_quote(table.name)} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * len(columns))})",
        rows,
    )


def _references(cursor: Any, tables: Iterable[Table]) -> set[str]:
    """The tables that `tables` point to by foreign key."""
    names: set[str] = set()
    for table in tables:
        if not table.fts5:
            relations = connection.introspection.get_relations(cursor, table.name)
            names.update(other_table for _column, other_table in relations.values())
    return names


def _sequences(cursor: Any, tables: Iterable[Table]) -> list[tuple[str, str, str]]:
    if connection.vendor != "postgresql":
        return []  # SQLite's AUTOINCREMENT follows the largest id inserted
    return [
        (sequence["name"], table.name, sequence["column"])
        for table in tables
        for sequence in connection.introspection.get_sequences(cursor, table.name)
    ]


# --- Files ----------------------------------------------------------------------------------


def _file_roots() -> dict[str, Path] | None:
    """The folders the seed's files go to, or None when a storage is not on this disk."""
    if not all(isinstance(storages[alias], FileSystemStorage) for alias in ("default", "private")):
        return None
    return {
        "MEDIA_ROOT": Path(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": Path(settings.PRIVATE_MEDIA_ROOT),
    }


def _files(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }
