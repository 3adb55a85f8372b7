"""The admin's search ignores the case of Å, Ä and Ö on SQLite too (core.lookups).

Django's admin searches each of `search_fields` with `icontains` ("=field": `iexact`), which on
SQLite folds ASCII letters only: "ähtäri" did not find Ähtäri, nor "åström" Åström. Each
ModelAdmin with `search_fields` takes `UnicodeSearchMixin` first:

    @admin.register(Thread)
    class ThreadAdmin(UnicodeSearchMixin, admin.ModelAdmin):
        search_fields = ("title",)

Its search then uses `unicode_icontains` / `unicode_iexact`, which are Django's own lookups on
PostgreSQL (the same SQL there). The autocomplete of other admins' forms searches through the
same method, so it finds the same people.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest


def unicode_search_field(model: type[models.Model], spec: str) -> str:
    """`spec` from `search_fields` with the Unicode lookup its text field takes: "title" ->
    "title__unicode_icontains", "=name" -> "name__unicode_iexact". Left as written: a
    "^prefix" or "@search" one, one that already names its lookup, and one that ends at a field
    that is not text (Django searches those as before)."""
    if spec.startswith(("^", "@")):
        return spec
    exact = spec.startswith("=")
    path = spec.removeprefix("=")
    opts = model._meta
    field: Any = None
    for part in path.split(LOOKUP_SEP):
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return spec  # a lookup already, or a name Django reports itself
        if getattr(field, "path_infos", None):
            opts = field.path_infos[-1].to_opts
    lookup = "unicode_iexact" if exact else "unicode_icontains"
    if field is None or getattr(field, "path_infos", None) or not field.get_lookup(lookup):
        return spec
    return f"{path}{LOOKUP_SEP}{lookup}"


class UnicodeSearchMixin:
    """A ModelAdmin's search with the Unicode-aware lookups (put it before ModelAdmin)."""

    model: type[models.Model]

    def get_search_fields(self, request: HttpRequest) -> list[str] | tuple[str, ...]:
        fields: list[str] | tuple[str, ...] = super().get_search_fields(request)  # type: ignore[misc]
        return [unicode_search_field(self.model, str(spec)) for spec in fields]
