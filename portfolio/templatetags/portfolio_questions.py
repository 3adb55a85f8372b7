"""What a card page's thread needs to know of the person reading it (the card_detail view is
left as it is: portfolio.services_questions holds the rule)."""

from typing import Any

from django import template

from portfolio import services_questions
from portfolio.models import Card

register = template.Library()


@register.simple_tag(takes_context=True)
def card_may_moderate(context: template.Context, card: Card) -> bool:
    """`{% card_may_moderate card as can_moderate %}`: whether the person reading the page
    hides and shows the card's messages; no query for its team (`owner_ids` in the page)."""
    owner_ids: Any = context.get("owner_ids")
    return services_questions.card_may_moderate(
        user=context["user"], card=card, owner_ids=set(owner_ids) if owner_ids else None
    )
