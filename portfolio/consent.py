"""Whose names a card shows, to whom, and who answers for a name: each member for their own.

Outside the card's team (anyone on the web, the network, the cohort and its staff: names are
personal data, so everyone who is not on the team gets the public's rule) a member's name shows
only when the card shows names, as approved for the public (selectors.card_as_published), and
that member has agreed themselves (NameConsent.Answer.AGREED). Everyone else on the team is "a
team member from <town>". The answers are read on every page view and never copied into the
card's text or its approved version, so declining or withdrawing shows at once everywhere,
public cards whose changes wait for a coordinator included. Agreeing shows at once too, once
a coordinator has approved the card's showing names: a member's own name is that member's
decision, which the coordinator's check (no personal data of residents) is not about, and the
approval page says so. The team sees every answer; the approving coordinator sees whose names
will be public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

from portfolio.access import get_card_for_owner

from .models import Card, NameConsent

if TYPE_CHECKING:
    from core.models import User


def get_card_for_name_answer(user: User, pk: int) -> Card:
    """The card whose names consent page the person may open and answer: only a member of its
    team (404 for everyone else), and the answer is always the person's own (the form names
    nobody)."""
    return get_card_for_owner(user, pk)


def name_shown(*, show_names: bool, answer: str) -> bool:
    """The one rule: a member's name shows outside the team only when the card shows names and
    the member agreed."""
    return bool(show_names) and answer == NameConsent.Answer.AGREED


@dataclass(frozen=True)
class Byline:
    """One team member as the card names them to people outside the team: their name when
    they agreed, otherwise none (the page says "a team member from `town`"). Nothing else of
    theirs, so no page for outsiders can print more."""

    name: str
    town: str


def public_name(member: User) -> str:
    """A member's name as shown outside the team: the name only, never the email address that
    User.display_name falls back to (no name: shown as a team member from their town)."""
    return member.get_full_name().strip()


def bylines(*, members: list[User], answers: dict[int, str], show_names: bool) -> list[Byline]:
    """The team as the card names them outside the team, in the team's order; empty when the
    card does not show names. `members` carry their organisation; `answers` is each member's
    NameConsent answer by user id (missing: never asked)."""
    if not show_names:
        return []
    return [
        Byline(
            name=public_name(member)
            if name_shown(show_names=show_names, answer=answers.get(member.pk, ""))
            else "",
            town=member.organisation.name if member.organisation else "",
        )
        for member in members
    ]


# A member never asked (joined the team later, or the names were chosen before session 12).
NOT_ASKED = pgettext_lazy("name consent", "Not asked yet")


@dataclass(frozen=True)
class MemberAnswer:
    """A team member's answer for the team's own pages and the approving coordinator: `answer`
    is a NameConsent.Answer value, or "" when never asked; `shown` whether the name shows
    outside the team with the card's names choice at hand."""

    member: User
    answer: str
    shown: bool

    @property
    def answer_label(self) -> str:
        if not self.answer:
            return str(NOT_ASKED)
        return str(NameConsent.Answer(self.answer).label)


def member_answers(
    *, members: list[User], answers: dict[int, str], show_names: bool
) -> list[MemberAnswer]:
    """Every member's answer, in the team's order (for the team and the approving coordinator
    only: it names everyone); none while the card shows no names and nobody was asked."""
    if not show_names and not answers:
        return []
    return [
        MemberAnswer(
            member=member,
            answer=answers.get(member.pk, ""),
            shown=name_shown(show_names=show_names, answer=answers.get(member.pk, ""))
            and bool(public_name(member)),
        )
        for member in members
    ]
