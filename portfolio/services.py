"""Writes of the portfolio and the gallery: cards, publication, approval, questions, adaptations."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from courses.models import Reflection
from notifications.grouping import CARD_QUESTION, Group
from notifications.models import Notification
from notifications.services import notification_notify
from portfolio.access import card_approvers, cards_visible_to
from workshops.models import Experiment, ExperimentMember, Phase

from .models import Adaptation, Card, CardMessage, IncludedReflection, NameConsent
from .selectors import card_owners, phase_texts

if TYPE_CHECKING:
    from django.db.models import Field

EDITABLE_FIELDS = (
    "title",
    "summary",
    "context",
    "need",
    "hypothesis",
    "tried",
    "results",
    "lessons",
    "scaling",
    "contacts",
    "outcome",
    "show_names",
)
# Editing these on an approved public card asks a coordinator again (Card.APPROVED_FIELDS).
CONTENT_FIELDS = Card.APPROVED_FIELDS


class PortfolioError(DomainError):
    pass


def card_index(*, card_ids: Iterable[int] | None = None) -> None:
    """Re-analyse these cards' text, themes and municipality for search (all when None), on
    SQLite and PostgreSQL alike (portfolio.search). Every service that changes a card's text
    calls it, in the same transaction."""
    from .search import CARD_INDEX

    CARD_INDEX.index(card_ids)


def _prefill(experiment: Experiment) -> dict[str, str]:
    """The register's fields as the experiment's phases tell them."""
    texts = phase_texts(experiment=experiment)

    def joined(*parts: str) -> str:
        return "\n\n".join(p.strip() for p in parts if p and p.strip())

    context_lines = []
    if experiment.organisation:
        context_lines.append(_("Organisation: %(name)s") % {"name": experiment.organisation})
    if experiment.target_group:
        context_lines.append(_("Target group: %(group)s") % {"group": experiment.target_group})
    return {
        "context": "\n".join(context_lines),
        "need": joined(experiment.challenge, texts.get(Phase.CHALLENGE, "")),
        "hypothesis": texts.get(Phase.IDEA, ""),
        "tried": joined(texts.get(Phase.PLAN, ""), texts.get(Phase.RUN, "")),
        "results": texts.get(Phase.RESULTS, ""),
        "lessons": texts.get(Phase.SHARING, ""),
    }


@transaction.atomic
def card_create(*, experiment: Experiment) -> Card:
    """The experiment's card, pre-filled from its phases; the existing one if there is one."""
    existing = Card.objects.filter(experiment=experiment).first()
    if existing is not None:
        return existing
    creator = experiment.created_by
    try:
        with transaction.atomic():
            card = Card.objects.create(
                experiment=experiment,
                organisation_id=creator.organisation_id,
                title=experiment.title,
                **_prefill(experiment),
            )
    except IntegrityError:  # created at the same moment by a teammate
        return Card.objects.get(experiment=experiment)
    card_index(card_ids=[card.pk])
    return card


def portfolio_sync(*, user: User) -> int:
    """Give every experiment the learner owns or co-owns a card; returns how many were made."""
    missing = Experiment.objects.filter(
        pk__in=ExperimentMember.objects.filter(user=user).values("experiment_id"),
        portfolio_card__isnull=True,
    ).select_related("created_by")
    made = 0
    for experiment in missing:
        card_create(experiment=experiment)
        made += 1
    return made


@transaction.atomic
def card_prefill(*, card: Card, by: User | None = None) -> list[str]:
    """Fill the card's empty sections from the experiment's phases; returns the fields filled.
    On a public card they wait for a coordinator like any other change (_revise_public)."""
    card = Card.objects.select_for_update().select_related("experiment").get(pk=card.pk)
    prefill = _prefill(card.experiment)
    filled = [name for name, value in prefill.items() if value and not getattr(card, name)]
    if not filled:
        return filled
    before = {name: getattr(card, name) for name in CONTENT_FIELDS}
    for name in filled:
        setattr(card, name, prefill[name])
    card.save(update_fields=[*filled, "updated_at"])
    _revise_public(card, before=before, by=by)
    card_index(card_ids=[card.pk])
    if by is not None:
        _remember_saver(card, by)
    return filled


