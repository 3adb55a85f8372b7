"""Taking a learner off an experiment's team: she leaves it herself, the cohort's staff remove
her, or her membership of the cohort ends (workshops.receivers_team). What she wrote (versions,
comments, files, run log) stays in the experiment with her name; only her place on the team
goes, and the team is told once."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import User
from core.search import reindex_related as search_reindex_related
from learners.rollup import rollup_figures_stale, rollup_touch
from notifications.models import Notification
from notifications.services import notification_notify

from .models import Experiment, ExperimentEvent, ExperimentMember
from .services import ExperimentError


class TeamMemberGone(ExperimentError):
    """The learner is no longer on the team (a second click, or someone else was quicker)."""


def _refuse_only_member(member: ExperimentMember, by: User) -> None:
    if by.pk == member.user_id:
        raise ExperimentError(
            _(
                "You are the only member of this team, so you cannot leave it. The experiment "
                "stays yours: keep working on it, or leave it as it is."
            )
        )
    raise ExperimentError(
        _(
            "%(name)s is the only member of this team and cannot be removed from it. The "
            "experiment stays theirs."
        )
        % {"name": member.user.display_name}
    )


@transaction.atomic
def experiment_member_remove(*, member: ExperimentMember, by: User | None) -> None:
    """Take `member` off the experiment's team and tell the others (each once) that the person
    is no longer on it; someone removed by another person is told too.

    `by`: the learner herself or the cohort's staff (precondition: checked by the caller's
    access helper); they may not empty the team (ExperimentError). None: her cohort membership
    ended, and the team may be left empty: the experiment and its work stay for the cohort's
    staff. Raises TeamMemberGone when the person is no longer on the team."""
    # The experiment's row is the team's lock (experiment_add_member takes it too): two last
    # members leaving at once cannot both see a team mate who stays.
    Experiment.objects.select_for_update().filter(pk=member.experiment_id).first()
    found = (
        ExperimentMember.objects.filter(pk=member.pk)
        .select_related("user", "experiment__workshop")
        .first()
    )
    if found is None:
        raise TeamMemberGone(_("That learner is no longer on this team."))
    experiment = found.experiment
    others = list(
        ExperimentMember.objects.filter(experiment=experiment)
        .exclude(pk=found.pk)
        .select_related("user")
        .order_by("pk")
    )
    if by is not None and not others:
        _refuse_only_member(found, by)
    # Her phase states no longer follow the team's versions (learners.selectors.team_latest),
    # and the funnel's team sizes change: her row and the cohort's figures are counted again.
    rollup_touch(user_ids=[found.user_id], cohort_id=found.cohort_id)
    rollup_figures_stale(cohort_id=found.cohort_id)
    found.delete()
    # The experiment's history says who is no longer on the team: the event is theirs (its
    # actor), so erasing them later takes their name out of it too (no name in the note).
    ExperimentEvent.objects.create(
        experiment=experiment,
        actor=found.user,
        kind=ExperimentEvent.Kind.MEMBER_REMOVED,
        phase=experiment.phase,
        cycle=experiment.cycle,
    )
    # The experiment's card is found by its team's towns (portfolio.search).
    search_reindex_related(Experiment, [experiment.pk])
    url = reverse("workshops:experiment", args=[experiment.pk])
    for other in others:
        notification_notify(
            recipient=other.user,
            category=Notification.Category.REVIEWS,
            key=f"team-member-left-{found.pk}",
            template="team_member_left",
            context={"experiment": experiment, "person": found.user},
            url=url,
        )
    if by is not None and by.pk != found.user_id:
        notification_notify(
            recipient=found.user,
            category=Notification.Category.REVIEWS,
            key=f"team-member-removed-{found.pk}",
            template="team_member_removed",
            context={"experiment": experiment, "removed_by": by},
            url=reverse("core:home"),
        )


def experiment_members_leave_cohort(*, user_id: int, cohort_id: int) -> int:
    """The person's cohort membership ended: off every team of that cohort (the teams are
    told). Returns the places taken away. Inside the caller's transaction (the delete's)."""
    rows = list(
        ExperimentMember.objects.filter(user_id=user_id, cohort_id=cohort_id).order_by("pk")
    )
    for row in rows:
        try:
            experiment_member_remove(member=row, by=None)
        except TeamMemberGone:
            continue
    return len(rows)
