from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from core.ids import parse_id


class Cursor(CursorPagination):
    """Cursor pages: stable while rows are added, and no OFFSET scan deep into a large list."""

    ordering = "pk"
    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Any:
        cursor = super().decode_cursor(request)
        # The position is the last row's pk, which the next page's query compares ids with; a
        # forged one that is no id would be a 500 there, so it is an invalid cursor here.
        position = cursor.position if cursor is not None else None
        if position is not None and parse_id(position) is None:
            raise NotFound(self.invalid_cursor_message)
        return cursor