def _comparable(value: Any) -> str:
    """A field's value as a save compares it: the browser's CRLF and outer spaces aside."""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _digest(value: Any) -> str:
    return hashlib.blake2b(_comparable(value).encode(), digest_size=6).hexdigest()


def card_text_version(card: Card) -> str:
    """What a coordinator read before approving: a short digest of the text they approve
    (CONTENT_FIELDS), so that card_approve publishes nothing the team changed since."""
    joined = "\x1f".join(_comparable(getattr(card, name)) for name in CONTENT_FIELDS)
    return hashlib.blake2b(joined.encode(), digest_size=8).hexdigest()


def card_version(card: Card) -> str:
    """What the edit form was opened on: a short digest of each editable field (in
    EDITABLE_FIELDS order). The form carries it, so a save can tell which sections someone
    else saved since it was opened (card_update)."""
    return ".".join(_digest(getattr(card, name)) for name in EDITABLE_FIELDS)


def _version_fields(based_on: str) -> dict[str, str]:
    """Each field's digest in a card_version; none for a token that is not one (every field
    then counts as changed since, so nothing is saved over another text unseen)."""
    parts = based_on.split(".")
    if len(parts) != len(EDITABLE_FIELDS):
        return {}
    return dict(zip(EDITABLE_FIELDS, parts, strict=True))


# Who saved a card last, for naming them when a stale form is refused: a hint only (the card
# has no column for it), kept in the cache with the version they saved. It names them only
# while the card is at that version, so a save that was rolled back names nobody.
_SAVED_BY_KEY = "portfolio:card-saved-by:{pk}"
_SAVED_BY_SECONDS = 7 * 24 * 3600


def _remember_saver(card: Card, by: User) -> None:
    entry = {"version": card_version(card), "by": by.pk}
    cache.set(_SAVED_BY_KEY.format(pk=card.pk), entry, _SAVED_BY_SECONDS)


def _saver_of(card: Card) -> User | None:
    """Who saved the card as it is now, if still known."""
    entry = cache.get(_SAVED_BY_KEY.format(pk=card.pk))
    if not isinstance(entry, dict) or entry.get("version") != card_version(card):
        return None
    by = entry.get("by")
    return User.objects.filter(pk=by).first() if isinstance(by, int) else None


def _section_names(fields: Iterable[str]) -> str:
    """The sections as the edit form labels them (its labels are the fields' names)."""
    names = []
    for name in fields:
        field = cast("Field[Any, Any]", Card._meta.get_field(name))
        names.append(str(capfirst(field.verbose_name)))
    return ", ".join(names)


class CardChanged(PortfolioError):
    """The card was saved by someone else (or in another window) after the edit form was
    opened, in sections this form changes too: nothing was saved, so that neither text is lost.
    `current` is the card as saved now, `conflicts` the sections changed on both sides,
    `yours` every section the form changed, `saved_by` who saved meanwhile (None: unknown)."""

    def __init__(self, *, current: Card, conflicts: list[str], yours: list[str], by: User) -> None:
        self.current = current
        self.conflicts = conflicts
        self.yours = yours
        self.saved_by = _saver_of(current)
        sections = _section_names(conflicts)
        if self.saved_by is None:
            message = _(
                "The card was saved in another window or by a team mate after you opened it, "
                "with other text in the same sections: %(sections)s. None of your changes were "
                "saved, so nothing of that text was lost. Your words are still in the form and "
                "the saved text is shown above it: combine them as you want and save again."
            ) % {"sections": sections}
        elif self.saved_by.pk == by.pk:
            message = _(
                "You saved the card in another window after this form was opened, with other "
                "text in the same sections: %(sections)s. None of this form's changes were "
                "saved. Its words are still in it and the saved text is shown above it: "
                "combine them as you want and save again."
            ) % {"sections": sections}
        else:
            message = _(
                "%(name)s saved the card after you opened it, with other text in the same "
                "sections: %(sections)s. None of your changes were saved, so nothing of theirs "
                "was lost. Your words are still in the form and their text is shown above it: "
                "combine them as you want and save again."
            ) % {"name": self.saved_by.display_name, "sections": sections}
        super().__init__(message)


