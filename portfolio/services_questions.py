"""The questions on a portfolio card ("Kysy tiimiltä"): posting once, deleting, hiding.

Who may do what, checked here and in portfolio.views_questions:

- anyone who may see the card asks its team, and the team answers (services.card_ask); the same
  text sent again at once (a double click, a resent form) is not posted a second time;
- a message's writer deletes it for good, and with it the notifications that quoted it;
- the card's moderators hide a message with a reason and show it again: its team (the
  experiment's members), the instructors and coordinators of the experiment's cohort, and the
  superuser. A hidden message reads "Hidden by a moderator." to everyone but its writer and the
  moderators, also in the notifications that quoted it, as discussions.services.post_hide does.

Who moderates is portfolio.access.card_may_moderate.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.models import User
from notifications.models import Notification
from notifications.services import notifications_rerender

from . import services
from .access import card_may_moderate
from .models import Card, CardMessage

# The same text from the same person on the same card within this time is the same message
# sent twice (a double click, a form sent again after a slow answer), not a new one.
REPEAT_WINDOW = datetime.timedelta(minutes=2)
MAX_REASON_CHARS = 1_000


class QuestionError(DomainError):
    pass


@transaction.atomic
def card_message_post(*, card: Card, author: User, text: str) -> tuple[CardMessage, bool]:
    """services.card_ask, once: the same text from the same person on the same card within
    REPEAT_WINDOW returns the first message, with no second row and no second notification.
    Returns the message and whether it is new."""
    # Two submits arriving together queue on the card's row: the second one reads the first
    # one's message after it was committed.
    list(Card.objects.select_for_update().filter(pk=card.pk).values_list("pk", flat=True))
    earlier = (
        CardMessage.objects.filter(
            card=card,
            author=author,
            text=text.strip()[:4000],
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        )
        .order_by("-pk")
        .first()
    )
    if earlier is not None:
        return earlier, False
    return services.card_ask(card=card, author=author, text=text), True


@transaction.atomic
def card_message_delete(*, message: CardMessage, by: User) -> None:
    """The writer deletes their own question or answer for good, and the notifications that
    quoted it (an email already sent cannot be recalled; one still waiting is not sent)."""
    if message.author_id != by.pk:
        raise QuestionError(_("Only the writer can delete the message."))
    Notification.objects.filter(
        key__in=services.card_message_keys(message.pk), kind=Notification.Kind.EVENT
    ).delete()
    message.delete()


def _quoted(message: CardMessage) -> Any:
    """The message as a notification quotes it: its words, or, once hidden, only that (lazy,
    so each recipient reads it in their own language)."""
    if message.is_hidden:
        return SimpleNamespace(author=message.author, text=gettext_lazy("Hidden by a moderator."))
    return message


def _notifications_follow(message: CardMessage) -> None:
    """Render the notifications that quoted the message again from its state now, hidden or
    shown, in the transaction that changed it (as discussions do for a post)."""
    card = message.card
    context = {"card": card, "message": _quoted(message)}
    url = reverse("portfolio:card", args=[card.pk])
    question_key, answer_key = services.card_message_keys(message.pk)
    notifications_rerender(
        key=question_key, template="portfolio_question", context=context, url=url
    )
    notifications_rerender(key=answer_key, template="portfolio_answer", context=context, url=url)


def _check_moderator(card: Card, user: User) -> None:
    if not card_may_moderate(user=user, card=card):
        raise QuestionError(
            _("Only the card's team and the cohort's instructors and coordinators can do this.")
        )


@transaction.atomic
def card_message_hide(*, message: CardMessage, by: User, reason: str) -> CardMessage:
    """A moderator of the card hides a message with a reason: its writer and the moderators
    still read it and the reason, everyone else sees that a moderator hid it, also in the
    notifications that quoted it."""
    _check_moderator(message.card, by)
    reason = (reason or "").strip()
    if not reason:
        raise QuestionError(_("Write the reason for hiding the message."))
    if len(reason) > MAX_REASON_CHARS:
        raise QuestionError(
            _("The reason is too long: use at most %(n)s characters.") % {"n": MAX_REASON_CHARS}
        )
    changed = CardMessage.objects.filter(pk=message.pk, hidden_at__isnull=True).update(
        hidden_at=timezone.now(), hidden_by=by, hidden_reason=reason
    )
    if not changed:
        raise QuestionError(_("The message is hidden already."))
    message.refresh_from_db()
    _notifications_follow(message)
    return message


@transaction.atomic
def card_message_unhide(*, message: CardMessage, by: User) -> CardMessage:
    """A moderator of the card shows a hidden message to everyone again, also in the
    notifications that quoted it."""
    _check_moderator(message.card, by)
    CardMessage.objects.filter(pk=message.pk).update(
        hidden_at=None, hidden_by=None, hidden_reason=""
    )
    message.refresh_from_db()
    _notifications_follow(message)
    return message
