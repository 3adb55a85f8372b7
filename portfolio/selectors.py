"""Reads of the portfolio and the gallery. Every list starts from `cards_visible_to`."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from core.db import no_jit
from courses.models import Certificate, Reflection
from portfolio.access import cards_from_q, cards_visible_to, team_organisation_ids
from workshops.models import Experiment, ExperimentMember, Phase, Submission, Theme

from .consent import Byline, MemberAnswer, bylines, member_answers
from .models import Card, CardMessage, NameConsent, shown_to_the_public

if TYPE_CHECKING:
    from django.db.models import Field

    from core.models import User

__all__ = ["cards_visible_to"]

SEARCH_MAX_CHARS = 200


def _team_towns() -> QuerySet[ExperimentMember]:
    """The team of an experiment in a list, each member carrying their user's organisation as
    `organisation` / `organisation_id` (like a User), which is all that
    portfolio/includes/_organisations.html reads of its `owners`: no names are loaded."""
    return (
        ExperimentMember.objects.annotate(
            organisation=FilteredRelation("user__organisation"),
            organisation_id=F("user__organisation_id"),
        )
        # django-stubs does not see the FilteredRelation's alias.
        .select_related("organisation")  # type: ignore[misc]
        .order_by("pk")
    )


def _with_list_data(qs: QuerySet[Card]) -> QuerySet[Card]:
    """What a card in a list shows, in a fixed number of queries however many cards: its
    themes and the municipalities of its team (`card.experiment.team`, a list for
    _organisations.html)."""
    return qs.select_related("experiment", "organisation").prefetch_related(
        Prefetch("experiment__themes", queryset=Theme.objects.order_by("pk")),
        Prefetch("experiment__members", queryset=_team_towns(), to_attr="team"),
    )


def card_as_published(card: Card) -> Card:
    """The card as everyone outside its team sees it (public page, gallery, similar and
    adapted experiments): while changes to a public card wait for a coordinator or were
    declined, its approved version (models.shown_to_the_public). The card itself when there
    is none; otherwise a copy, for showing only (never saved)."""
    if card.approved_version is None:
        return card
    own = {name: getattr(card, name) for name in Card.APPROVED_FIELDS}
    shown = copy.copy(card)
    for name, value in shown_to_the_public(own, card.approved_version).items():
        setattr(shown, name, value)
    return shown


def cards_as_published(cards: Iterable[Card]) -> list[Card]:
    """card_as_published for each card of a list (no queries)."""
    return [card_as_published(card) for card in cards]


def card_team_towns(*, card: Card) -> list[ExperimentMember]:
    """The municipalities of the card's team for portfolio/includes/_organisations.html, with
    no names loaded: what a page shows when the team chose not to show their names."""
    return list(_team_towns().filter(experiment_id=card.experiment_id))


def card_name_answers(*, card: Card) -> dict[int, str]:
    """Each team member's answer for their own name on the card, by user id (one query)."""
    return dict(NameConsent.objects.filter(card=card).values_list("user_id", "answer"))


def card_bylines(*, card: Card, members: list[User] | None = None) -> list[Byline]:
    """The team as `card` names them to people outside it (portfolio.consent): pass the card
    as they see it (card_as_published), and its `members` (card_owners) when already loaded.
    No query when the card does not show names; one or two when it does."""
    if not card.show_names:
        return []
    return bylines(
        members=card_owners(card=card) if members is None else members,
        answers=card_name_answers(card=card),
        show_names=card.show_names,
    )


def card_member_answers(*, card: Card, members: list[User] | None = None) -> list[MemberAnswer]:
    """Every member's answer for their name, for the team's own pages and the approving
    coordinator (it names everyone); `shown` with the card's own choice of showing names."""
    return member_answers(
        members=card_owners(card=card) if members is None else members,
        answers=card_name_answers(card=card),
        show_names=card.show_names,
    )