@transaction.atomic
def card_update(*, card: Card, by: User, data: dict[str, Any], based_on: str | None = None) -> Card:
    """Save the owners' edits. On a public card, changed text waits for a coordinator's
    approval while the public keeps seeing the approved version (_revise_public).

    `based_on`: card_version() when the form was opened (None: not checked). Only the sections
    the form changed are written, so a team mate's save since, in other sections, is kept; one
    in the same sections raises CardChanged and nothing is saved."""
    if not str(data.get("title", "")).strip():
        raise PortfolioError(_("Give the card a title."))
    current = Card.objects.select_for_update().get(pk=card.pk)
    fields = [f for f in EDITABLE_FIELDS if f in data]
    if based_on is not None:
        base = _version_fields(based_on)
        yours = [f for f in fields if _digest(data[f]) != base.get(f)]
        conflicts = [
            f
            for f in yours
            if _digest(getattr(current, f)) != base.get(f)
            and _comparable(getattr(current, f)) != _comparable(data[f])
        ]
        if conflicts:
            raise CardChanged(current=current, conflicts=conflicts, yours=yours, by=by)
        fields = yours
    changed = [f for f in fields if getattr(current, f) != data[f]]
    if (
        current.scope == Card.Scope.PUBLIC
        and "summary" in changed
        and not str(data["summary"]).strip()
    ):
        # The gallery and search engines show it: a public card keeps one.
        raise PortfolioError(_("Write a short summary before publishing the card publicly."))
    before = {name: getattr(current, name) for name in CONTENT_FIELDS}
    for name in changed:
        value = data[name]
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    card = current
    if not changed:
        return card
    card.save(update_fields=[*changed, "updated_at"])
    if any(f in CONTENT_FIELDS for f in changed):
        _revise_public(card, before=before, by=by)
    if "show_names" in changed and card.show_names:
        # Who ticks the box wants the names shown: their own name, at least.
        _name_answer_set(card, member=by, answer=NameConsent.Answer.AGREED)
    if card.show_names:
        card_names_ask(card=card, by=by)
    card_index(card_ids=[card.pk])
    _remember_saver(card, by)
    return card


def card_names_url(card: Card) -> str:
    """The page where a team member answers for their own name on the card."""
    return reverse("portfolio:card_names", args=[card.pk])


def card_name_request_key(card: Card, member: User) -> str:
    """The key the request to `member` about their name on `card` is notified under (once)."""
    return f"portfolio-names-{card.pk}-{member.pk}"


@transaction.atomic
def card_names_ask(*, card: Card, by: User) -> list[User]:
    """Ask each member of the card's team who has not been asked yet (`by` aside) whether
    their name may be shown with the card, in a notification linking to their answer page;
    returns who was asked now. Nobody is asked twice: a member who declined is not asked
    again (they may change their answer on the card's page)."""
    have = set(NameConsent.objects.filter(card=card).values_list("user_id", flat=True))
    members = [m for m in card_owners(card=card) if m.pk != by.pk and m.pk not in have]
    if not members:
        return []
    now = timezone.now()
    NameConsent.objects.bulk_create(
        [NameConsent(card=card, user=m, asked_by=by, asked_at=now) for m in members],
        ignore_conflicts=True,
    )
    for member in members:
        notification_notify(
            recipient=member,
            category=Notification.Category.GALLERY,
            key=card_name_request_key(card, member),
            template="portfolio_name_consent",
            context={"card": card, "by": by},
            url=card_names_url(card),
        )
    return members


