"""The posts' search index (core.search): an opening post carries its thread's title (weight
A), every post its text without its HTML (weight C)."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.utils.html import strip_tags

from core.search import Document, SearchIndex

from .models import Post


def post_documents(ids: list[int], *, post_model: Any = Post) -> list[Document]:
    """The documents of these posts (two queries); the model can be passed in by a migration."""
    rows = list(
        post_model.objects.filter(pk__in=ids).values_list(
            "pk", "thread_id", "thread__title", "body"
        )
    )
    thread_ids = {thread_id for _pk, thread_id, _title, _body in rows}
    # A thread's opening post is its first (posts are only ever added after it).
    openings = set(
        post_model.objects.filter(thread_id__in=thread_ids)
        .values("thread_id")
        .annotate(first=Min("pk"))
        .values_list("first", flat=True)
    )
    return [
        Document(
            pk=pk,
            a=title if pk in openings else "",
            c=strip_tags(body).replace("&nbsp;", " "),
        )
        for pk, _thread_id, title, body in rows
    ]


POST_INDEX = SearchIndex(
    model=Post,
    fts_table="discussions_post_fts",
    relation="search_text",
    vector="search_document",
    documents=post_documents,
    depends_on={"discussions.Thread": "thread"},
)


def post_index(*, post_ids: list[int] | None = None) -> int:
    """Re-analyse these posts (all when None); every write of a post's text calls it in its
    transaction."""
    return POST_INDEX.index(post_ids)
