"""What is left of the access rules while they move to each app's `access.py` (issue 15):
shared role primitives are in core.access, cohort rules in learners.access."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from core.access import STAFF_ROLES, Role, has_role
from learners.access import cohorts_for, learner_cohorts
from learners.access import member as _member
from learners.models import Cohort, Membership

if TYPE_CHECKING:
    from core.access import AnyUser
    from core.models import User
    from impact.models import Indicator, Measurement, Statement
    from portfolio.models import Card
    from workshops.models import (
        Assignment,
        Experiment,
        PeerReview,
        RunLogEntry,
        SessionMaterial,
        Submission,
        SubmissionFile,
        Workshop,
        WorkshopSession,
    )


# --- cohorts -------------------------------------------------------------------------------


# --- course content ------------------------------------------------------------------------


# --- workshops -----------------------------------------------------------------------------


def get_assignment_for_learner(user: User, pk: int) -> tuple[Assignment, Cohort]:
    """The assignment and the learner's cohort that runs its course; 404 for anyone else."""
    from workshops.models import Assignment

    assignment = get_object_or_404(Assignment.objects.select_related("workshop__course"), pk=pk)
    cohort = (
        learner_cohorts(user)
        .filter(course_id=assignment.workshop.course_id)
        .order_by("-start_date")
        .first()
    )
    if cohort is None:
        from django.http import Http404

        raise Http404
    return assignment, cohort


def _experiment_member(user: User, experiment_ref: str) -> Exists:
    from workshops.models import ExperimentMember

    return Exists(ExperimentMember.objects.filter(experiment=OuterRef(experiment_ref), user=user))


def experiments_visible_to(user: User) -> QuerySet[Experiment]:
    """Team members see their experiment; instructors and coordinators their cohorts' ones."""
    from workshops.models import Experiment

    qs = Experiment.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(Q(_experiment_member(user, "pk")) | Q(_member(STAFF_ROLES, user, "cohort_id")))


def get_experiment_for_user(user: User, pk: int) -> Experiment:
    return get_object_or_404(
        experiments_visible_to(user).select_related("workshop", "cohort"), pk=pk
    )


def get_experiment_for_member(user: User, pk: int) -> Experiment:
    """Only the learners on the team (who are still learners of its cohort) may change it."""
    from workshops.models import Experiment

    return get_object_or_404(
        Experiment.objects.filter(
            _experiment_member(user, "pk"), _member(Role.LEARNER, user, "cohort_id")
        ).select_related("workshop", "cohort"),
        pk=pk,
    )


def get_experiment_for_instructor(user: User, pk: int) -> Experiment:
    from workshops.models import Experiment

    qs = Experiment.objects.select_related("workshop", "cohort")
    if not user.is_superuser:
        qs = qs.filter(_member(Role.INSTRUCTOR, user, "cohort_id"))
    return get_object_or_404(qs, pk=pk)


def get_experiment_for_thread(user: User, pk: int) -> Experiment:
    """Phase threads: the learners on the team, the cohort's instructors and the superuser
    (coordinators follow progress, not the conversation)."""
    from workshops.models import Experiment

    qs = Experiment.objects.select_related("workshop", "cohort")
    if not user.is_superuser:
        qs = qs.filter(
            Q(_experiment_member(user, "pk")) | Q(_member(Role.INSTRUCTOR, user, "cohort_id"))
        )
    return get_object_or_404(qs, pk=pk)


def may_see_thread(user: User, submission: Submission) -> bool:
    """Whether the phase thread is shown with a submission (see get_experiment_for_thread)."""
    if submission.experiment_id is None:
        return False
    return (
        user.is_superuser
        or (
            submission.experiment is not None
            and submission.experiment.members.filter(user=user).exists()
        )
        or Membership.objects.filter(
            cohort_id=submission.cohort_id, user=user, role=Role.INSTRUCTOR
        ).exists()
    )


def get_session_for_instructor(user: User, pk: int) -> WorkshopSession:
    from workshops.models import WorkshopSession

    return get_object_or_404(
        WorkshopSession.objects.select_related("workshop", "cohort").filter(
            cohort__in=cohorts_for(user, Role.INSTRUCTOR).values("pk")
        ),
        pk=pk,
    )


def get_session_material_for_user(user: User, pk: int) -> SessionMaterial:
    """A file shared with a workshop session: the members of its cohort (learners,
    instructors, coordinators) and the superuser."""
    from workshops.models import SessionMaterial

    qs = SessionMaterial.objects.select_related("session")
    if not user.is_superuser:
        qs = qs.filter(
            _member((Role.LEARNER, *STAFF_ROLES), user, "session__cohort_id"),
        )
    return get_object_or_404(qs, pk=pk)


def get_session_material_for_instructor(user: User, pk: int) -> SessionMaterial:
    from workshops.models import SessionMaterial

    return get_object_or_404(
        SessionMaterial.objects.select_related("session").filter(
            session__cohort__in=cohorts_for(user, Role.INSTRUCTOR).values("pk")
        ),
        pk=pk,
    )


def is_experiment_instructor(user: User, experiment: Experiment) -> bool:
    return user.is_superuser or (
        Membership.objects.filter(
            cohort_id=experiment.cohort_id, user=user, role=Role.INSTRUCTOR
        ).exists()
    )


