from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Cursor pages: stable while rows are added, and no OFFSET scan deep into a large list."""

    ordering = "pk"
    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200
