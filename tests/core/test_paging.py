"""core.paging.PagedRows behaves as a list while reading only the rows asked for."""

import pytest
from django.core.paginator import Paginator

from core.paging import PagedRows


class Letters(PagedRows[str]):
    def __init__(self, letters: str) -> None:
        self.letters = letters
        self.reads: list[tuple[int, int]] = []

    def __len__(self) -> int:
        return len(self.letters)

    def _slice(self, start: int, stop: int) -> list[str]:
        self.reads.append((start, stop))
        return list(self.letters[start:stop])


def test_indexes_and_slices_answer_as_a_list_does():
    rows, plain = Letters("abcdefg"), list("abcdefg")
    for index in (0, 3, 6, -1, -7):
        assert rows[index] == plain[index]
    for cut in (slice(2, 5), slice(-3, None), slice(None, None, 2), slice(5, 2), slice(0, 99)):
        assert rows[cut] == plain[cut], cut
    for index in (7, -8):
        with pytest.raises(IndexError):
            rows[index]
    assert list(rows) == plain


def test_a_paginator_reads_only_its_page():
    rows = Letters("abcdefghij")
    page = Paginator(rows, 3).get_page(2)
    assert list(page) == ["d", "e", "f"]
    assert rows.reads == [(3, 6)]
