"""A search index over one model, the same on both databases.

Every document is analysed in Python (core.search.analysers: Finnish lemmas and compound
parts) when a service writes it, and stored as plain terms in three weights: A (titles), B
(summaries, themes, municipalities), C (the rest).

- SQLite, the embedded default: an FTS5 virtual table whose rowid is the model's id (created
  by the app's migration; core.search.migrations), joined through an unmanaged model.
- PostgreSQL: the model's `search_document` tsvector column (GIN-indexed), built with the
  'simple' configuration because the terms are lemmas already.

A query's words are analysed the same way; each word must match (its lemma or the word as
typed, as a prefix of a stored term once it has three letters; a place's names only whole).
Both databases therefore find the same rows; PostgreSQL ranks them by ts_rank, SQLite by the
weights of the columns that hold each word (see _search_sqlite), so titles come first on both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, models
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from .analysers import LEMMA_LANGUAGES, MIN_PREFIX_CHARS, Whole, get_analyser

# bm25 weights of FTS5's columns a, b, c: as PostgreSQL's default ts_rank weights of A, B, C
# (1.0, 0.4, 0.2) relate to each other.
SQLITE_RANK = "bm25(10.0, 4.0, 2.0)"
SAFE_TERM = re.compile(r"^[^\W_]+$")


@dataclass(frozen=True)
class Document:
    """One row's text by weight; `other_languages` holds (text, language) pairs analysed in
    their own language and stored with weight B (theme names in Swedish and English)."""

    pk: int
    a: str = ""
    b: str = ""
    c: str = ""
    other_languages: Sequence[tuple[str, str]] = field(default_factory=tuple)

    def terms(self) -> tuple[str, str, str]:
        analyser = get_analyser()
        b = analyser.index_terms(self.b)
        for text, lang in self.other_languages:
            b.extend(analyser.index_terms(text, lang))
        return (
            " ".join(analyser.index_terms(self.a)),
            " ".join(b),
            " ".join(analyser.index_terms(self.c)),
        )


_REGISTRY: list[SearchIndex] = []


class SearchIndex:
    """The index of `model`. `relation` is the reverse accessor of its unmanaged FTS5 model
    (SQLite); `vector` its tsvector column (PostgreSQL). `documents` builds the documents of
    the given ids; `depends_on` maps another model's label to the path from `model` to it,
    for text the documents take from there (a theme, a municipality's name)."""

    def __init__(
        self,
        *,
        model: type[models.Model],
        fts_table: str,
        relation: str,
        vector: str,
        documents: Callable[[list[int]], list[Document]],
        depends_on: dict[str, str] | None = None,
    ) -> None:
        self.model = model
        self.fts_table = fts_table
        self.relation = relation
        self.vector = vector
        self.documents = documents
        self.depends_on = depends_on or {}
        _REGISTRY.append(self)

    def index(self, pks: Iterable[int] | None = None) -> int:
        """Analyse and store the rows with these ids (all rows when None); returns how many."""
        if pks is None:
            pks = self.model._default_manager.order_by().values_list("pk", flat=True)
        ids = list(pks)
        done = 0
        for start in range(0, len(ids), 500):
            done += self.write(self.documents(ids[start : start + 500]))
        return done

    # --- writes ---------------------------------------------------------------------------

    def write(self, documents: Iterable[Document]) -> int:
        """Store these documents (replacing what was stored for their rows); returns how many.
        Call it in the transaction of the write that changed the text."""
        rows = [(doc.pk, *doc.terms()) for doc in documents]
        if not rows:
            return 0
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.executemany(
                    f"DELETE FROM {self.fts_table} WHERE rowid = %s",  # noqa: S608 - our names
                    [(pk,) for pk, *_terms in rows],
                )
                cursor.executemany(
                    f"INSERT INTO {self.fts_table} (rowid, a, b, c) VALUES (%s, %s, %s, %s)",  # noqa: S608
                    rows,
                )
            elif connection.vendor == "postgresql":
                cursor.executemany(
                    f"UPDATE {table} SET {self.vector} = "  # noqa: S608 - our names
                    "setweight(to_tsvector('simple', %s), 'A') || "
                    "setweight(to_tsvector('simple', %s), 'B') || "
                    "setweight(to_tsvector('simple', %s), 'C') WHERE id = %s",
                    [(a, b, c, pk) for pk, a, b, c in rows],
                )
        return len(rows)

    # --- reads ----------------------------------------------------------------------------

    def search(
        self, qs: QuerySet[Any], query: str, languages: Sequence[str] | None = None
    ) -> QuerySet[Any]:
        """`qs` narrowed to the rows matching `query`, annotated with `rank` (higher is
        better). A query without a single word matches nothing. Each query word is analysed in
        each of `languages` (a Swedish learner's words as Swedish and as Finnish; by default
        Finnish and the active interface language), and any of its forms may match."""
        analyser = get_analyser()
        if languages is None:
            languages = query_languages()
        per_language = [analyser.query_terms(query, language) for language in languages]
        groups = [
            [t for t in _merged(alternatives) if SAFE_TERM.match(t)]
            for alternatives in zip(*per_language, strict=True)
        ]
        groups = [g for g in groups if g]
        if not groups:
            return qs.none().annotate(rank=Value(0.0))
        if connection.vendor == "sqlite":
            return self._search_sqlite(qs, groups)
        tsquery = " & ".join(
            "(" + " | ".join(_tsquery_term(t) for t in group) + ")" for group in groups
        )
        search = SearchQuery(tsquery, config="simple", search_type="raw")
        return qs.filter(**{self.vector: search}).annotate(rank=SearchRank(F(self.vector), search))

    def _fts_rows(self, expression: str) -> QuerySet[Any]:
        """The ids of the FTS rows matching an FTS5 expression (a subquery SQLite runs once)."""
        fts_model: Any = self.model._meta.get_field(self.relation).related_model
        rows: QuerySet[Any] = fts_model.objects.filter(document__match=expression).values("pk")
        return rows

    def _search_sqlite(self, qs: QuerySet[Any], groups: list[list[str]]) -> QuerySet[Any]:
        """Each FTS5 expression is an `id IN (subquery)` that SQLite evaluates once per
        statement: joined to the cards instead, the planner may probe the FTS table once per
        card when another filter (scope, theme, municipality) looks more selective, which
        costs seconds at thousands of cards. The rank is the weights of the columns that
        hold each query word: 4 for the title (a), 2 for b, 1 for c, summed over the words."""
        alternatives = ["(" + " OR ".join(_fts5_term(t) for t in group) + ")" for group in groups]
        matched = qs.filter(pk__in=self._fts_rows(" AND ".join(alternatives)))
        rank: Any = Value(0.0)
        for group in alternatives:
            for column, weight in (("a", 4.0), ("b", 2.0), ("c", 1.0)):
                rank = rank + Case(
                    When(pk__in=self._fts_rows(f"{column} : {group}"), then=Value(weight)),
                    default=Value(0.0),
                )
        return matched.annotate(rank=rank)

    def search_any(self, terms: Sequence[str]) -> tuple[Q, Any]:
        """For ranking by likeness: a condition that a row holds any of these exact `terms`
        (lemmas), and an expression scoring how well; both combine with other conditions
        in an OR. SQLite scores the number of terms held (one indexed lookup per term)."""
        terms = [t for t in dict.fromkeys(terms) if SAFE_TERM.match(t)]
        if not terms:
            return Q(pk__in=[]), Value(0)
        if connection.vendor == "sqlite":
            holding = [Q(pk__in=self._fts_rows(f'"{t}"')) for t in terms]
            any_term = Q()
            for condition in holding:
                any_term |= condition
            score = sum(
                Case(When(condition, then=1), default=0, output_field=IntegerField())
                for condition in holding
            )
            return any_term, score
        search = SearchQuery(
            " | ".join(f"'{t}'" for t in terms), config="simple", search_type="raw"
        )
        return Q(**{self.vector: search}), Coalesce(SearchRank(F(self.vector), search), Value(0.0))

    def common_terms(self, terms: Sequence[str], *, share: float, min_rows: int = 10) -> set[str]:
        """Which of `terms` more than `share` of the rows, and more than `min_rows` rows, hold
        (one query): a small network has no common words to speak of. PostgreSQL knows it
        from the statistics of the vector column (nothing before the table is analysed);
        SQLite from the FTS table's vocabulary."""
        terms = [t for t in dict.fromkeys(terms) if SAFE_TERM.match(t)]
        if not terms:
            return set()
        table = self.model._meta.db_table
        marks = ", ".join(["%s"] * len(terms))
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    f"SELECT term FROM {self.fts_table}_vocab WHERE term IN ({marks}) "  # noqa: S608
                    f"AND doc > max(%s * (SELECT count(*) FROM {table}), %s)",
                    [*terms, share, min_rows],
                )
            else:
                cursor.execute(
                    f"""
                    SELECT t.elem FROM pg_stats AS s,
                        unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
                        AS t(elem, freq)
                    WHERE s.schemaname = current_schema() AND s.tablename = %s
                        AND s.attname = %s AND t.elem IN ({marks}) AND t.freq > %s
                        AND t.freq * (
                            SELECT reltuples FROM pg_class WHERE oid = %s::regclass
                        ) > %s
                    """,  # noqa: S608 - placeholders only
                    [table, self.vector, *terms, share, table, min_rows],
                )
            return {term for (term,) in cursor.fetchall()}