def _name_answer_set(card: Card, *, member: User, answer: str) -> None:
    now = timezone.now()
    fields = {"answer": answer, "answered_at": now}
    if NameConsent.objects.filter(card=card, user=member).update(**fields):
        return
    try:
        with transaction.atomic():
            NameConsent.objects.create(card=card, user=member, **fields)
    except IntegrityError:  # answered at the same moment in another tab
        NameConsent.objects.filter(card=card, user=member).update(**fields)


@transaction.atomic
def card_name_answer(*, card: Card, member: User, agree: bool) -> str:
    """A member of the card's team answers for their own name: agrees to show it with the
    card outside the team, declines, or withdraws an agreement. Declining and withdrawing show
    at once everywhere, a public card's approved version included (portfolio.consent: the
    answers are read on every page view). Returns the answer saved."""
    if not ExperimentMember.objects.filter(experiment_id=card.experiment_id, user=member).exists():
        raise PortfolioError(_("Only a member of the team answers for their own name."))
    answer = NameConsent.Answer.AGREED if agree else NameConsent.Answer.DECLINED
    _name_answer_set(card, member=member, answer=answer)
    # The request is answered: it no longer waits in their notifications.
    Notification.objects.filter(
        recipient=member, key=card_name_request_key(card, member), read_at__isnull=True
    ).update(read_at=timezone.now())
    return answer


def _revise_public(card: Card, *, before: dict[str, Any], by: User | None) -> None:
    """After the owners changed the text of `card` (locked, saved): if the card is public,
    the public keeps seeing the approved version (approved_version) and a coordinator is asked
    to approve the changes, once while they wait. Hiding the names or emptying the contacts
    shows at once; changes that leave nothing the public does not see (undone, or only taking
    data down) withdraw the request. `before`: the CONTENT_FIELDS before the change."""
    if card.scope != Card.Scope.PUBLIC:
        return
    # Without an approved version a public card's own text is the approved one (the
    # database's public_card_is_approved).
    approved = dict(card.approved_version) if card.approved_version is not None else before
    if not card.show_names:
        approved["show_names"] = False
    if not card.contacts.strip():
        approved["contacts"] = ""
    if all(
        _comparable(getattr(card, name)) == _comparable(approved.get(name, getattr(card, name)))
        for name in CONTENT_FIELDS
    ):
        was_waiting = card.public_status == Card.PublicStatus.PENDING
        Card.objects.filter(pk=card.pk).update(
            approved_version=None, public_status=Card.PublicStatus.APPROVED, rejection_reason=""
        )
        card.approved_version, card.rejection_reason = None, ""
        card.public_status = Card.PublicStatus.APPROVED
        if was_waiting:
            _forget_notifications(card)
        return
    # The row is locked (select_for_update) by the caller, so its status is current: changes
    # made while a request waits ask nobody again.
    now = timezone.now()
    fields: dict[str, Any] = {"approved_version": approved}
    if card.public_status != Card.PublicStatus.PENDING:
        fields |= {
            "public_status": Card.PublicStatus.PENDING,
            "requested_at": now,
            "consent_by": by,
            "consent_at": now,
            "rejection_reason": "",
        }
    Card.objects.filter(pk=card.pk).update(**fields)
    for name, value in fields.items():
        setattr(card, name, value)
    if "requested_at" in fields:
        _ask_approval(card)


