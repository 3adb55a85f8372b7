"""Finnish municipalities by their Finnish and Swedish names, for the search analysers: a card
that says "Vantaan asemanseutu" is found by "Vanda", "Vandas" and "Vantaalla", and one that
says "Tammerfors" by "Tampere".

Hand-kept: no package on PyPI or Debian ships the pairs (Statistics Finland's classification
has them, as a download). Add a row when a network's municipality is missing; the analysis
version (analysers.ANALYSIS_VERSION) must then go up, so that `migrate` rebuilds the indexes.

A name is recognised in these forms only:
- as written, in either language, and in Swedish with the genitive -s ("Vandas", "Åbos");
- in Finnish, its case forms from the name or the stems listed beside it ("Helsingissä" from
  "helsingi", "Tampereella" from "tamperee"), with or without a clitic ("Vantaallakin");
- in a compound that starts with its Finnish or Swedish genitive ("Vantaankoski",
  "Hämeenlinnantie", "Helsingforsregionen"), at index time;
- as the place of a resident ("tamperelainen", "lahtelaisille"), at index time.

A query word that is a name matches the names only as whole words: "vanda" must not find
"vandalismi", nor "Akaa" "akaasia". Homonyms stay homonyms: "lahdella" (by the bay) is also
Lahti, and the Swedish verb "ingå" is also Inkoo.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Finnish name | Swedish name ("" where it is the same) | the Finnish inflection stems other
# than the name itself (consonant gradation, e-stems, plural place names, two-part names).
TABLE = """
Akaa | |
Espoo | Esbo |
Hamina | Fredrikshamn |
Hanko | Hangö | hango
Hattula | |
Hausjärvi | | hausjärve
Heinola | |
Helsinki | Helsingfors | helsingi
Hollola | |
Hyvinkää | Hyvinge |
Hämeenkyrö | Tavastkyro |
Hämeenlinna | Tavastehus |
Iisalmi | Idensalmi | iisalme
Inkoo | Ingå |
Janakkala | |
Joensuu | |
Jyväskylä | |
Järvenpää | Träskända |
Kaarina | S:t Karins |
Kajaani | Kajana |
Kangasala | |
Karkkila | Högfors |
Kaskinen | Kaskö | kaskise kaskisi kaskis kaskisten
Kauniainen | Grankulla | kauniaise kauniaisi kauniais kauniaisten
Kemi | |
Kemiönsaari | Kimitoön | kemiönsaare kemiönsaar
Kerava | Kervo |
Kirkkonummi | Kyrkslätt | kirkkonumme
Kokkola | Karleby |
Kotka | |
Kouvola | |
Kristiinankaupunki | Kristinestad | kristiinankaupungi
Kruunupyy | Kronoby |
Kuopio | |
Lahti | Lahtis | lahde lahte
Lapinjärvi | Lappträsk | lapinjärve
Lappeenranta | Villmanstrand | lappeenranna
Lempäälä | |
Lohja | Lojo |
Loppi | | lope
Loviisa | Lovisa |
Maalahti | Malax | maalahde maalahte
Maarianhamina | Mariehamn |
Mikkeli | S:t Michel |
Mustasaari | Korsholm | mustasaare mustasaar
Myrskylä | Mörskom |
Mäntsälä | |
Naantali | Nådendal |
Nokia | |
Nurmijärvi | | nurmijärve
Närpiö | Närpes |
Oulu | Uleåborg |
Parainen | Pargas | paraise paraisi parais paraisten
Pietarsaari | Jakobstad | pietarsaare pietarsaar
Pirkkala | Birkala |
Pori | Björneborg |
Pornainen | Borgnäs | pornaise pornaisi pornais pornaisten
Porvoo | Borgå |
Pyhtää | Pyttis |
Raasepori | Raseborg |
Rauma | Raumo |
Riihimäki | | riihimäe riihimäke
Rovaniemi | | rovanieme
Salo | |
Savonlinna | Nyslott |
Seinäjoki | | seinäjoe seinäjoke
Sipoo | Sibbo |
Siuntio | Sjundeå |
Tammisaari | Ekenäs | tammisaare tammisaar
Tampere | Tammerfors | tamperee
Tornio | Torneå |
Turku | Åbo | turu
Tuusula | Tusby |
Uusikaarlepyy | Nykarleby | uudenkaarlepyy uudessakaarlepyy uudestakaarlepyy uuteenkaarlepyy
Uusikaupunki | Nystad | uudenkaupungi uudessakaupungi uudestakaupungi uuteenkaupunki
Vaasa | Vasa |
Valkeakoski | | valkeakoske valkeakose
Vantaa | Vanda |
Vihti | Vichtis | vihdi
Vöyri | Vörå |
"""

# Finnish case endings (back-vowel forms; the front-vowel ones are made from them), including
# the illatives of names ending in a vowel ("Hämeenlinnaan", "Turkuun", "Helsinkiin").
CASES = (
    "",
    "n",
    "a",
    "ta",
    "tta",
    "na",
    "ksi",
    "ssa",
    "sta",
    "lla",
    "lta",
    "lle",
    "seen",
    "han",
    "hin",
    "an",
    "en",
    "in",
    "on",
    "un",
)
CLITICS = ("", "kin", "kaan", "ko", "han", "pa")
FRONT = str.maketrans("aou", "äöy")
# Folded spellings that are common words of their own, neither stored for the place nor read
# as it: the Swedish "inga" (none) is not Ingå.
NOT_FOLDED = frozenset({"inga"})
# A compound's first part, a genitive, must be this long to be read as a place
# ("Vantaankoski"): shorter ones start too many other words ("salon" "salongissa").
MIN_COMPOUND_HEAD = 6
MIN_COMPOUND_TAIL = 3
RESIDENT = re.compile(r"^(?P<stem>\w+?)(?:lainen|läinen)$")
WORD = re.compile(r"[^\W_]+")


def _fold(term: str) -> str:
    from .analysers import fold

    return fold(term)


@dataclass(frozen=True)
class Place:
    finnish: str
    swedish: str
    stems: tuple[str, ...]

    @functools.cached_property
    def terms(self) -> tuple[str, ...]:
        """The words of its names, as the index stores them ("vantaa", "vanda"; "mikkeli",
        "s", "t", "michel")."""
        names = f"{self.finnish} {self.swedish}"
        return tuple(dict.fromkeys(w.casefold() for w in WORD.findall(names)))

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        """The terms that name it on their own, for a query ("mikkeli", "michel": not the
        "s" of "S:t", which would find any text holding an "s")."""
        return tuple(t for t in self.terms if len(t) >= 3)

    def finnish_forms(self) -> set[str]:
        forms: set[str] = set()
        for stem in (self.finnish.casefold(), *self.stems):
            for case in CASES:
                for clitic in CLITICS:
                    form = stem + case + clitic
                    forms.update((form, form.translate(FRONT)))
        # A stem alone is not a form ("helsingi"), except where it is the name.
        forms.difference_update(s for s in self.stems if s != self.finnish.casefold())
        return forms

    def swedish_forms(self) -> set[str]:
        """Each word of three letters or more of the Swedish name, and its genitive; the
        Finnish name's genitive too, as Swedish text writes it ("Riihimäkis")."""
        forms: set[str] = set()
        for word in WORD.findall(f"{self.finnish} {self.swedish}".casefold()):
            if len(word) >= 3:
                forms.update((word, word if word.endswith(("s", "x", "z")) else word + "s"))
        return forms


