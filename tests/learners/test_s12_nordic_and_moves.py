"""Session 12: the coordinator's pages find Å, Ä and Ö in any letter case on SQLite too, and a
person who moves to another organisation is counted under the new one.

- The invitation list's search found "Åström" only when typed with a capital Å on SQLite.
- Inviting an address already a member's, written with other capitals ("...@ÅLAND.fi"),
  sent a second invitation on SQLite instead of saying they are a member.
- A learner moved to another municipality in the admin (or by accepting an invitation that
  names one) stayed under the old town in the cohort summary's table until the nightly
  rebuild, and the progress page's municipality filter offered the old town for ten minutes.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.models import CohortRollup, Invitation, LearnerProgress, Membership
from tests import factories
from tests.workshops.test_admin_actions import submit_change_form

pytestmark = pytest.mark.django_db


def invite(cohort, email, **fields):
    return Invitation.objects.create(
        cohort=cohort,
        email=email,
        expires_at=timezone.now() + datetime.timedelta(days=30),
        **fields,
    )


# --- the invitation list's search ----------------------------------------------------------


def listed(response):
    assert response.status_code == 200
    return sorted(i.email for i in response.context["page"].object_list)


def test_the_invitation_list_finds_a_nordic_name_typed_in_lower_case(
    client_for, coordinator, cohort
):
    invite(cohort, "asa@example.fi", first_name="Åsa", last_name="Åström")
    invite(cohort, "orjan@example.fi", first_name="Örjan", last_name="Öberg")
    invite(cohort, "aapo@example.fi", first_name="Aapo", last_name="Astrom")
    client = client_for(coordinator)
    url = reverse("learners:invitations", args=[cohort.pk])
    assert listed(client.get(url, {"q": "åström"})) == ["asa@example.fi"]
    assert listed(client.get(url, {"q": "ÖBERG"})) == ["orjan@example.fi"]
    assert listed(client.get(url, {"q": "astrom"})) == ["aapo@example.fi"]  # a is not å
    page = client.get(url, {"q": "åsa"})
    assert "Åström" in page.content.decode()


def test_another_cohort_s_coordinator_cannot_search_its_invitations(
    client_for, cohort, other_cohort, coordinator, learner
):
    invite(cohort, "asa@example.fi", first_name="Åsa", last_name="Åström")
    stranger = factories.UserFactory()
    factories.MembershipFactory(cohort=other_cohort, user=stranger, role="coordinator")
    url = reverse("learners:invitations", args=[cohort.pk])
    assert client_for(stranger).get(url, {"q": "åström"}).status_code == 404
    assert client_for(learner).get(url, {"q": "åström"}).status_code in (403, 404)


def test_an_address_of_a_member_written_with_other_capitals_is_not_invited_again(
    client_for, coordinator, cohort
):
    # A domain with Å (an internationalised one), written with capitals by whoever added them.
    orjan = factories.UserFactory(email="Orjan.Oberg@ÅLAND.fi", first_name="Örjan")
    factories.MembershipFactory(cohort=cohort, user=orjan, role=Membership.Role.LEARNER)
    response = client_for(coordinator).post(
        reverse("learners:invitations", args=[cohort.pk]),
        {"one-email": "orjan.oberg@åland.fi", "one-role": "learner", "one-language": "fi"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Invitation.objects.filter(cohort=cohort).exists()


# --- a person moves to another organisation ------------------------------------------------


@pytest.fixture
def hattula(db):
    return factories.OrganisationFactory(name="Hattula")


@pytest.fixture
def loppi(db):
    return factories.OrganisationFactory(name="Loppi")


def summary_towns(client, cohort) -> list[str]:
    html = client.get(reverse("learners:dashboard", args=[cohort.pk])).content.decode()
    table = html.split('data-testid="organisations"')[1].split("</table>")[0]
    return re.findall(r'<th scope="row">([^<]*)</th>', table)


def filter_towns(client, cohort) -> list[str]:
    page = client.get(reverse("learners:cohort_detail", args=[cohort.pk]))
    return [name for _pk, name in page.context["organisations"]]


def counted_some_minutes_ago(cohort):
    # The figures were counted before the move, as beat or an earlier visit did.
    CohortRollup.objects.filter(cohort=cohort).update(
        refreshed_at=timezone.now() - datetime.timedelta(minutes=6)
    )


def test_a_learner_moved_in_the_admin_is_counted_under_the_new_town_at_once(
    client_for,
    admin_client,
    coordinator,
    cohort,
    learner,
    hattula,
    loppi,
    django_capture_on_commit_callbacks,
):
    learner.organisation = hattula
    learner.save()
    staff = client_for(coordinator)
    assert summary_towns(staff, cohort) == ["Hattula"]
    assert filter_towns(staff, cohort) == ["Hattula"]
    counted_some_minutes_ago(cohort)

    with django_capture_on_commit_callbacks(execute=True):
        response = submit_change_form(admin_client, learner, {"organisation": loppi.pk})
    assert response.status_code == 302
    assert LearnerProgress.objects.get(cohort=cohort, user=learner).organisation == loppi

    staff = client_for(coordinator)
    assert summary_towns(staff, cohort) == ["Loppi"]
    assert filter_towns(staff, cohort) == ["Loppi"]
    listed = staff.get(reverse("learners:cohort_detail", args=[cohort.pk]), {"org": loppi.pk})
    assert [p.pk for p in listed.context["page"].object_list] == [learner.pk]


def test_saving_a_person_in_the_admin_without_moving_them_marks_no_progress_stale(
    client_for, admin_client, coordinator, cohort, learner, hattula
):
    learner.organisation = hattula
    learner.save()
    assert summary_towns(client_for(coordinator), cohort) == ["Hattula"]
    response = submit_change_form(admin_client, learner, {"first_name": "Oona-Maria"})
    assert response.status_code == 302
    assert not LearnerProgress.objects.filter(stale=True).exists()


def test_accepting_an_invitation_that_names_a_town_moves_the_learner_in_their_other_cohorts(
    client_for, course, cohort, coordinator, loppi, django_capture_on_commit_callbacks
):
    earlier = factories.CohortFactory(course=course, name="Syksy 2025")
    factories.MembershipFactory(cohort=earlier, user=coordinator, role="coordinator")
    mira = factories.UserFactory(email="mira@example.fi", first_name="Mira", organisation=None)
    factories.MembershipFactory(cohort=earlier, user=mira, role=Membership.Role.LEARNER)
    staff = client_for(coordinator)
    assert summary_towns(staff, earlier) == ["–"]
    counted_some_minutes_ago(earlier)
    invitation = invite(cohort, "mira@example.fi", organisation=loppi)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(mira).post(
            reverse("learners:invitation_accept", args=[invitation.token])
        )
    assert response.status_code == 302
    mira.refresh_from_db()
    assert mira.organisation == loppi

    staff = client_for(coordinator)
    assert summary_towns(staff, earlier) == ["Loppi"]
    assert filter_towns(staff, earlier) == ["Loppi"]
    assert summary_towns(staff, cohort) == ["Loppi"]