@transaction.atomic
def card_publish(*, card: Card, by: User, scope: str, consent: bool = False) -> Card:
    """Choose who sees the card. Public needs the consent that no personal data of residents
    is included, and then waits for a coordinator: the card is shown to the network meanwhile.
    Asking again while a request waits (a second tab, a form sent again) changes nothing and
    tells nobody again.
    """
    if scope not in Card.Scope.values:
        raise PortfolioError(_("Choose who can see the card."))
    now = timezone.now()
    card = Card.objects.select_for_update().get(pk=card.pk)
    if scope == Card.Scope.PUBLIC:
        if not consent:
            raise PortfolioError(_("Confirm that the card contains no personal data of residents."))
        # Public and approved as it is, or already waiting: nothing to ask. Declined changes
        # of a public card may be asked for again.
        if card.public_status == Card.PublicStatus.PENDING or (
            card.scope == Card.Scope.PUBLIC and card.approved_version is None
        ):
            return card
        if not card.summary.strip():
            raise PortfolioError(_("Write a short summary before publishing the card publicly."))
        # The request is claimed by a conditional update: of two sends at the same moment (on
        # a database that does not lock the row above) only one finds the card not waiting,
        # and only that one asks the coordinators.
        asked = (
            Card.objects.filter(pk=card.pk)
            .exclude(public_status=Card.PublicStatus.PENDING)
            .filter(~Q(scope=Card.Scope.PUBLIC) | Q(approved_version__isnull=False))
            .update(
                public_status=Card.PublicStatus.PENDING,
                requested_at=now,
                consent_by=by,
                consent_at=now,
                rejection_reason="",
                decided_by=None,
                decided_at=None,
                scope=Card.Scope.NETWORK if card.scope == Card.Scope.PRIVATE else card.scope,
                published_at=card.published_at or now,
                updated_at=now,
            )
        )
        card.refresh_from_db()
        if asked:
            _ask_approval(card)
        return card
    card.scope = scope
    if card.public_status != Card.PublicStatus.REJECTED:
        card.public_status = Card.PublicStatus.NONE
    if card.scope != Card.Scope.PRIVATE and card.published_at is None:
        card.published_at = now
    # No longer public: no approved version to show; the audience sees the card's own text.
    had_approved_version = card.approved_version is not None
    card.approved_version = None
    card.save()
    if had_approved_version:
        card_index(card_ids=[card.pk])
    # A narrower scope: people outside it lose what they were told about the card.
    _forget_notifications(card)
    return card


@transaction.atomic
def card_withdraw(*, card: Card, by: User) -> Card:
    """Make the card private again: it leaves every listing at once (and the approval queue),
    and the notifications about it of everyone outside the team."""
    had_approved_version = Card.objects.filter(pk=card.pk, approved_version__isnull=False).exists()
    Card.objects.filter(pk=card.pk).update(
        scope=Card.Scope.PRIVATE,
        public_status=Card.PublicStatus.NONE,
        approved_version=None,
        published_at=None,
        updated_at=timezone.now(),
    )
    card.refresh_from_db()
    if had_approved_version:
        # The index held the approved version; the team's own text is what it finds now.
        card_index(card_ids=[card.pk])
    _forget_notifications(card)
    return card


def _forget_notifications(card: Card) -> int:
    """Delete the notifications about the card of people who may no longer see it (answers to
    someone who asked, an approval request no longer waiting), so that neither their
    notification list nor a later digest email shows its title or text. Returns how many."""
    card_url = _card_url(card)
    approval_url = reverse("portfolio:approval", args=[card.pk])
    owners = {o.pk for o in card_owners(card=card)}
    notes = (
        Notification.objects.filter(url__in=[card_url, approval_url])
        .exclude(recipient_id__in=owners)
        .select_related("recipient")
    )
    gone = []
    for note in notes:
        if note.url == approval_url:
            if card.public_status != Card.PublicStatus.PENDING:
                gone.append(note.pk)
        elif not cards_visible_to(note.recipient).filter(pk=card.pk).exists():
            gone.append(note.pk)
    if gone:
        Notification.objects.filter(pk__in=gone).delete()
    return len(gone)


def _card_url(card: Card) -> str:
    return reverse("portfolio:card", args=[card.pk])


