"""Leaving a cohort leaves its teams (a tester walking a two-town team's week): whatever deletes
a learner's cohort membership (the admin's cohort page, a queryset, one row), her place on the
teams of that cohort's experiments goes in the same transaction and the team is told once;
what she wrote stays with her name. Someone whose membership is gone but whose team row was
left behind (before this, the demo after an admin delete) is let in nowhere, and the data
migration removes such rows. The coordinator's funnel and summary stop counting her."""

from __future__ import annotations

import importlib
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete
from django.urls import reverse

from learners import rollup
from learners.models import Membership
from notifications.models import Notification
from tests import factories
from workshops import receivers_team, services
from workshops.models import Experiment, ExperimentMember, PhaseComment, Submission

pytestmark = pytest.mark.django_db

RECEIVER_UID = "workshops.leaving_a_cohort_leaves_its_teams"


def left_notes(**filters):
    return Notification.objects.filter(key__startswith="team-member-left-", **filters)


def team_ids(experiment) -> set[int]:
    return set(
        ExperimentMember.objects.filter(experiment=experiment).values_list("user", flat=True)
    )


class _FormValues(HTMLParser):
    """The values a browser would send with the admin's change form (inputs, selects,
    textareas), so the test deletes an inline row the way a person does."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            elif kind not in ("submit", "button", "file"):
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def admin_delete_membership(client, membership: Membership):
    """The superuser opens the cohort in the admin, ticks "delete" on the membership's row and
    saves."""
    url = reverse("admin:learners_cohort_change", args=[membership.cohort_id])
    page = client.get(url)
    assert page.status_code == 200
    parser = _FormValues()
    parser.feed(page.content.decode())
    data = parser.data
    prefix = next(
        key[: -len("-id")]
        for key, value in data.items()
        if key.startswith("memberships-") and key.endswith("-id") and value == str(membership.pk)
    )
    data[f"{prefix}-DELETE"] = "on"
    data["_save"] = "Save"
    return client.post(url, data)


@pytest.fixture
def team_week(experiment, learner, teammate, assignment, cohort):
    """Tiina's week on Oona's team: a version sent and a message in the phase thread."""
    version = factories.SubmissionFactory(
        learner=teammate, cohort=cohort, assignment=assignment, experiment=experiment
    )
    comment = services.phase_comment_add(
        experiment=experiment, phase=1, author=teammate, text="Kysyin asemalta aikatauluja."
    )
    return version, comment


def test_deleting_her_membership_in_the_admin_takes_her_off_the_team_and_keeps_her_work(
    client_for, superuser, experiment, learner, teammate, team_week, cohort
):
    version, comment = team_week
    membership = Membership.objects.get(cohort=cohort, user=teammate)
    response = admin_delete_membership(client_for(superuser), membership)
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    # Off the team; the experiment, her version and her message stay, with her name.
    assert team_ids(experiment) == {learner.pk}
    assert Submission.objects.get(pk=version.pk).learner_id == teammate.pk
    assert PhaseComment.objects.get(pk=comment.pk).author_id == teammate.pk
    # Oona is told once, and Tiina is not told about herself.
    [note] = left_notes()
    assert note.recipient_id == learner.pk
    assert teammate.display_name in note.subject
    assert note.url == reverse("workshops:experiment", args=[experiment.pk])
    # The team page Oona opens lists only her.
    page = client_for(learner).get(reverse("workshops:experiment", args=[experiment.pk]))
    assert [m.user_id for m in page.context["members"]] == [learner.pk]
    html = page.content.decode()
    team = html.split('data-testid="team"')[1].split("</ul>")[0]
    assert teammate.display_name not in team
    # ... and its history says that she is no longer on the team.
    assert 'data-kind="member_removed"' in html


def test_a_queryset_delete_and_a_single_delete_take_the_learners_off_their_teams(
    experiment, learner, teammate, cohort, other_learner, assignment, other_cohort
):
    # Leaving another cohort keeps her on this one's team.
    factories.MembershipFactory(cohort=other_cohort, user=teammate, role=Membership.Role.LEARNER)
    Membership.objects.get(cohort=other_cohort, user=teammate).delete()
    assert team_ids(experiment) == {learner.pk, teammate.pk}
    # Olli's own experiment with a team mate from the cohort.
    mate = factories.UserFactory(first_name="Matti")
    factories.MembershipFactory(cohort=cohort, user=mate, role=Membership.Role.LEARNER)
    olli = services.experiment_create(
        learner=other_learner, workshop=assignment.workshop, cohort=cohort, title="Kylätalo"
    )
    services.experiment_add_member(experiment=olli, by=other_learner, email=mate.email)
    Membership.objects.filter(cohort=cohort, user__in=[teammate, mate]).delete()
    assert team_ids(experiment) == {learner.pk}
    assert team_ids(olli) == {other_learner.pk}
    assert set(left_notes().values_list("recipient", flat=True)) == {learner.pk, other_learner.pk}
    # One row at a time (a service, a cascade) too.
    Membership.objects.get(cohort=cohort, user=other_learner).delete()
    assert team_ids(olli) == set()


def test_the_last_member_leaving_the_cohort_leaves_the_experiment_to_its_staff(
    client_for, experiment, learner, cohort, coordinator, instructor
):
    Membership.objects.get(cohort=cohort, user=learner).delete()
    assert Experiment.objects.filter(pk=experiment.pk).exists()
    assert team_ids(experiment) == set()
    assert not left_notes().exists()  # nobody left on the team to tell
    url = reverse("workshops:experiment", args=[experiment.pk])
    for staff in (coordinator, instructor):
        page = client_for(staff).get(url)
        assert page.status_code == 200
        assert page.context["members"] == []
    assert client_for(learner).get(url).status_code == 404


def test_when_the_delete_is_rolled_back_she_stays_on_the_team(experiment, teammate, cohort):
    seen_inside = []

    def delete_then_fail():
        with transaction.atomic():
            Membership.objects.filter(cohort=cohort, user=teammate).delete()
            seen_inside.append(team_ids(experiment))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert teammate.pk not in seen_inside[0]  # gone in the delete's own transaction
    assert teammate.pk in team_ids(experiment)
    assert not left_notes().exists()


def test_a_former_member_reaches_nothing_of_the_team_after_leaving_the_cohort(
    client_for, experiment, teammate, team_week, cohort, django_capture_on_commit_callbacks
):
    version, _comment = team_week
    Membership.objects.get(cohort=cohort, user=teammate).delete()
    client = client_for(teammate)
    for url in (
        reverse("workshops:experiment", args=[experiment.pk]),
        reverse("workshops:experiment_edit", args=[experiment.pk]),
        reverse("workshops:submission_detail", args=[version.pk]),
    ):
        assert client.get(url).status_code == 404, url
    before = PhaseComment.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workshops:thread", args=[experiment.pk, 1]), {"text": "Vielä yksi asia."}
        )
    assert response.status_code == 404
    assert PhaseComment.objects.count() == before


# --- rows left behind before this (the demo after an admin delete) ---------------------------


@pytest.fixture
def left_behind(experiment, teammate, cohort):
    """Tiina's membership deleted the way it was before leaving a cohort left its teams: her
    team row stays behind."""
    assert post_delete.disconnect(sender=Membership, dispatch_uid=RECEIVER_UID)
    try:
        Membership.objects.filter(cohort=cohort, user=teammate).delete()
    finally:
        post_delete.connect(
            receivers_team.leave_the_cohorts_teams, sender=Membership, dispatch_uid=RECEIVER_UID
        )
    assert teammate.pk in team_ids(experiment)
    return teammate


def test_a_team_row_left_behind_lets_her_in_nowhere(
    client_for, experiment, left_behind, team_week, django_capture_on_commit_callbacks
):
    version, _comment = team_week
    client = client_for(left_behind)
    assert client.get(reverse("workshops:experiment", args=[experiment.pk])).status_code == 404
    assert client.get(reverse("workshops:submission_detail", args=[version.pk])).status_code == 404
    before = PhaseComment.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workshops:thread", args=[experiment.pk, 1]), {"text": "Vielä yksi asia."}
        )
    assert response.status_code == 404
    assert PhaseComment.objects.count() == before


def test_the_migration_removes_the_rows_left_behind_and_keeps_the_rest(
    experiment, left_behind, learner, cohort, assignment, other_learner
):
    # Someone's row in a cohort where they are an instructor now: also no learner's place.
    mate = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=mate, role=Membership.Role.INSTRUCTOR)
    solo = services.experiment_create(
        learner=other_learner, workshop=assignment.workshop, cohort=cohort, title="Oma"
    )
    Membership.objects.filter(cohort=cohort, user=other_learner).update(
        role=Membership.Role.INSTRUCTOR
    )
    migration = importlib.import_module("workshops.migrations.0024_orphan_team_members")
    migration.remove_orphaned_team_rows(apps, None)
    assert team_ids(experiment) == {learner.pk}
    assert team_ids(solo) == set()
    assert Experiment.objects.filter(pk__in=[experiment.pk, solo.pk]).count() == 2


# --- the coordinator's figures -----------------------------------------------------------------


def test_the_funnel_and_the_summary_stop_counting_a_learner_who_left_the_cohort(
    client_for,
    coordinator,
    experiment,
    learner,
    teammate,
    cohort,
    django_capture_on_commit_callbacks,
):
    client = client_for(coordinator)
    funnel_url = reverse("learners:funnel", args=[cohort.pk])
    summary_url = reverse("learners:dashboard", args=[cohort.pk])
    before = client.get(funnel_url).context["funnel"]
    assert before.phases[0].learners == 2
    assert client.get(summary_url).context["summary"].learners == 2
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.get(cohort=cohort, user=teammate).delete()
    # The experiment rows are read live: her name is gone at once.
    funnel = client.get(funnel_url).context["funnel"]
    [row] = list(funnel.experiments)
    assert [m.pk for m in row.members] == [learner.pk]
    # The figures a minute later, once beat has recounted what was marked stale.
    rollup.rollup_sweep()
    assert client.get(funnel_url).context["funnel"].phases[0].learners == 1
    assert client.get(summary_url).context["summary"].learners == 1
