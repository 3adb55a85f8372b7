"""Reads of the portfolio and the gallery. Every list starts from `cards_visible_to`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from core.permissions import cards_visible_to
from courses.models import Certificate, Reflection
from workshops.models import Experiment, ExperimentMember, Phase, Submission, Theme

from .models import Card, CardMessage

if TYPE_CHECKING:
    from core.models import User

__all__ = ["cards_visible_to"]

SEARCH_MAX_CHARS = 200
TEXT_FIELDS = ("title", "summary", "context", "need", "hypothesis", "tried", "results", "lessons")


def _with_list_data(qs: QuerySet[Card]) -> QuerySet[Card]:
    """What a card in a list shows, in a fixed number of queries however many cards."""
    return qs.select_related("experiment", "organisation").prefetch_related(
        Prefetch("experiment__themes", queryset=Theme.objects.order_by("pk"))
    )


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
    """Everything the learner's portfolio page and its PDF show (five queries)."""
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


def search_vector() -> Any:
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("title", weight="A", config="finnish")
        + SearchVector("summary", "need", "hypothesis", weight="B", config="finnish")
        + SearchVector(
            "context", "tried", "results", "lessons", "scaling", weight="C", config="finnish"
        )
    )


def search_cards(qs: QuerySet[Card], query: str) -> QuerySet[Card]:
    """Cards matching `query`, annotated with `rank` (higher is better).

    PostgreSQL: full-text search with the Finnish snowball configuration on the stored,
    GIN-indexed document (services.card_index), so an inflected
    word ("matkaketjuja") finds its base form ("matkaketju"); the title weighs most. Elsewhere
    (SQLite in development): every word must appear in some text field; rank counts the
    words found in the title.
    """
    query = " ".join(query.split())[:SEARCH_MAX_CHARS]
    if not query:
        return qs.annotate(rank=Value(0.0))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        search = SearchQuery(query, config="finnish", search_type="websearch")
        return qs.filter(search_document=search).annotate(
            rank=SearchRank(F("search_document"), search)
        )
    words = query.split()
    condition = Q()
    for word in words:
        any_field = Q()
        for name in TEXT_FIELDS:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    in_title = sum(
        (Case(When(title__icontains=w, then=1), default=0, output_field=IntegerField()))
        for w in words
    )
    return qs.filter(condition).annotate(rank=in_title)


def gallery_cards(*, user: Any, filters: GalleryFilters) -> QuerySet[Card]:
    """Published cards the person may see, filtered and sorted; paginate the result."""
    qs = cards_visible_to(user).exclude(scope=Card.Scope.PRIVATE)
    if filters.scope in (Card.Scope.COHORT, Card.Scope.NETWORK, Card.Scope.PUBLIC):
        qs = qs.filter(scope=filters.scope)
    if filters.theme:
        qs = qs.filter(experiment__themes__code=filters.theme)
    if filters.organisation:
        qs = qs.filter(organisation_id=filters.organisation)
    if filters.phase:
        qs = qs.filter(experiment__phase=filters.phase)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    qs = search_cards(qs, filters.query)
    if filters.query and filters.sort == "relevance":
        qs = qs.order_by("-rank", F("published_at").desc(nulls_last=True), "-pk")
    else:
        qs = qs.order_by(F("published_at").desc(nulls_last=True), "-pk")
    return _with_list_data(qs)


def gallery_facets(*, user: Any) -> dict[str, Any]:
    """Choices for the gallery's filters (two queries). Only municipalities with a card the
    person may see are offered, so not even a name leaks from a card outside their scope."""
    from core.models import Organisation

    visible = cards_visible_to(user).exclude(scope=Card.Scope.PRIVATE)
    return {
        "themes": list(Theme.objects.order_by("pk")),
        "organisations": list(
            Organisation.objects.filter(pk__in=visible.values("organisation_id")).order_by("name")
        ),
        "phases": Phase.choices,
        "outcomes": Card.Outcome.choices,
    }


# --- one card ------------------------------------------------------------------------------


def similar_cards(*, card: Card, user: Any, limit: int = 5) -> list[Card]:
    """Up to `limit` published cards from OTHER municipalities that the person may see, ranked
    by shared themes, then by text similarity (one query plus the themes)."""
    themes = [t.pk for t in card.experiment.themes.all()]
    qs = cards_visible_to(user).exclude(scope=Card.Scope.PRIVATE).exclude(pk=card.pk)
    if card.organisation_id:
        qs = qs.exclude(organisation_id=card.organisation_id)
    shared = Count("experiment__themes", filter=Q(experiment__themes__in=themes), distinct=True)
    words = _words(f"{card.title} {card.summary} {card.need} {card.hypothesis}")
    if connection.vendor == "postgresql" and words:
        from django.contrib.postgres.search import SearchQuery, SearchRank

        search = SearchQuery(" or ".join(words), config="finnish", search_type="websearch")
        text_score: Any = Coalesce(SearchRank(F("search_document"), search), Value(0.0))
    elif words:
        text_score = sum(
            Case(
                When(
                    Q(title__icontains=w) | Q(summary__icontains=w) | Q(need__icontains=w), then=1
                ),
                default=0,
                output_field=IntegerField(),
            )
            for w in words
        )
    else:
        text_score = Value(0)
    ranked = (
        qs.annotate(shared_themes=shared, similarity=text_score)
        .filter(Q(shared_themes__gt=0) | Q(similarity__gt=0))
        .order_by("-shared_themes", "-similarity", F("published_at").desc(nulls_last=True), "-pk")
    )
    return list(_with_list_data(ranked)[:limit])


def card_thread(*, card: Card) -> list[CardMessage]:
    return list(card.messages.select_related("author__organisation"))


def card_adaptations(*, card: Card, user: Any) -> list[dict[str, Any]]:
    """The experiments that adapted this card's one. Each links to its own card only when the
    person may see that card; otherwise only the municipality is shown."""
    visible = {
        c.experiment_id: c
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
    return list(
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