def _ask_approval(card: Card) -> None:
    for approver in card_approvers(card):
        notification_notify(
            recipient=approver,
            # A decision someone waits for: sent at once, not in the gallery's weekly digest.
            category=Notification.Category.ADMINISTRATION,
            key=f"portfolio-approval-{card.pk}-{card.requested_at:%Y%m%d%H%M%S%f}",
            template="portfolio_approval_requested",
            context={"card": card},
            url=reverse("portfolio:approval", args=[card.pk]),
        )


def _notify_owners(
    card: Card,
    *,
    key: str,
    template: str,
    context: dict[str, Any],
    skip: Any = None,
    group: Group | None = None,
) -> None:
    for owner in card_owners(card=card):
        if skip is not None and owner.pk == skip.pk:
            continue
        notification_notify(
            recipient=owner,
            category=Notification.Category.GALLERY,
            key=key,
            template=template,
            context={"card": card, **context},
            url=_card_url(card),
            group=group,
        )


class ApprovalOutdated(PortfolioError):
    """The team changed the card after the coordinator opened it: nothing was decided."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The team changed the card after you opened it, so it was not approved. Read "
                "it again below and decide."
            )
        )


@transaction.atomic
def card_approve(*, card: Card, by: User, seen: str | None = None) -> Card:
    """A coordinator publishes the card for everyone (changes of a public card replace its
    approved version); the owners are told. `seen`: card_text_version() of what the
    coordinator read (None: not checked); if the team changed the text since, ApprovalOutdated
    and nothing is decided."""
    current = Card.objects.select_for_update().get(pk=card.pk)
    if current.public_status != Card.PublicStatus.PENDING:
        raise PortfolioError(_("The card is no longer waiting for approval."))
    if seen is not None and seen != card_text_version(current):
        raise ApprovalOutdated
    changes = current.approved_version is not None
    updated = Card.objects.filter(pk=card.pk, public_status=Card.PublicStatus.PENDING).update(
        scope=Card.Scope.PUBLIC,
        public_status=Card.PublicStatus.APPROVED,
        approved_version=None,
        decided_by=by,
        decided_at=timezone.now(),
        rejection_reason="",
    )
    if not updated:
        raise PortfolioError(_("The card is no longer waiting for approval."))
    card.refresh_from_db()
    if changes:
        # The index held the approved version: the approved changes are what it finds now.
        card_index(card_ids=[card.pk])
    _notify_owners(
        card,
        key=f"portfolio-approved-{card.pk}-{card.decided_at:%Y%m%d%H%M%S%f}",
        template="portfolio_decision",
        context={"approved": True, "changes": changes},
    )
    return card


@transaction.atomic
def card_reject(*, card: Card, by: User, reason: str) -> Card:
    """A coordinator declines public publication with a reason; the card keeps its other scope,
    or, for changes of a public card, stays public in its approved version."""
    reason = reason.strip()
    if not reason:
        raise PortfolioError(_("Tell the owners why the card cannot be public."))
    updated = Card.objects.filter(pk=card.pk, public_status=Card.PublicStatus.PENDING).update(
        public_status=Card.PublicStatus.REJECTED,
        decided_by=by,
        decided_at=timezone.now(),
        rejection_reason=reason,
    )
    if not updated:
        raise PortfolioError(_("The card is no longer waiting for approval."))
    card.refresh_from_db()
    _notify_owners(
        card,
        key=f"portfolio-rejected-{card.pk}-{card.decided_at:%Y%m%d%H%M%S%f}",
        template="portfolio_decision",
        context={"approved": False, "reason": reason, "changes": card.has_unapproved_changes},
    )
    return card


def card_message_keys(message_id: int) -> tuple[str, str]:
    """The keys card_ask notifies a question (to the team) and an answer (to those who asked)
    under, (question, answer): a hidden or deleted message's notifications are found by them."""
    return f"portfolio-question-{message_id}", f"portfolio-answer-{message_id}"