def card_changes(*, card: Card) -> list[dict[str, Any]]:
    """What a coordinator approves of a public card's changes: each field of the approved
    version that differs from the card's text, as {"name", "label", "approved", "proposed"} in
    the card's order (the names' choice as words). Empty when there is no approved version."""
    from django.utils.text import capfirst
    from django.utils.translation import gettext as _

    if card.approved_version is None:
        return []
    own = {name: getattr(card, name) for name in Card.APPROVED_FIELDS}
    approved = shown_to_the_public(own, card.approved_version)

    def words(name: str, value: Any) -> str:
        if name == "show_names":
            return _("names shown on the card") if value else _("names not shown on the card")
        return str(value)

    changes = []
    for name in Card.APPROVED_FIELDS:
        if words(name, approved[name]).strip() == words(name, own[name]).strip():
            continue
        field = cast("Field[Any, Any]", Card._meta.get_field(name))
        changes.append(
            {
                "name": name,
                "label": capfirst(str(field.verbose_name)),
                "approved": words(name, approved[name]),
                "proposed": words(name, own[name]),
            }
        )
    return changes


# --- the learner's own portfolio ------------------------------------------------------------


def experiments_owned_by(*, user: User) -> QuerySet[Experiment]:
    return Experiment.objects.filter(
        pk__in=ExperimentMember.objects.filter(user=user).values("experiment_id")
    )


def cards_owned_by(*, user: User) -> QuerySet[Card]:
    return _with_list_data(
        Card.objects.filter(
            experiment_id__in=ExperimentMember.objects.filter(user=user).values("experiment_id")
        ).annotate(
            adaptation_count=Count("adaptations", distinct=True),
            message_count=Count("messages", distinct=True),
        )
    ).order_by("-updated_at", "-pk")


def phase_texts(*, experiment: Experiment) -> dict[int, str]:
    """The experiment's answer per phase: the approved version if any, else the latest one."""
    texts: dict[int, str] = {}
    approved: set[int] = set()
    rows = (
        Submission.objects.filter(experiment=experiment)
        .exclude(status=Submission.Status.REJECTED, text="")
        .order_by("-version", "-pk")
        .values_list("assignment__phase", "text", "status")
    )
    for phase, text, status in rows:
        if status == Submission.Status.APPROVED and phase not in approved:
            texts[phase] = text
            approved.add(phase)
        elif phase not in texts:
            texts[phase] = text
    return texts


@dataclass
class Portfolio:
    cards: list[Card]
    reflections: list[Reflection]
    included_ids: set[int]
    certificates: list[Certificate]

    @property
    def included_reflections(self) -> list[Reflection]:
        return [r for r in self.reflections if r.pk in self.included_ids]


def portfolio_for(*, user: User) -> Portfolio:
    """Everything the learner's portfolio page and its PDF show (six queries)."""
    reflections = list(
        Reflection.objects.filter(user=user)
        .select_related("item__module__course")
        .order_by("item__module__course__title", "item__module__position", "item__position")
    )
    included = set(
        Reflection.objects.filter(user=user, portfolio_inclusion__isnull=False).values_list(
            "pk", flat=True
        )
    )
    certificates = list(
        Certificate.objects.filter(
            user=user, status=Certificate.Status.ISSUED, revoked_at__isnull=True
        ).select_related("course")
    )
    return Portfolio(
        cards=list(cards_owned_by(user=user)),
        reflections=reflections,
        included_ids=included,
        certificates=certificates,
    )


# --- the gallery ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryFilters:
    query: str = ""
    theme: str = ""
    organisation: int | None = None
    phase: int | None = None
    outcome: str = ""
    scope: str = ""
    sort: str = "recent"


def _words(text: str, limit: int = 12) -> list[str]:
    """Distinct words of four letters or more, for similarity (no SQL wildcards)."""
    seen: list[str] = []
    for word in re.findall(r"\w{4,}", text.casefold()):
        if word not in seen and not word.isdigit():
            seen.append(word)
        if len(seen) >= limit:
            break
    return seen


def search_cards(qs: QuerySet[Card], query: str) -> QuerySet[Card]:
    """Cards matching `query`, annotated with `rank` (higher is better), through the platform's
    one search (core.search, portfolio.search): every field of the card, its themes and its
    municipality, in Finnish lemmas with compound parts, the same on SQLite (FTS5) and
    PostgreSQL; so "nuorille" finds "nuoret" and "kyyti" finds "Kimppakyydit". The title weighs
    most."""
    from .search import CARD_INDEX

    query = " ".join(query.split())[:SEARCH_MAX_CHARS]
    if not query:
        return qs.annotate(rank=Value(0.0))
    return CARD_INDEX.search(qs, query)