def query_languages() -> tuple[str, ...]:
    """Finnish, and the active interface language where it has lemmas: a Swedish visitor's
    "resekedjorna" is read as Swedish too."""
    language = (get_language() or "fi")[:2]
    return ("fi", language) if language != "fi" and language in LEMMA_LANGUAGES else ("fi",)


def _merged(alternatives: Iterable[Sequence[str]]) -> list[str]:
    """One query word's terms in every language, each once; a term any language reads as
    `Whole` (a place's name) matches whole."""
    terms: dict[str, str] = {}
    for group in alternatives:
        for term in group:
            if term not in terms or isinstance(term, Whole):
                terms[term] = term
    return list(terms.values())


def _prefix(term: str) -> bool:
    return len(term) >= MIN_PREFIX_CHARS and not isinstance(term, Whole)


def _fts5_term(term: str) -> str:
    return f'"{term}"*' if _prefix(term) else f'"{term}"'


def _tsquery_term(term: str) -> str:
    return f"'{term}':*" if _prefix(term) else f"'{term}'"


def reindex_related(model: type[models.Model], pks: Iterable[int]) -> int:
    """Re-analyse every indexed row whose document includes text of these `model` rows (the
    cards of an experiment whose themes changed). Call it from the service that changed them."""
    ids = list(pks)
    done = 0
    for search_index in _REGISTRY:
        path = search_index.depends_on.get(model._meta.label)
        if path and ids:
            rows = search_index.model._default_manager.filter(**{f"{path}__in": ids})
            done += search_index.index(rows.values_list("pk", flat=True))
    return done


def registered() -> list[SearchIndex]:
    return list(_REGISTRY)


def rebuild_all() -> dict[str, int]:
    """Re-analyse every row of every index (after bulk writes that bypass the services, such
    as the demo's, or after changing the analyser) and record how they were built (state.py);
    returns the rows per model."""
    from .state import mark_built

    counts = {}
    for index in _REGISTRY:
        counts[index.model._meta.label] = index.index()
        mark_built(index)
    return counts
