"""core.search: the analysers (Finnish lemmas, compound parts, the pluggable setting and the
Voikko fallback) and the index kept by the services."""

import io
import sys
import types

import pytest
from django.core.management import call_command

from core.search import Analyser, Simplemma, Voikko, get_analyser, rebuild_all
from tests.conftest import skip_or_fail

# Word as written -> the lemma it is stored and searched as.
LEMMAS = [
    ("nuorten", "nuori"),
    ("nuorille", "nuori"),
    ("nuoret", "nuori"),
    ("liikkumisen", "liikkuminen"),
    ("Liikkuminen", "liikkuminen"),
    ("Kimppakyydit", "kimppakyyti"),
    ("kimppakyydeillä", "kimppakyyti"),
    ("Hämeenlinnassa", "hämeenlinna"),
    ("Seinäjoella", "seinäjoki"),
    ("verkostoissa", "verkosto"),
    ("kunnissa", "kunta"),
]


@pytest.mark.parametrize(("word", "lemma"), LEMMAS)
def test_simplemma_gives_the_finnish_base_form(word, lemma):
    assert Simplemma().lemma(word.casefold()) == lemma


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("kimppakyyti", {"kimppa", "kyyti"}),
        ("rautatieasema", {"rautatie", "asema"}),
        ("vaikuttavuusajattelu", {"vaikuttavuus", "ajattelu"}),
        ("etätyöpiste", {"etätyö", "piste"}),
    ],
)
def test_a_compound_is_also_stored_by_its_parts(word, parts):
    assert parts <= set(Simplemma().index_terms(word))


def test_short_or_unknown_words_are_not_split():
    analyser = Simplemma()
    assert analyser.compound_parts("kunta") == []
    assert analyser.compound_parts("xyzzyqwerty") == []
    assert analyser.compound_parts("2026") == []


def test_a_query_keeps_each_words_lemma_and_form_and_drops_small_words():
    analyser = Simplemma()
    assert analyser.query_terms("Nuorten ja liikkumisen") == [
        ("nuori", "nuorten"),
        ("liikkuminen", "liikkumisen"),
    ]
    # Only small words: they are all there is to search for.
    assert analyser.query_terms("ja tai") == [("ja",), ("tai",)]
    assert analyser.query_terms("!!! ---") == []


def test_the_setting_chooses_the_analyser(settings):
    assert isinstance(get_analyser(), Simplemma)
    settings.SEARCH_ANALYSER = "core.search.analysers.Analyser"
    plain = get_analyser()
    assert type(plain) is Analyser
    assert plain.index_terms("Nuorten kimppakyydit") == ["nuorten", "kimppakyydit"]


def test_voikko_falls_back_to_simplemma_without_libvoikko(settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "libvoikko", None)  # import fails
    settings.SEARCH_ANALYSER = "core.search.analysers.Voikko"
    analyser = get_analyser()
    assert type(analyser) is Simplemma
    assert analyser.lemma("nuorille") == "nuori"


class FakeVoikko:
    """libvoikko's answers for two words, in its own format."""

    ANALYSES = {
        "kimppakyydeillä": [
            {"BASEFORM": "kimppakyyti", "WORDBASES": "+kimppa(kimppa)+kyyti(kyyti)"}
        ],
        "kimppakyyti": [{"BASEFORM": "kimppakyyti", "WORDBASES": "+kimppa(kimppa)+kyyti(kyyti)"}],
        "nuorille": [{"BASEFORM": "nuori", "WORDBASES": "+nuori(nuori)"}],
    }

    def __init__(self, language):
        assert language == "fi"

    def analyze(self, word):
        return self.ANALYSES.get(word, [])


def test_voikko_reads_base_forms_and_compound_parts(settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "libvoikko", types.SimpleNamespace(Voikko=FakeVoikko))
    settings.SEARCH_ANALYSER = "core.search.analysers.Voikko"
    analyser = get_analyser()
    assert type(analyser) is Voikko
    assert analyser.lemma("kimppakyydeillä") == "kimppakyyti"
    assert {"kimppakyyti", "kimppa", "kyyti"} <= set(analyser.index_terms("kimppakyydeillä"))
    # A word Voikko does not know goes to simplemma.
    assert analyser.lemma("nuorten") == "nuori"


def test_the_real_voikko_when_it_is_installed(settings):
    # The Python binding is a dev dependency; the library and its Finnish dictionary are
    # Debian's libvoikko1 and voikko-fi, which .ci/run installs (optional on a developer's
    # machine, where simplemma serves).
    settings.SEARCH_ANALYSER = "core.search.analysers.Voikko"
    analyser = get_analyser()
    if type(analyser) is not Voikko:
        skip_or_fail("Voikko needs Debian's libvoikko1 and voikko-fi (apt-get install them)")
    assert analyser.lemma("nuorille") == "nuori"
    assert {"kimppa", "kyyti"} <= set(analyser.index_terms("kimppakyydeillä"))


@pytest.mark.django_db
def test_search_rebuild_reanalyses_every_index(course):
    from courses.models import Item

    counts = rebuild_all()
    assert counts["courses.Item"] == Item.objects.count() == 9
    assert counts["portfolio.Card"] == 0
    out = io.StringIO()
    call_command("search_rebuild", stdout=out)
    assert "courses.Item: 9" in out.getvalue()


def test_the_server_loads_the_dictionary_in_the_background(monkeypatch):
    import threading

    from core.search import analysers

    warmed = threading.Event()

    class Slow(Analyser):
        def warm(self):
            warmed.set()

    monkeypatch.setattr(analysers, "get_analyser", lambda: Slow())
    analysers.warm_in_background()
    assert warmed.wait(timeout=10)


def test_a_failed_warm_up_is_logged_not_raised(monkeypatch, caplog):
    import threading

    from core.search import analysers

    done = threading.Event()

    class Broken(Analyser):
        def warm(self):
            done.set()
            raise OSError("no dictionary")

    monkeypatch.setattr(analysers, "get_analyser", lambda: Broken())
    analysers.warm_in_background()
    assert done.wait(timeout=10)
    for _ in range(100):
        if "Could not load the search analyser" in caplog.text:
            break
        threading.Event().wait(0.05)
    assert "Could not load the search analyser" in caplog.text


@pytest.mark.parametrize(
    ("wordbases", "parts"),
    [
        ("+kimppa(kimppa)+kyyti(kyyti)", {"kimppa", "kyyti", "kimppakyyti"}),
        ("+liity(liittyä)+ntä(+tä)+kyyti(kyyti)", {"liityntä", "kyyti"}),
        ("+sähkö(sähkö)+potku(potku)+lauta(lauta)", {"sähkö", "potku", "lauta", "potkulauta"}),
        ("+hämeen(Häme)+linna(linna)", {"häme", "linna", "hämeenlinna"}),
        ("+nuori(nuori)", set()),
    ],
)
def test_voikko_compounds_give_their_words_and_neighbours(wordbases, parts):
    from core.search.analysers import _voikko_parts

    assert parts <= set(_voikko_parts(wordbases))
    assert not any("+" in part for part in _voikko_parts(wordbases))
    if not parts:
        assert _voikko_parts(wordbases) == []
