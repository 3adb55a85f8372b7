"""Who may see, edit, publish and approve portfolio cards.

What a person may see is decided in one database query (`cards_visible_to`), so no list can
leak a card. Helpers raise 404 for anything the person may not reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.access import STAFF_ROLES, Role, has_role
from core.models import Organisation, User
from learners.access import member
from learners.models import Membership
from workshops.access import experiment_member
from workshops.models import Experiment, ExperimentMember

from .models import Card

if TYPE_CHECKING:
    from core.access import AnyUser


def cards_visible_to(user: AnyUser) -> QuerySet[Card]:
    """Portfolio cards a person may see, decided in the query so no list can leak one.

    Public cards (always approved): everyone, signed in or not. Network: everyone signed in.
    Cohort: the members of the experiment's cohort (any role). Private: only the team (its
    current learners: workshops.access.experiment_member). The superuser gets no exception
    here: publishing is the owners' choice.
    """
    qs = Card.objects.all()
    public = Q(scope=Card.Scope.PUBLIC)
    if not user.is_authenticated:
        return qs.filter(public)
    # Subqueries rather than a join to the experiment, so counting the gallery or probing a
    # municipality's cards reads the cards alone.
    in_my_cohorts = Experiment.objects.filter(
        cohort_id__in=Membership.objects.filter(user=user, role__in=tuple(Role)).values("cohort_id")
    ).values("pk")
    return qs.filter(
        public
        | Q(scope=Card.Scope.NETWORK)
        | Q(scope=Card.Scope.COHORT, experiment_id__in=in_my_cohorts)
        | Q(experiment_member(user, "experiment_id"))
    )


def get_card_for_user(user: AnyUser, pk: int) -> Card:
    return get_object_or_404(
        cards_visible_to(user).select_related("experiment", "organisation"), pk=pk
    )


def get_card_for_owner(user: User, pk: int) -> Card:
    """Editing and publishing a card: the learners on the experiment's team only, while they are
    learners of its cohort (workshops.access.experiment_member: someone who left the team or
    the cohort gets 404, as on the experiment's pages)."""
    return get_object_or_404(
        Card.objects.filter(experiment_member(user, "experiment_id")).select_related(
            "experiment", "organisation"
        ),
        pk=pk,
    )


def cards_from_q(organisations: Sequence[int] | QuerySet[Any, Any]) -> Q:
    """Cards from these municipalities or organisations (ids, or a subquery of ids): listed
    under one (the creator's), or with someone on the team from one, since a team may span
    towns. Subqueries rather than joins, so no card is counted twice."""
    return Q(organisation_id__in=organisations) | Q(
        experiment_id__in=ExperimentMember.objects.filter(
            user__organisation_id__in=organisations
        ).values("experiment_id")
    )


def team_organisation_ids(card: Card) -> QuerySet[ExperimentMember, Any]:
    """A subquery of the organisations of the card's team (a card is also from its own)."""
    return (
        ExperimentMember.objects.filter(
            experiment_id=card.experiment_id, user__organisation_id__isnull=False
        )
        .order_by()
        .values("user__organisation_id")
    )


def _card_approver_q(user: User) -> Q:
    """Cards whose public publication the person may approve: a coordinator approves the cards
    of their own organisation, whether the card is listed under it or someone on its team is
    from it; a coordinator from a network organisation (the Growth Corridor) those of the
    cohorts they coordinate."""
    if user.is_superuser:
        return Q()
    if not has_role(user, Role.COORDINATOR) or user.organisation_id is None:
        return Q(pk__in=[])
    condition = cards_from_q([user.organisation_id])
    if user.organisation is not None and user.organisation.kind == Organisation.Kind.NETWORK:
        condition |= Q(member(Role.COORDINATOR, user, "experiment__cohort_id"))
    return condition


def cards_awaiting_approval_by(user: User) -> QuerySet[Card]:
    return Card.objects.filter(_card_approver_q(user), public_status=Card.PublicStatus.PENDING)


def decided_card_for_approver(user: User, pk: int) -> Card | None:
    """A card this person could have approved that no longer waits (approved or declined by a
    colleague or in another tab, or its request withdrawn), with who decided: what the
    approval page says to the link in its request email instead of 404 (one query)."""
    return (
        Card.objects.filter(_card_approver_q(user), pk=pk)
        .exclude(public_status=Card.PublicStatus.PENDING)
        .select_related("decided_by")
        .only("pk", "public_status", "decided_at", "decided_by")
        .first()
    )


def get_card_for_approver(user: User, pk: int) -> Card:
    return get_object_or_404(
        cards_awaiting_approval_by(user).select_related("experiment", "organisation"), pk=pk
    )


def card_approvers(card: Card) -> QuerySet[User]:
    """Who is asked to approve a card for the public (see _card_approver_q): the coordinators
    of the card's municipality and of every team member's, and the network coordinators of its
    cohort."""
    coordinators = Membership.objects.filter(user=OuterRef("pk"), role=Role.COORDINATOR)
    network = Q(
        organisation__kind=Organisation.Kind.NETWORK,
        pk__in=Membership.objects.filter(
            cohort_id=card.experiment.cohort_id, role=Role.COORDINATOR
        ).values("user_id"),
    )
    # The card's own municipality and every team member's: each coordinator once however many
    # of the team share their town (subqueries, no join that repeats a row).
    same_org = Q(organisation_id__in=team_organisation_ids(card))
    if card.organisation_id:
        same_org |= Q(organisation_id=card.organisation_id)
    return User.objects.filter(Exists(coordinators)).filter(same_org | network).distinct()


def card_may_moderate(*, user: Any, card: Card, owner_ids: set[int] | None = None) -> bool:
    """The card's team, the instructors and coordinators of its experiment's cohort, and the
    superuser hide and show the card's messages. `owner_ids`, when the caller has them, saves
    the query for the team."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or (owner_ids is not None and user.pk in owner_ids):
        return True
    return (
        Card.objects.filter(pk=card.pk)
        .filter(
            Q(experiment_member(user, "experiment_id"))
            | Q(member(STAFF_ROLES, user, "experiment__cohort_id"))
        )
        .exists()
    )
