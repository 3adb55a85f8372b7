"""The cards' search index (core.search): every card field, its experiment's themes (in each
of the site's languages) and its municipalities (its own and its team's), in Finnish lemmas."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.utils import translation

from core.search import Document, SearchIndex

from .models import Card, shown_to_the_public

# Weight A: the title. B: the summary, why it was needed, the hypothesis, the themes and the
# municipalities. C: the rest of the register's sections.
B_FIELDS = ("summary", "need", "hypothesis")
C_FIELDS = ("context", "tried", "results", "lessons", "scaling", "contacts")


def theme_names(codes: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The themes' names in Finnish, and in the site's other languages with their language."""
    from workshops.models import Theme

    labels = dict(Theme.Code.choices)
    finnish: list[str] = []
    others: list[tuple[str, str]] = []
    for code in codes:
        if code not in labels:
            continue
        for lang, _name in settings.LANGUAGES:
            with translation.override(lang):
                name = str(labels[code])
            if lang == "fi":
                finnish.append(name)
            else:
                others.append((name, lang))
    return finnish, others


def _has_field(model: Any, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def card_documents(
    ids: list[int], *, card_model: Any = Card, through: Any = None
) -> list[Document]:
    """The documents of these cards (three queries). The models can be passed in so that a
    migration builds the same documents from its historical models."""
    if through is None:
        from workshops.models import Experiment

        through = Experiment.themes.through
    # A public card whose changes wait for a coordinator is found by its approved version,
    # what everyone outside the team sees (a migration's older model has none).
    approved = ["approved_version"] if _has_field(card_model, "approved_version") else []
    rows = list(
        card_model.objects.filter(pk__in=ids).values(
            "pk",
            "experiment_id",
            "title",
            "show_names",
            "organisation__name",
            *B_FIELDS,
            *C_FIELDS,
            *approved,
        )
    )
    # A team may span towns: the card is found by every member's municipality too.
    towns: dict[int, list[str]] = defaultdict(list)
    for pk, town in (
        card_model.objects.filter(pk__in=ids)
        .order_by("experiment__members__pk")
        .values_list("pk", "experiment__members__user__organisation__name")
    ):
        if town and town not in towns[pk]:
            towns[pk].append(town)
    themes: dict[int, list[str]] = defaultdict(list)
    for experiment_id, code in (
        through.objects.filter(experiment_id__in=[r["experiment_id"] for r in rows])
        .order_by("theme_id")
        .values_list("experiment_id", "theme__code")
    ):
        themes[experiment_id].append(code)
    documents = []
    for row in rows:
        row.update(shown_to_the_public(row, row.get("approved_version")))
        finnish_themes, other_themes = theme_names(themes[row["experiment_id"]])
        own = row["organisation__name"] or ""
        team_towns = [town for town in towns[row["pk"]] if town != own]
        documents.append(
            Document(
                pk=row["pk"],
                a=row["title"],
                b=" \n".join([*(row[f] for f in B_FIELDS), *finnish_themes, own, *team_towns]),
                c=" \n".join(row[f] for f in C_FIELDS),
                other_languages=tuple(other_themes),
            )
        )
    return documents


CARD_INDEX = SearchIndex(
    model=Card,
    fts_table="portfolio_card_fts",
    relation="search_text",
    vector="search_document",
    documents=card_documents,
    # What reindexes a card besides its own services (core.search.reindex_related): its
    # experiment (themes, and the team: call it with the experiment when a member joins or
    # leaves), a member whose organisation changed, and a renamed municipality of its team. The
    # team path covers the card's own municipality too, as its creator is on the team.
    depends_on={
        "workshops.Experiment": "experiment",
        "core.User": "experiment__members__user",
        "core.Organisation": "experiment__members__user__organisation",
    },
)
