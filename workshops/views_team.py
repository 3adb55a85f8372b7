"""Leaving a team and taking a learner off one (services_team.experiment_member_remove).

A learner on the team leaves it herself; the instructors and coordinators of the experiment's
cohort (and the superuser) remove a learner from it. Both ask to confirm first (GET) and act on
POST only. The team's only member stays: the experiment is hers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.http import AuthenticatedHttpRequest
from core.responses import action_refused

from .access import get_experiment_for_member, get_experiment_for_team_staff
from .cohort_settings import marking_for
from .models import ExperimentMember
from .services import ExperimentError
from .services_team import TeamMemberGone, experiment_member_remove


@login_required
@require_http_methods(["GET", "POST"])
def team_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The learners on the team (while learners of its cohort; 404 for anyone else): GET asks
    to confirm, POST takes the person herself off the team and leads to the dashboard (the
    experiment is no longer hers to open). The only member is refused (409): the experiment
    stays hers."""
    experiment = get_experiment_for_member(request.user, pk)
    back = reverse("workshops:experiment", args=[experiment.pk])
    own = (
        ExperimentMember.objects.select_related("user")
        .filter(experiment=experiment, user=request.user)
        .first()
    )
    if own is None:  # taken off between the two reads (a second click)
        if request.method == "POST":
            return redirect("core:home")
        raise Http404
    if request.method == "POST":
        try:
            experiment_member_remove(member=own, by=request.user)
        except TeamMemberGone:
            # Gone between the access check and the lock (a second click): what was asked.
            return redirect("core:home")
        except ExperimentError as exc:
            return action_refused(request, exc.message, back_url=back, status=409)
        messages.success(
            request, _("You left the team of %(title)s.") % {"title": experiment.title}
        )
        return redirect("core:home")
    return render(
        request,
        "workshops/team_leave.html",
        {
            "experiment": experiment,
            "member": own,
            "leaving": True,
            "only_member": not experiment.members.exclude(pk=own.pk).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_remove(request: AuthenticatedHttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """The instructors and coordinators of the experiment's cohort and the superuser (404 for
    anyone else, learners of the team too: they leave, they do not remove): GET asks to
    confirm, POST takes that learner off the team. Refused (409) for the team's only member,
    and under blind review, where the experiment's page names nobody on the team."""
    experiment = get_experiment_for_team_staff(request.user, pk)
    back = reverse("workshops:experiment", args=[experiment.pk])
    found = experiment.members.select_related("user").filter(pk=member_pk).first()
    if found is None:
        if request.method == "POST":
            # Taken off already (a second click, or a colleague was quicker): as asked.
            messages.info(request, _("That learner is no longer on this team."))
            return redirect(back)
        raise Http404
    if marking_for(workshop=experiment.workshop, cohort_id=experiment.cohort_id).blind_review:
        return action_refused(
            request,
            _(
                "Under blind review the team is not named to the cohort's staff, so nobody can "
                "be removed from it here."
            ),
            back_url=back,
            status=409,
        )
    if request.method == "POST":
        try:
            experiment_member_remove(member=found, by=request.user)
        except TeamMemberGone as exc:
            messages.info(request, exc.message)
            return redirect(back)
        except ExperimentError as exc:
            return action_refused(request, exc.message, back_url=back, status=409)
        messages.success(
            request,
            _("%(name)s was removed from the team.") % {"name": found.user.display_name},
        )
        return redirect(back)
    return render(
        request,
        "workshops/team_leave.html",
        {
            "experiment": experiment,
            "member": found,
            "leaving": False,
            "only_member": not experiment.members.exclude(pk=found.pk).exists(),
        },
    )
