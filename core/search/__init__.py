"""One search for the platform: Osaamisväylä's cards and course items (see index.py)."""

from .analysers import Analyser, Simplemma, Voikko, get_analyser, warm_in_background
from .index import Document, SearchIndex, rebuild_all, registered, reindex_related
from .state import rebuild_stale, stale_indexes

__all__ = [
    "Analyser",
    "Document",
    "SearchIndex",
    "Simplemma",
    "Voikko",
    "get_analyser",
    "rebuild_all",
    "rebuild_stale",
    "registered",
    "reindex_related",
    "stale_indexes",
    "warm_in_background",
]
