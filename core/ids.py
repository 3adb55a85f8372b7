"""Ids read from what a person or a program sends (query parameters, cursors, form fields)."""

from __future__ import annotations

# Ids are positive bigints. A larger number is no id: SQLite and PostgreSQL cannot even compare
# a column with it (OverflowError, "out of range for type bigint"), so it is refused before.
MAX_ID = 2**63 - 1


def is_id(number: int) -> bool:
    return 1 <= number <= MAX_ID


def parse_id(text: str) -> int | None:
    """The id written in `text` in decimal digits, or None if it is not one."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if is_id(number) else None