def get_runlog_entry_for_user(user: User, pk: int) -> RunLogEntry:
    from workshops.models import RunLogEntry

    return get_object_or_404(
        RunLogEntry.objects.filter(experiment__in=experiments_visible_to(user)), pk=pk
    )


def get_workshop_for_learner(user: User, pk: int) -> tuple[Workshop, Cohort]:
    """A workshop and the learner's latest cohort that runs its course; 404 for anyone else."""

    from workshops.models import Workshop

    workshop = get_object_or_404(Workshop.objects.select_related("course"), pk=pk)
    cohort = (
        learner_cohorts(user).filter(course_id=workshop.course_id).order_by("-start_date").first()
    )
    if cohort is None:
        raise Http404
    return workshop, cohort


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    """A learner sees their own and their team's work; staff their cohorts' work."""
    from workshops.models import Submission

    qs = Submission.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(learner=user)
        | Q(_experiment_member(user, "experiment_id"))
        | Q(_member(STAFF_ROLES, user, "cohort_id"))
    )


def submissions_reviewable_by(user: User) -> QuerySet[Submission]:
    from workshops.models import Submission

    qs = Submission.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(_member(Role.INSTRUCTOR, user, "cohort_id"))


def get_submission_for_user(user: User, pk: int) -> Submission:
    return get_object_or_404(
        submissions_visible_to(user).select_related(
            "assignment__workshop", "cohort", "learner__organisation"
        ),
        pk=pk,
    )


def get_submission_for_reviewer(user: User, pk: int) -> Submission:
    return get_object_or_404(
        submissions_reviewable_by(user).select_related(
            "assignment__workshop", "cohort", "learner__organisation"
        ),
        pk=pk,
    )


def can_review(user: User, submission: Submission) -> bool:
    return submissions_reviewable_by(user).filter(pk=submission.pk).exists()


def get_peer_review_for_reviewer(user: User, pk: int) -> PeerReview:
    """A peer review allocated to this learner (not one taken away from them)."""
    from workshops.models import PeerReview

    return get_object_or_404(
        PeerReview.objects.filter(reviewer=user)
        .exclude(status=PeerReview.Status.WITHDRAWN)
        .select_related("submission__assignment__workshop"),
        pk=pk,
    )


def get_peer_review_for_receiver(user: User, pk: int) -> PeerReview:
    """Peer feedback given on an answer by this learner or their team."""
    from workshops.models import PeerReview

    return get_object_or_404(
        PeerReview.objects.filter(status=PeerReview.Status.DONE)
        .filter(
            Exists(
                PeerReview.objects.filter(pk=OuterRef("pk")).filter(
                    Q(submission__learner=user) | Q(submission__experiment__members__user=user)
                )
            )
        )
        .select_related("submission"),
        pk=pk,
    )


def get_file_for_user(user: User, pk: int) -> SubmissionFile:
    """Whoever may see the submission gets its files once they have passed the check; a file
    still being checked or rejected (it may be an executable in disguise) only its uploader."""
    from workshops.models import SubmissionFile

    return get_object_or_404(
        SubmissionFile.objects.filter(submission__in=submissions_visible_to(user)).filter(
            Q(status=SubmissionFile.Status.ACCEPTED) | Q(submission__learner=user)
        ),
        pk=pk,
    )


# --- impact plans --------------------------------------------------------------------------


def get_impact_experiment_for_reader(user: User, pk: int) -> Experiment:
    """An experiment's impact plan is read by whoever may see the experiment: its team, the
    cohort's instructors and coordinators, and the superuser."""
    return get_experiment_for_user(user, pk)


def get_impact_experiment_for_editor(user: User, pk: int) -> Experiment:
    """Only the experiment's owners (the learners on its team) edit its impact plan."""
    return get_experiment_for_member(user, pk)


def _impact_editable(user: User, ref: str) -> Q:
    from workshops.models import ExperimentMember

    return Q(
        Exists(ExperimentMember.objects.filter(experiment=OuterRef(ref), user=user)),
        Exists(
            Membership.objects.filter(
                cohort=OuterRef(f"{ref}__cohort_id"),
                user=user,
                role=Role.LEARNER,
            )
        ),
    )


def get_statement_for_editor(user: User, pk: int) -> Statement:
    """A logic-model statement of an impact plan the person may edit (see above)."""
    from impact.models import Statement

    return get_object_or_404(
        Statement.objects.select_related("plan__experiment").filter(
            _impact_editable(user, "plan__experiment")
        ),
        pk=pk,
    )


def get_indicator_for_editor(user: User, pk: int) -> Indicator:
    from impact.models import Indicator

    return get_object_or_404(
        Indicator.objects.select_related("plan__experiment").filter(
            _impact_editable(user, "plan__experiment")
        ),
        pk=pk,
    )


def get_measurement_for_editor(user: User, pk: int) -> Measurement:
    from impact.models import Measurement

    return get_object_or_404(
        Measurement.objects.select_related("indicator__plan__experiment").filter(
            _impact_editable(user, "indicator__plan__experiment")
        ),
        pk=pk,
    )


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
