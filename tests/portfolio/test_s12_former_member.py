"""A learner no longer on the team no longer edits, publishes or privately sees the team's
card (a tester: after her cohort membership ended she still saved the public card, which sent
it back to approval and emailed the coordinator). The rule is the workshops' one
(workshops.access.experiment_member): on the team and still a learner of its cohort."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_delete
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from portfolio.models import Card
from tests.portfolio.conftest import publish
from workshops import receivers_team
from workshops.models import ExperimentMember

pytestmark = pytest.mark.django_db

RECEIVER_UID = "workshops.leaving_a_cohort_leaves_its_teams"


def card_form(card: Card, **changes) -> dict[str, str]:
    data = {
        "title": card.title,
        "summary": card.summary,
        "context": card.context,
        "need": card.need,
        "hypothesis": card.hypothesis,
        "tried": card.tried,
        "results": card.results,
        "lessons": card.lessons,
        "scaling": card.scaling,
        "contacts": card.contacts,
        "outcome": card.outcome or "open",
    }
    return {**data, **changes}


def test_after_her_cohort_membership_ends_she_cannot_touch_the_public_card(
    client_for, card, learner, co_owner, cohort
):
    card = publish(card, Card.Scope.PUBLIC)
    Membership.objects.get(cohort=cohort, user=co_owner).delete()
    client = client_for(co_owner)
    edit = reverse("portfolio:card_edit", args=[card.pk])
    assert client.get(edit).status_code == 404
    response = client.post(edit, card_form(card, summary="Muutettu jälkikäteen."))
    assert response.status_code == 404
    card.refresh_from_db()
    assert card.summary != "Muutettu jälkikäteen."
    assert card.public_status == Card.PublicStatus.APPROVED  # not sent back to approval
    assert not Notification.objects.filter(key__startswith="portfolio-approval").exists()
    assert client.post(reverse("portfolio:card_withdraw", args=[card.pk])).status_code == 404
    # Oona, still on the team, edits it as before; the public card stays public.
    assert client_for(learner).get(edit).status_code == 200
    assert client.get(reverse("portfolio:public_card", args=[card.pk])).status_code == 200


def test_a_team_row_left_behind_opens_neither_the_edit_form_nor_the_private_card(
    client_for, card, co_owner, cohort
):
    # Deleted as before leaving a cohort left its teams (the demo after an admin delete).
    assert post_delete.disconnect(sender=Membership, dispatch_uid=RECEIVER_UID)
    try:
        Membership.objects.filter(cohort=cohort, user=co_owner).delete()
    finally:
        post_delete.connect(
            receivers_team.leave_the_cohorts_teams, sender=Membership, dispatch_uid=RECEIVER_UID
        )
    assert ExperimentMember.objects.filter(user=co_owner).exists()
    client = client_for(co_owner)
    assert card.scope == Card.Scope.PRIVATE
    assert client.get(reverse("portfolio:card", args=[card.pk])).status_code == 404
    assert client.get(reverse("portfolio:card_edit", args=[card.pk])).status_code == 404


def test_a_learner_made_staff_of_the_cohort_edits_the_card_no_more(
    client_for, card, co_owner, cohort
):
    Membership.objects.filter(cohort=cohort, user=co_owner).update(role=Membership.Role.INSTRUCTOR)
    client = client_for(co_owner)
    assert client.get(reverse("portfolio:card_edit", args=[card.pk])).status_code == 404


def test_a_learner_who_left_the_team_loses_its_private_card_and_its_editing(
    client_for, card, learner, co_owner, experiment
):
    client = client_for(co_owner)
    assert client.get(reverse("portfolio:card", args=[card.pk])).status_code == 200
    response = client.post(reverse("workshops:team_leave", args=[experiment.pk]))
    assert response.status_code == 302
    assert client.get(reverse("portfolio:card", args=[card.pk])).status_code == 404
    assert client.get(reverse("portfolio:card_edit", args=[card.pk])).status_code == 404
    # Shared with the network, she sees it as anyone signed in does: not as its owner.
    publish(card, Card.Scope.NETWORK)
    page = client.get(reverse("portfolio:card", args=[card.pk]))
    assert page.status_code == 200
    assert page.context["is_owner"] is False
    assert [o.pk for o in page.context["owners"]] == [learner.pk]
