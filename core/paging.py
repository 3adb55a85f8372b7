"""Lists for Django's Paginator that read one page at a time.

The Paginator asks a list for its length, then for one slice. `PagedRows` answers the slice
with the subclass's `_slice(start, stop)`, which reads only those rows (one query of the few
columns a page shows), and its length with the subclass's `__len__` (one COUNT); an index, a
negative index and a stepped slice behave as on a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class PagedRows(Sequence[T]):
    """A sequence whose slice reads only its rows: subclasses give `__len__` and `_slice`."""

    def _slice(self, start: int, stop: int) -> list[T]:
        """The rows from `start` to `stop` (0 <= start < stop <= len(self)), in order."""
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return self._slice(0, len(self))[index]
            return self._slice(start, stop) if stop > start else []
        if index < 0:
            index += len(self)
        found = self._slice(index, index + 1) if index >= 0 else []
        if not found:
            raise IndexError(index)
        return found[0]