def gallery_cards(*, user: Any, filters: GalleryFilters) -> QuerySet[Card]:
    """Published cards the person may see, filtered and sorted; paginate the result."""
    qs = cards_visible_to(user).exclude(scope=Card.Scope.PRIVATE)
    if filters.scope in (Card.Scope.COHORT, Card.Scope.NETWORK, Card.Scope.PUBLIC):
        qs = qs.filter(scope=filters.scope)
    if filters.theme:
        # A subquery rather than a join through the themes, so no plan starts from the theme
        # and visits the search index once per card (see core.search.index._search_sqlite).
        qs = qs.filter(
            experiment_id__in=Experiment.themes.through.objects.filter(
                theme__code=filters.theme
            ).values("experiment_id")
        )
    if filters.organisation:
        # A team's card is found under every member's municipality, not only its creator's.
        qs = qs.filter(cards_from_q([filters.organisation]))
    if filters.phase:
        qs = qs.filter(experiment__phase=filters.phase)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    qs = search_cards(qs, filters.query)
    if filters.query and filters.sort == "relevance":
        # F(): the rank is an annotation of search_cards, which django-stubs cannot see.
        qs = qs.order_by(F("rank").desc(), F("published_at").desc(nulls_last=True), "-pk")
    else:
        qs = qs.order_by(F("published_at").desc(nulls_last=True), "-pk")
    return _with_list_data(qs)


def gallery_facets(*, user: Any) -> dict[str, Any]:
    """Choices for the gallery's filters (two queries). Only municipalities with a card the
    person may see are offered, so not even a name leaks from a card outside their scope; a
    team's card offers every member's municipality (the filter finds it under each)."""
    from core.models import Organisation

    visible = cards_visible_to(user).exclude(scope=Card.Scope.PRIVATE)
    team_member_here = ExperimentMember.objects.filter(
        user__organisation_id=OuterRef("pk"), experiment_id__in=visible.values("experiment_id")
    )
    return {
        "themes": list(Theme.objects.order_by("pk")),
        "organisations": list(
            # EXISTS per municipality stops at its first visible card (a few dozen probes on
            # the organisation index) instead of reading every visible card.
            Organisation.objects.filter(
                Exists(visible.filter(organisation_id=OuterRef("pk"))) | Exists(team_member_here)
            ).order_by("name")
        ),
        "phases": Phase.choices,
        "outcomes": Card.Outcome.choices,
    }


# --- one card ------------------------------------------------------------------------------


# A word on more than this share of the cards says little about likeness (think "kokeilu"); it
# would also make nearly every card a candidate to rank.
COMMON_WORD_SHARE = 0.2


def _distinctive_lemmas(text: str) -> list[str]:
    """The Finnish lemmas of `text`'s words, without the ones on more than COMMON_WORD_SHARE
    of the cards (one query: PostgreSQL's statistics of the search column, SQLite's FTS
    vocabulary)."""
    from core.search import get_analyser

    from .search import CARD_INDEX

    analyser = get_analyser()
    lemmas = list(dict.fromkeys(analyser.lemma(word) for word in _words(text)))
    common = CARD_INDEX.common_terms(lemmas, share=COMMON_WORD_SHARE)
    return [lemma for lemma in lemmas if lemma not in common]


