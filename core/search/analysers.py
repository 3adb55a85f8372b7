"""Analysers turn text into the terms the search index stores and a query into the terms it
looks for. The one in use is named by the SEARCH_ANALYSER setting (a dotted class path).

Both sides use the same analyser, so an inflected word in a query ("nuorille") meets its base
form in a card ("nuoret" is stored as "nuori"). Compound words are also stored by their parts
("kimppakyyti" as "kimppa" and "kyyti"), so a part finds the whole; a query word also matches
as a prefix of a stored term, which finds longer compounds and half-typed words.

A term with ä, ö or å (or another accented letter) is stored folded too ("hämeenlinna" also as
"hameenlinna"), so a query typed without them finds it; a query word written without them is
also read as the words it may stand for ("tyomatkoja" as "työmatkoja"). A query with the letters
is not folded, so it finds exactly what it did. Swedish words are also reduced by simplemma's
compound-aware (greedy) lemmas, so "resekedja" meets "resekedjor".

A municipality is stored by all its names (places.py): "Vantaan" also as "vantaa" and "vanda",
so a Swedish "Vanda" or "Vandas" finds it, and "Tammerfors" finds "Tampereella". A query word
that names a place matches its names only as whole terms (`Whole`): "vanda" does not find
"vandalismi".
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
import unicodedata

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from . import places

logger = logging.getLogger(__name__)

# Words: letters and digits; the underscore separates (as it does for both databases' parsers).
WORD = re.compile(r"[^\W_]+")
# Query words this short must match whole; longer ones also match as a prefix.
MIN_PREFIX_CHARS = 3
# The languages whose words simplemma reduces to their base forms (its dictionaries ship in its
# wheel): Finnish, and the course content's Swedish and English versions.
LEMMA_LANGUAGES = frozenset({"fi", "sv", "en"})
# Compound parts shorter than this are not split off (they would match too much).
MIN_PART_CHARS = 3
MAX_TERM_CHARS = 60
# The version of what the analysis stores. Bump it whenever index_terms would store other terms
# for the same text: `migrate` then rebuilds every index built by another version (state.py).
ANALYSIS_VERSION = 3
# A query word written without ä, ö or å: which letters each plain letter may stand for, per
# language, and how many spellings are tried at most (each is one dictionary lookup).
RESTORABLE = {"fi": {"a": "ä", "o": "ö"}, "sv": {"a": "äå", "o": "ö"}}
MAX_RESTORATIONS = 64
# Words that say nothing in a query of several words ("nuoret ja liikkuminen").
STOPWORDS = frozenset(
    {
        "ja",
        "tai",
        "sekä",
        "eli",
        "että",
        "kun",
        "jos",
        "mutta",
        "vaan",
        "myös",
        "on",
        "ei",
        "ole",
        "oli",
        "se",
        "ne",
        "tämä",
        "nämä",
        "joka",
        "jotka",
        "mikä",
        "mitkä",
        "kuin",
        "niin",
        "vain",
        "jo",
        "nyt",
        "the",
        "and",
        "or",
        "of",
        "in",
        "for",
        "to",
        "a",
        "an",
        "och",
        "eller",
        "att",
        "som",
        "på",
        "i",
    }
)


class Whole(str):
    """A query term that matches a stored term only whole, never as its prefix."""

    __slots__ = ()


def words(text: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(text or "") if len(w) <= MAX_TERM_CHARS]


@functools.lru_cache(maxsize=65536)
def fold(term: str) -> str:
    """The term without its accents: ä and å as a, ö as o (é as e, ü as u)."""
    decomposed = unicodedata.normalize("NFD", term)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def restorations(word: str, lang: str) -> list[str]:
    """The spellings a word written without ä, ö or å may stand for ("tyomatka": "työmatka",
    "työmatka", ...), without the word itself; none for a word that has any of them, or whose
    spellings would be too many to look up."""
    letters = RESTORABLE.get(lang)
    if not letters or fold(word) != word or not word.isalpha():
        return []
    choices = [c + letters.get(c, "") for c in word]
    count = 1
    for choice in choices:
        count *= len(choice)
    if count > MAX_RESTORATIONS:
        return []
    return ["".join(p) for p in itertools.product(*choices)][1:]


class Analyser:
    """Plain words, case folded: the base class and the fallback of every other analyser."""

    name = "plain"

    def warm(self) -> None:
        """Load what the analyser needs now rather than in the first search."""

    def lemma(self, word: str, lang: str = "fi") -> str:
        return word

    def known(self, word: str, lang: str = "fi") -> bool:
        """Whether the word is in the analyser's dictionary as written."""
        return False

    def lemmas(self, word: str, lang: str = "fi") -> list[str]:
        """Every base form the word may have (an ambiguous form has several); the first is
        `lemma`'s."""
        return [self.lemma(word, lang)]

    def compound_parts(self, lemma: str, lang: str = "fi") -> list[str]:
        return []

    def index_terms(self, text: str, lang: str = "fi") -> list[str]:
        """Every term stored for `text`: each word's lemmas and their compound parts, and the
        names of a place it speaks of."""
        terms: list[str] = []
        for word in words(text):
            lemmas = self.lemmas(word, lang)
            terms.extend(lemmas)
            if place := places.mentioned(word, lemmas):
                terms.extend(place.terms)
            if word not in lemmas and not word.isdigit():
                # The word as written too: a query for the exact form always finds it.
                terms.append(word)
            for lemma in lemmas:
                terms.extend(self.compound_parts(lemma, lang))
            if word not in lemmas:
                terms.extend(self.compound_parts(word, lang))
        # Each term folded too, where that changes it: "hameenlinna" finds "Hämeenlinna". Not
        # where the folded spelling is another common word: the Swedish "inga" is not Ingå.
        return terms + [
            folded
            for term in terms
            if (folded := fold(term)) != term and folded not in places.NOT_FOLDED
        ]

    def query_lemmas(self, word: str, lang: str = "fi") -> list[str]:
        """A query word's lemmas. An unknown word written without ä, ö or å is read as the
        known words it may stand for, instead of the lemma guessed for it ("hameenlinna" is
        Hämeenlinna, not "hame", a skirt; "tyomatkoja" is "työmatka"). A known word keeps its
        own lemmas: the folded terms in the index find its lettered twin's base form."""
        if self.known(word, lang):
            return self.lemmas(word, lang)
        restored = [r for r in restorations(word, lang) if self.known(r, lang)]
        if not restored:
            return self.lemmas(word, lang)
        # Folded too, as the word was typed: they meet text also written without the letters.
        found = [m for r in restored for m in self.lemmas(r, lang)]
        return list(dict.fromkeys([*found, *map(fold, found)]))

    def query_terms(self, text: str, lang: str = "fi") -> list[tuple[str, ...]]:
        """One group of alternatives per query word; every group must match a stored term.
        Common words are dropped when other words remain."""
        groups = []
        for word in words(text):
            groups.append(self.place_terms(word) or self._word_terms(word, lang))
        meaningful = [g for g in groups if g[-1] not in STOPWORDS]
        return meaningful or groups

    def _word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.query_lemmas(word, lang), word)))

    def place_terms(self, word: str) -> tuple[str, ...]:
        """A query word that names a place: its names, each to match whole, in any language
        (none for another word). Typed without ä, ö or å, the names are also folded; typed
        with them, as elsewhere, not."""
        if place := places.named(word):
            found = place.names
        elif place := places.named_without_letters(word):
            found = (*place.names, *map(fold, place.names))
        else:
            return ()
        return tuple(Whole(t) for t in dict.fromkeys((*found, word)))


