"""Who may read and edit impact plans: whoever may see the experiment reads its plan; only
the learners on its team (still learners of its cohort) edit it. Helpers raise 404 for anything
the person may not reach."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from core.access import Role
from learners.models import Membership
from workshops.access import get_experiment_for_member, get_experiment_for_user
from workshops.models import Experiment, ExperimentMember

from .models import Indicator, Measurement, Statement

if TYPE_CHECKING:
    from core.models import User


def get_impact_experiment_for_reader(user: User, pk: int) -> Experiment:
    """An experiment's impact plan is read by whoever may see the experiment: its team, the
    cohort's instructors and coordinators, and the superuser."""
    return get_experiment_for_user(user, pk)


def get_impact_experiment_for_editor(user: User, pk: int) -> Experiment:
    """Only the experiment's owners (the learners on its team) edit its impact plan."""
    return get_experiment_for_member(user, pk)


def _impact_editable(user: User, ref: str) -> Q:
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
    return get_object_or_404(
        Statement.objects.select_related("plan__experiment").filter(
            _impact_editable(user, "plan__experiment")
        ),
        pk=pk,
    )


def get_indicator_for_editor(user: User, pk: int) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("plan__experiment").filter(
            _impact_editable(user, "plan__experiment")
        ),
        pk=pk,
    )


def get_measurement_for_editor(user: User, pk: int) -> Measurement:
    return get_object_or_404(
        Measurement.objects.select_related("indicator__plan__experiment").filter(
            _impact_editable(user, "indicator__plan__experiment")
        ),
        pk=pk,
    )