def similar_cards(*, card: Card, user: Any, limit: int = 5) -> list[Card]:
    """Up to `limit` published cards from OTHER municipalities that the person may see (none
    of their team from any of this card's), ranked by shared themes, then by text similarity
    (three queries plus the themes and teams).

    Only candidates found through indexes are ranked: cards whose experiment has one of the
    card's themes (the themes table's index) or whose text holds one of its distinctive
    lemmas (the search index: GIN on PostgreSQL, FTS5 on SQLite). The ranking itself returns
    ids only; the few winners are loaded after, so no wide rows are grouped or sorted however
    many cards the network has.
    """
    themes = [t.pk for t in card.experiment.themes.all()]
    through = Experiment.themes.through
    words = _words(f"{card.title} {card.summary} {card.need} {card.hypothesis}")
    if not themes and not words:
        return []
    qs = cards_visible_to(user).exclude(scope=Card.Scope.PRIVATE).exclude(pk=card.pk)
    # Elsewhere: from none of the card's municipalities (its own and its team's), counting
    # each candidate's team too.
    qs = qs.exclude(cards_from_q(team_organisation_ids(card)))
    if card.organisation_id:
        qs = qs.exclude(cards_from_q([card.organisation_id]))
    # django-stubs does not see the `n` annotated on the auto-created through model.
    shared: Any = Coalesce(
        Subquery(
            through.objects.filter(experiment_id=OuterRef("experiment_id"), theme_id__in=themes)  # type: ignore[misc]
            .order_by()
            .values("experiment_id")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )
    candidates = Q(
        experiment_id__in=through.objects.filter(theme_id__in=themes).values("experiment_id")
    )
    text_score: Any = Value(0)
    lemmas = _distinctive_lemmas(" ".join(words)) if words else []
    if lemmas:
        from .search import CARD_INDEX

        holds_a_word, text_score = CARD_INDEX.search_any(lemmas)
        candidates |= holds_a_word
    ranked = (
        qs.filter(candidates)
        .annotate(shared_themes=shared, similarity=text_score)
        .order_by("-shared_themes", "-similarity", F("published_at").desc(nulls_last=True), "-pk")
        .values_list("pk", "shared_themes", "similarity")[:limit]
    )
    with no_jit():
        ids = [pk for pk, n_shared, score in ranked if n_shared or score]
    if not ids:
        return []
    found = {c.pk: c for c in _with_list_data(Card.objects.filter(pk__in=ids))}
    return cards_as_published(found[pk] for pk in ids if pk in found)


def card_thread(*, card: Card) -> list[CardMessage]:
    return list(card.messages.select_related("author__organisation"))


def card_adaptations(*, card: Card, user: Any) -> list[dict[str, Any]]:
    """The experiments that adapted this card's one. Each links to its own card only when the
    person may see that card; otherwise only the municipality is shown."""
    visible = {
        c.experiment_id: card_as_published(c)
        for c in cards_visible_to(user)
        .exclude(scope=Card.Scope.PRIVATE)
        .filter(experiment__adapted_from__card=card)
        .select_related("organisation")
    }
    rows = []
    for adaptation in card.adaptations.select_related("experiment__created_by__organisation"):
        own = visible.get(adaptation.experiment_id)
        creator = adaptation.experiment.created_by
        rows.append(
            {
                "card": own,
                "organisation": own.organisation if own else creator.organisation,
                "note": adaptation.note if own else "",
                "created_at": adaptation.created_at,
            }
        )
    return rows


def card_origins(*, card: Card, user: Any) -> list[Card]:
    """The published cards, visible to the person, that this card's experiment adapted."""
    return cards_as_published(
        cards_visible_to(user)
        .exclude(scope=Card.Scope.PRIVATE)
        .filter(adaptations__experiment_id=card.experiment_id)
        .select_related("organisation")
        .order_by("title")
    )


def adaptable_experiments(*, user: User, card: Card) -> QuerySet[Experiment]:
    """The person's own experiments that may be linked as an adaptation of `card`."""
    return (
        experiments_owned_by(user=user)
        .exclude(pk=card.experiment_id)
        .exclude(adapted_from__card=card)
        .order_by("title")
    )


def card_owners(*, card: Card) -> list[Any]:
    from core.models import User

    return list(
        User.objects.filter(experiment_memberships__experiment_id=card.experiment_id)
        .select_related("organisation")
        .order_by("experiment_memberships__pk")
    )


def indicator_outcomes_for(*, card: Card) -> list[Any]:
    """The experiment's indicators from its impact plan (the impact app), if it has one."""
    try:
        from impact.selectors import indicator_outcomes
    except ImportError:  # pragma: no cover - the impact planner is optional
        return []
    return list(indicator_outcomes(experiment=card.experiment))