class Simplemma(Analyser):
    """Finnish lemmas from simplemma's dictionary, which ships in its wheel; compounds are
    split where both parts are words it knows. The dictionary is read in its memory-frugal
    form (about 60 MB per process instead of 400 MB); loading it takes a few seconds, once per
    process (`warm` does it ahead of the first search). Swedish and English text (course
    content's translations, theme names) gets that language's lemmas, without compound
    splitting; a Swedish or English dictionary is loaded when first needed."""

    name = "simplemma"

    def warm(self) -> None:
        self.lemma("kunnissa")
        self.compound_parts("kimppakyyti")

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one shared analyser per process
    def lemma(self, word: str, lang: str = "fi") -> str:
        import simplemma

        if word.isdigit() or lang not in LEMMA_LANGUAGES:
            return word
        return str(simplemma.lemmatize(word, lang=lang, low_memory=True)).casefold()

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def lemmas(self, word: str, lang: str = "fi") -> list[str]:
        """Swedish also by simplemma's greedy lemma, which reduces compounds by their last
        word ("resekedjor" and "resekedjan" to "resekedja", "tillväxtkorridorens" to
        "tillväxtkorridor")."""
        import simplemma

        found = [self.lemma(word, lang)]
        if lang == "sv" and not word.isdigit():
            greedy = simplemma.lemmatize(word, lang=lang, greedy=True, low_memory=True)
            found.append(str(greedy).casefold())
        return list(dict.fromkeys(found))

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def known(self, word: str, lang: str = "fi") -> bool:
        import simplemma

        return lang in LEMMA_LANGUAGES and simplemma.is_known(word, lang=lang, low_memory=True)

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def compound_parts(self, lemma: str, lang: str = "fi") -> list[str]:
        import simplemma

        if lang != "fi" or len(lemma) < 2 * MIN_PART_CHARS + 1 or not lemma.isalpha():
            return []
        parts: list[str] = []
        for i in range(MIN_PART_CHARS, len(lemma) - MIN_PART_CHARS + 1):
            head, tail = lemma[:i], lemma[i:]
            if simplemma.is_known(tail, lang="fi", low_memory=True) and simplemma.is_known(
                head, lang="fi", low_memory=True
            ):
                parts.extend((self.lemma(head, lang), self.lemma(tail, lang)))
        return list(dict.fromkeys(p for p in parts if p != lemma and len(p) >= MIN_PART_CHARS))


