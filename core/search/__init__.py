"""One search for the platform: Osaamisväylä's cards and course items (see index.py)."""

from .analysers import Analyser, Simplemma, Voikko, get_analyser, warm_in_background
from .index import Document, SearchIndex, rebuild_all, registered, reindex_related

__all__ = [
    "Analyser",
    "Document",
    "SearchIndex",
    "Simplemma",
    "Voikko",
    "get_analyser",
    "rebuild_all",
    "registered",
    "reindex_related",
    "warm_in_background",
]