@transaction.atomic
def card_ask(*, card: Card, author: User, text: str) -> CardMessage:
    """A question or an answer on a card. A question notifies the owners; an owner's answer
    notifies the people who asked (only those who can still see the card)."""
    text = text.strip()
    if not text:
        raise PortfolioError(_("Write your question first."))
    if not cards_visible_to(author).filter(pk=card.pk).exists():
        raise PortfolioError(_("This card is not available."))
    message = CardMessage.objects.create(card=card, author=author, text=text[:4000])
    owners = card_owners(card=card)
    if author.pk in {o.pk for o in owners}:
        askers = (
            User.objects.filter(pk__in=card.messages.values("author_id"))
            .exclude(pk__in=[o.pk for o in owners])
            .filter(pk__in=_people_who_see(card))
        )
        for person in askers:
            notification_notify(
                recipient=person,
                category=Notification.Category.GALLERY,
                key=card_message_keys(message.pk)[1],
                template="portfolio_answer",
                context={"card": card, "message": message},
                url=_card_url(card),
            )
    else:
        _notify_owners(
            card,
            key=card_message_keys(message.pk)[0],
            template="portfolio_question",
            context={"message": message},
            # The pages show a card's questions as one line ("3 new questions about …").
            group=Group(kind=CARD_QUESTION, about=card.pk, title=card.title),
        )
    return message


def _people_who_see(card: Card) -> list[int]:
    """Ids of the people in the card's thread who may see it now."""
    ids = list(card.messages.values_list("author_id", flat=True).distinct())
    return [
        pk for pk in ids if cards_visible_to(User.objects.get(pk=pk)).filter(pk=card.pk).exists()
    ]


@transaction.atomic
def card_adapt(*, card: Card, by: User, experiment: Experiment, note: str = "") -> Adaptation:
    """'We tried this too': link one of the person's own experiments as an adaptation."""
    if not ExperimentMember.objects.filter(experiment=experiment, user=by).exists():
        raise PortfolioError(_("Choose one of your own experiments."))
    if experiment.pk == card.experiment_id:
        raise PortfolioError(_("An experiment cannot be an adaptation of itself."))
    if not cards_visible_to(by).filter(pk=card.pk).exists():
        raise PortfolioError(_("This card is not available."))
    try:
        with transaction.atomic():
            adaptation = Adaptation.objects.create(
                card=card, experiment=experiment, created_by=by, note=note.strip()[:2000]
            )
    except IntegrityError:
        raise PortfolioError(_("That experiment is already linked to this card.")) from None
    _notify_owners(
        card,
        key=f"portfolio-adapted-{adaptation.pk}",
        template="portfolio_adapted",
        context={"adaptation": adaptation, "by": by},
        skip=by,
    )
    return adaptation


@transaction.atomic
def card_unadapt(*, card: Card, by: User, origin_id: int) -> None:
    """Remove the 'we tried this too' link from the card's experiment to another card; only
    the adapting team may (the link is their statement)."""
    if not ExperimentMember.objects.filter(experiment_id=card.experiment_id, user=by).exists():
        raise PortfolioError(_("Only the team can remove the link."))
    deleted, _rows = Adaptation.objects.filter(
        card_id=origin_id, experiment_id=card.experiment_id
    ).delete()
    if not deleted:
        raise PortfolioError(_("The experiments are not linked."))


@transaction.atomic
def portfolio_set_reflections(*, user: User, reflection_ids: Iterable[int]) -> int:
    """Show exactly these of the learner's own reflections in their portfolio."""
    wanted = set(
        Reflection.objects.filter(user=user, pk__in=list(reflection_ids)).values_list(
            "pk", flat=True
        )
    )
    IncludedReflection.objects.filter(user=user).exclude(reflection_id__in=wanted).delete()
    have = set(IncludedReflection.objects.filter(user=user).values_list("reflection_id", flat=True))
    IncludedReflection.objects.bulk_create(
        [IncludedReflection(user=user, reflection_id=pk) for pk in wanted - have]
    )
    return len(wanted)