class Voikko(Simplemma):
    """Finnish through libvoikko and its dictionary (Debian: python3-libvoikko, voikko-fi),
    which knows inflections and compounds better still. Where either is missing, simplemma
    does the work, so nothing depends on Voikko being installed."""

    name = "voikko"

    def __init__(self) -> None:
        self._voikko = None
        try:
            import libvoikko

            self._voikko = libvoikko.Voikko("fi")
        except Exception:  # noqa: BLE001 - any missing piece means the fallback
            logger.info("Voikko is not available; search uses simplemma's Finnish lemmas.")

    @property
    def available(self) -> bool:
        return self._voikko is not None

    def _analyses(self, word: str) -> list[dict[str, str]]:
        if self._voikko is None:
            return []
        return list(self._voikko.analyze(word))

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def lemma(self, word: str, lang: str = "fi") -> str:
        if lang == "fi":
            for analysis in self._analyses(word):
                if analysis.get("BASEFORM"):
                    return analysis["BASEFORM"].casefold()
        return super().lemma(word, lang)

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def known(self, word: str, lang: str = "fi") -> bool:
        if lang == "fi" and self._voikko is not None:
            return bool(self._analyses(word))
        return super().known(word, lang)

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def lemmas(self, word: str, lang: str = "fi") -> list[str]:
        if lang == "fi":
            found = [a["BASEFORM"].casefold() for a in self._analyses(word) if a.get("BASEFORM")]
            if found:
                return list(dict.fromkeys(found))
        return super().lemmas(word, lang)

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def compound_parts(self, lemma: str, lang: str = "fi") -> list[str]:
        if lang != "fi" or self._voikko is None:
            return super().compound_parts(lemma, lang)
        parts: list[str] = []
        for analysis in self._analyses(lemma):
            parts.extend(_voikko_parts(analysis.get("WORDBASES", "")))
        parts = [p for p in dict.fromkeys(parts) if p != lemma and len(p) >= MIN_PART_CHARS]
        return parts or super().compound_parts(lemma, lang)


def _voikko_parts(wordbases: str) -> list[str]:
    """The words of a compound from Voikko's WORDBASES, e.g. "+kimppa(kimppa)+kyyti(kyyti)"
    gives kimppa and kyyti; a derivational ending ("+ntä(+tä)") stays with the word before it
    ("+liity(liittyä)+ntä(+tä)+kyyti(kyyti)" gives liityntä and kyyti)."""
    parts: list[tuple[str, str]] = []  # (as written, base form)
    for written, base in re.findall(r"\+([^+(]+)(?:\(([^)]*)\))?", wordbases):
        if base.startswith("+") and parts:
            before = parts[-1][0] + written
            parts[-1] = (before, before)
        else:
            parts.append((written, base or written))
    if len(parts) < 2:
        return []
    words = [base for _written, base in parts]
    # Neighbours together too: "sähköpotkulauta" is also found by "potkulauta".
    words += [parts[i][0] + parts[i + 1][1] for i in range(len(parts) - 1)]
    return [word.casefold() for word in words if word.isalpha()]


@functools.cache
def get_analyser() -> Analyser:
    """The analyser SEARCH_ANALYSER names (one per process)."""
    path = getattr(settings, "SEARCH_ANALYSER", "core.search.analysers.Simplemma")
    analyser: Analyser = import_string(path)()
    if isinstance(analyser, Voikko) and not analyser.available:
        return Simplemma()
    return analyser


def warm_in_background() -> None:
    """Load the analyser's dictionary in a thread while the server starts, so the first
    search after a start or reload does not wait for it."""

    def warm() -> None:
        try:
            get_analyser().warm()
        except Exception:  # a failed warm-up only means the first search loads it
            logger.exception("Could not load the search analyser ahead of time.")

    threading.Thread(target=warm, name="search-analyser-warm-up", daemon=True).start()


@receiver(setting_changed)
def _forget_analyser(*, setting: str, **kwargs: object) -> None:
    if setting == "SEARCH_ANALYSER":
        get_analyser.cache_clear()
