"""A team mate moves to another town: the gallery's search follows at once (session 12).

Oona (Hattula) and Kaisa (Janakkala) share a card, found by both towns (session 11). When the
superuser moved Kaisa to Hausjärvi in the admin, or Kaisa, without an organisation yet,
accepted an invitation naming Loppi, the search index kept the old towns: searching
"Hausjärvi" found nothing and "Janakkala" still found the card. core.signals'
user_organisation_changed now reaches portfolio/receivers_org.py, which indexes the cards of
the person's teams again in the same transaction.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.models import Invitation, Membership
from portfolio.models import Card
from tests import factories
from tests.portfolio.conftest import publish
from tests.workshops.test_admin_actions import submit_change_form

pytestmark = pytest.mark.django_db


def town(name):
    return factories.OrganisationFactory(name=name)


@pytest.fixture
def learner(cohort):
    user = factories.UserFactory(email="oona@example.fi", organisation=town("Hattula"))
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    return user


@pytest.fixture
def co_owner(cohort):
    user = factories.UserFactory(email="kaisa@example.fi", organisation=town("Janakkala"))
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    return user


def found_by(client, query):
    response = client.get(reverse("portfolio:gallery"), {"q": query})
    assert response.status_code == 200
    return [c.pk for c in response.context["page"].object_list]


def test_a_team_mate_moved_in_the_admin_makes_the_card_findable_by_the_new_town_only(
    client_for, admin_client, other_learner, co_owner, card
):
    publish(card, Card.Scope.NETWORK)
    viewer = client_for(other_learner)
    assert found_by(viewer, "Janakkala") == [card.pk]
    assert found_by(viewer, "Hausjärvi") == []

    response = submit_change_form(admin_client, co_owner, {"organisation": town("Hausjärvi").pk})
    assert response.status_code == 302

    viewer = client_for(other_learner)
    assert found_by(viewer, "Hausjärvi") == [card.pk]
    assert found_by(viewer, "Janakkala") == []
    # The card's own town (its creator's) is still there.
    assert found_by(viewer, "Hattula") == [card.pk]


def test_moving_the_creator_keeps_the_card_under_its_town_and_adds_the_new_one(
    client_for, admin_client, other_learner, learner, card
):
    publish(card, Card.Scope.NETWORK)
    response = submit_change_form(admin_client, learner, {"organisation": town("Loppi").pk})
    assert response.status_code == 302
    viewer = client_for(other_learner)
    assert found_by(viewer, "Loppi") == [card.pk]
    assert found_by(viewer, "Hattula") == [card.pk]  # listed under it (Card.organisation)


def test_accepting_an_invitation_that_names_a_town_makes_the_card_findable_by_it(
    client_for, course, other_learner, co_owner, card
):
    publish(card, Card.Scope.NETWORK)
    co_owner.organisation = None
    co_owner.save()
    later = factories.CohortFactory(course=course, name="Kevät 2027")
    invitation = Invitation.objects.create(
        cohort=later,
        email=co_owner.email,
        organisation=town("Loppi"),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    assert found_by(client_for(other_learner), "Loppi") == []

    response = client_for(co_owner).post(
        reverse("learners:invitation_accept", args=[invitation.token])
    )
    assert response.status_code == 302
    assert found_by(client_for(other_learner), "Loppi") == [card.pk]


def test_a_team_card_s_new_town_is_not_shown_to_someone_who_may_not_see_the_card(
    client_for, admin_client, outsider_learner, co_owner, card
):
    # The card stays with its team: the new town's search finds it for nobody else.
    response = submit_change_form(admin_client, co_owner, {"organisation": town("Hausjärvi").pk})
    assert response.status_code == 302
    assert found_by(client_for(outsider_learner), "Hausjärvi") == []


def test_moving_someone_on_many_teams_costs_the_same_queries_as_on_one(
    admin_client, course, cohort, learner, co_owner, card
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portfolio import services
    from tests.portfolio.conftest import make_experiment
    from workshops.models import ExperimentMember

    def move(to):
        with CaptureQueriesContext(connection) as queries:
            response = submit_change_form(admin_client, co_owner, {"organisation": town(to).pk})
        assert response.status_code == 302
        return len(queries)

    move("Loppi")  # the admin's own first-visit reads aside
    one = move("Hausjärvi")
    for n in range(4):
        workshop = factories.WorkshopFactory(course=course, title=f"Työpaja {n}")
        experiment = make_experiment(owner=learner, cohort=cohort, workshop=workshop, title=f"K{n}")
        ExperimentMember.objects.create(
            experiment=experiment, user=co_owner, cohort=cohort, workshop=workshop
        )
        publish(services.card_create(experiment=experiment), Card.Scope.NETWORK)
    assert move("Riihimäki") == one
