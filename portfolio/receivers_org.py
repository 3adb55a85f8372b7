"""A person moved to another organisation: the cards of their teams are found by the new town.

The search index holds each card's municipalities, its own and its team's (portfolio.search),
so the cards of every experiment the person is on are analysed again, in the transaction that
changed the organisation (core.signals.user_organisation_changed; connected when PortfolioConfig
imports this module). The gallery's municipality filter and tiles read the organisation live.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.models import User
from core.signals import user_organisation_changed

from .models import Card
from .services import card_index


@receiver(user_organisation_changed, dispatch_uid="portfolio.cards_follow_a_team_mates_town")
def reindex_cards_of_a_moved_person(sender: type, user: User, **kwargs: Any) -> None:
    """core.signals.user_organisation_changed: the cards of `user`'s teams are indexed again
    (their own card's creator is on its team, so that card is among them)."""
    card_ids = list(
        Card.objects.filter(experiment__members__user=user)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    if card_ids:
        card_index(card_ids=card_ids)
