"""The course items' search index (core.search): the title, and the text without its HTML."""

from __future__ import annotations

from typing import Any

from django.utils.html import strip_tags

from core.search import Document, SearchIndex

from .models import Item


def item_documents(ids: list[int], *, item_model: Any = Item) -> list[Document]:
    """The documents of these items (one query); the model can be passed in by a migration."""
    return [
        Document(pk=pk, a=title, b=strip_tags(body).replace("&nbsp;", " "), c=file_name)
        for pk, title, body, file_name in item_model.objects.filter(pk__in=ids).values_list(
            "pk", "title", "body", "file_name"
        )
    ]


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