def _parse(table: str) -> tuple[Place, ...]:
    places = []
    for line in table.strip().splitlines():
        finnish, swedish, stems = (part.strip() for part in line.split("|"))
        places.append(Place(finnish, swedish, tuple(stems.split())))
    return tuple(places)


PLACES = _parse(TABLE)


@functools.cache
def _forms() -> dict[str, Place]:
    forms: dict[str, Place] = {}
    for place in PLACES:
        for form in place.finnish_forms() | place.swedish_forms():
            forms.setdefault(form, place)
    return forms


@functools.cache
def _folded_forms() -> dict[str, Place]:
    forms = _forms()
    folded: dict[str, Place] = {}
    for form, place in forms.items():
        plain = _fold(form)
        if plain != form and plain not in forms and plain not in NOT_FOLDED:
            folded.setdefault(plain, place)
    return folded


@functools.cache
def _compound_heads() -> dict[str, Place]:
    """The genitives that may start a compound: Finnish ("vantaan", "helsingin") and Swedish
    ("vandas", "helsingfors"). Not a bare name: "vanda" starts "vandalismi"."""
    heads: dict[str, Place] = {}
    for place in PLACES:
        genitives = {stem + "n" for stem in place.stems or (place.finnish.casefold(),)}
        for word in WORD.findall(place.swedish.casefold()):
            genitives.add(word if word.endswith(("s", "x", "z")) else word + "s")
        for head in genitives:
            if len(head) >= MIN_COMPOUND_HEAD:
                heads.setdefault(head, place)
    return heads


def named(word: str) -> Place | None:
    """The place this word names, as written (any case form, either language), or None."""
    return _forms().get(word.casefold())


def named_without_letters(word: str) -> Place | None:
    """The place a word typed without ä, ö and å names ("hameenlinnassa", "traskanda")."""
    word = word.casefold()
    if _fold(word) != word:
        return None
    return _folded_forms().get(word)


def mentioned(word: str, lemmas: list[str]) -> Place | None:
    """The place a word of a text speaks of: its name in any form, a compound starting with
    its name, or a resident of it (from the word's lemmas: "tamperelaisille")."""
    word = word.casefold()
    if place := named(word):
        return place
    heads = _compound_heads()
    for i in range(MIN_COMPOUND_HEAD, len(word) - MIN_COMPOUND_TAIL + 1):
        if place := heads.get(word[:i]):
            return place
    for lemma in (word, *lemmas):
        if resident := RESIDENT.match(lemma):
            stem = resident["stem"]
            # "lahte|lainen", "riihimäke|läinen": the stem is the name or an inflection stem.
            for place in PLACES:
                if stem == place.finnish.casefold() or stem in place.stems:
                    return place
    return None
