"""The course items' search index (core.search): the title, and the text without its HTML."""

from __future__ import annotations

from typing import Any

from django.utils.html import strip_tags

from core.search import Document, SearchIndex

from .languages import SOURCE_LANGUAGE, content_languages
from .models import Item


def _text(body: str | None) -> str:
    return strip_tags(body or "").replace("&nbsp;", " ")


def item_documents(ids: list[int], *, item_model: Any = Item) -> list[Document]:
    """The documents of these items (one query); the model can be passed in by a migration.
    The Finnish title and text are analysed as Finnish; their Swedish and English versions,
    where written, each in its own language (stored with the text's weight)."""
    fields = {f.name for f in item_model._meta.get_fields()}
    if "title_fi" not in fields:  # a migration before the texts had languages
        return [
            Document(pk=pk, a=title, b=_text(body), c=file_name)
            for pk, title, body, file_name in item_model.objects.filter(pk__in=ids).values_list(
                "pk", "title", "body", "file_name"
            )
        ]
    others = [language for language in content_languages() if language != SOURCE_LANGUAGE]
    names = ["title_fi", "body_fi", *(f"{f}_{lang}" for lang in others for f in ("title", "body"))]
    documents = []
    for row in item_model.objects.filter(pk__in=ids).values("pk", "title", "file_name", *names):
        other_languages = [
            (f"{row[f'title_{lang}'] or ''} {_text(row[f'body_{lang}'])}", lang)
            for lang in others
            if row[f"title_{lang}"] or row[f"body_{lang}"]
        ]
        documents.append(
            Document(
                pk=row["pk"],
                a=row["title_fi"] or row["title"],
                b=_text(row["body_fi"]),
                c=row["file_name"],
                other_languages=other_languages,
            )
        )
    return documents


ITEM_INDEX = SearchIndex(
    model=Item,
    fts_table="courses_item_fts",
    relation="search_text",
    vector="search_document",
    documents=item_documents,
)


def item_index(*, item_ids: list[int] | None = None) -> int:
    """Re-analyse these items' text (all when None); every write of an item's text calls it
    in its transaction."""
    return ITEM_INDEX.index(item_ids)
