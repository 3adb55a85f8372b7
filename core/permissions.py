"""What is left of the access rules while they move to each app's `access.py` (issue 15):
shared role primitives are in core.access, cohort rules in learners.access."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.access import Role, has_role
from learners.access import member as _member
from learners.models import Membership
from workshops.access import experiment_member as _experiment_member

if TYPE_CHECKING:
    from core.access import AnyUser
    from core.models import User
    from portfolio.models import Card


# --- cohorts -------------------------------------------------------------------------------


# --- course content ------------------------------------------------------------------------


# --- workshops -----------------------------------------------------------------------------


# --- impact plans --------------------------------------------------------------------------


# --- portfolio cards and the network gallery -------------------------------------------------


def cards_visible_to(user: AnyUser) -> QuerySet[Card]:
    """Portfolio cards a person may see, decided in the query so no list can leak one.

    Public cards (always approved): everyone, signed in or not. Network: everyone signed in.
    Cohort: the members of the experiment's cohort (any role). Private: only the team. The
    superuser gets no exception here: publishing is the owners' choice.
    """
    from portfolio.models import Card
    from workshops.models import Experiment

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
        | Q(_experiment_member(user, "experiment_id"))
    )


def get_card_for_user(user: AnyUser, pk: int) -> Card:
    return get_object_or_404(
        cards_visible_to(user).select_related("experiment", "organisation"), pk=pk
    )


def get_card_for_owner(user: User, pk: int) -> Card:
    """Editing and publishing a card: the learners on the experiment's team only."""
    from portfolio.models import Card

    return get_object_or_404(
        Card.objects.filter(_experiment_member(user, "experiment_id")).select_related(
            "experiment", "organisation"
        ),
        pk=pk,
    )


def _card_approver_q(user: User) -> Q:
    """Cards whose public publication the person may approve: a coordinator approves the cards
    of their own organisation; a coordinator from a network organisation (the Growth Corridor)
    those of the cohorts they coordinate."""
    from core.models import Organisation

    if user.is_superuser:
        return Q()
    if not has_role(user, Role.COORDINATOR) or user.organisation_id is None:
        return Q(pk__in=[])
    condition = Q(organisation_id=user.organisation_id)
    if user.organisation is not None and user.organisation.kind == Organisation.Kind.NETWORK:
        condition |= Q(_member(Role.COORDINATOR, user, "experiment__cohort_id"))
    return condition


def cards_awaiting_approval_by(user: User) -> QuerySet[Card]:
    from portfolio.models import Card

    return Card.objects.filter(_card_approver_q(user), public_status=Card.PublicStatus.PENDING)


def get_card_for_approver(user: User, pk: int) -> Card:
    return get_object_or_404(
        cards_awaiting_approval_by(user).select_related("experiment", "organisation"), pk=pk
    )


def card_approvers(card: Card) -> QuerySet[User]:
    """Who is asked to approve a card for the public (see _card_approver_q)."""
    from core.models import Organisation
    from core.models import User as UserModel

    coordinators = Membership.objects.filter(user=OuterRef("pk"), role=Role.COORDINATOR)
    network = Q(
        organisation__kind=Organisation.Kind.NETWORK,
        pk__in=Membership.objects.filter(
            cohort_id=card.experiment.cohort_id, role=Role.COORDINATOR
        ).values("user_id"),
    )
    same_org = Q(organisation_id=card.organisation_id) if card.organisation_id else Q(pk__in=[])
    return UserModel.objects.filter(Exists(coordinators)).filter(same_org | network).distinct()
