"""Network members ask a card's team and mark "we tried this too"."""

import pytest
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from portfolio import services
from portfolio.models import Adaptation, Card
from tests import factories
from tests.portfolio.conftest import make_experiment, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_card(card):
    return publish(card, Card.Scope.NETWORK)


@pytest.fixture
def outsider_experiment(outsider_learner, other_cohort, workshop):
    return make_experiment(
        owner=outsider_learner,
        cohort=other_cohort,
        workshop=workshop,
        title="Liityntäkyyti Lopelle",
        themes=["mobility"],
    )


def test_a_question_notifies_both_owners_and_shows_in_the_thread(
    client_for, learner, co_owner, outsider_learner, network_card
):
    client = client_for(outsider_learner)
    response = client.post(
        reverse("portfolio:card_ask", args=[network_card.pk]),
        {"text": "Miten kuljettajat löytyivät?"},
    )
    assert response.status_code == 302
    notes = Notification.objects.filter(category=Notification.Category.GALLERY)
    assert set(notes.values_list("recipient", flat=True)) == {learner.pk, co_owner.pk}
    assert "Miten kuljettajat löytyivät?" in notes.first().body
    assert notes.first().url == reverse("portfolio:card", args=[network_card.pk])
    page = client.get(reverse("portfolio:card", args=[network_card.pk]))
    assert "Miten kuljettajat löytyivät?" in page.content.decode()


def test_an_owners_answer_notifies_the_asker_not_the_team(
    client_for, learner, co_owner, outsider_learner, network_card
):
    services.card_ask(card=network_card, author=outsider_learner, text="Mitä maksoi?")
    Notification.objects.all().delete()
    client_for(learner).post(
        reverse("portfolio:card_ask", args=[network_card.pk]), {"text": "Noin 2 000 euroa."}
    )
    assert list(Notification.objects.values_list("recipient", flat=True)) == [outsider_learner.pk]


def test_an_empty_question_is_refused_with_a_clear_error(
    client_for, outsider_learner, network_card
):
    response = client_for(outsider_learner).post(
        reverse("portfolio:card_ask", args=[network_card.pk]), {"text": "  "}
    )
    assert response.status_code == 400
    assert not network_card.messages.exists()


def test_we_tried_this_too_links_an_own_experiment_and_tells_the_owners(
    client_for, learner, outsider_learner, network_card, outsider_experiment
):
    client = client_for(outsider_learner)
    page = client.get(reverse("portfolio:card", args=[network_card.pk]))
    assert page.context["can_adapt"]
    response = client.post(
        reverse("portfolio:card_adapt", args=[network_card.pk]),
        {"experiment": outsider_experiment.pk, "note": "Meillä kyydit tilattiin tekstiviestillä."},
    )
    assert response.status_code == 302
    adaptation = Adaptation.objects.get()
    assert (adaptation.card, adaptation.experiment) == (network_card, outsider_experiment)
    assert Notification.objects.filter(
        recipient=learner, key=f"portfolio-adapted-{adaptation.pk}"
    ).exists()
    again = client.post(
        reverse("portfolio:card_adapt", args=[network_card.pk]),
        {"experiment": outsider_experiment.pk},
    )
    assert again.status_code == 400
    assert Adaptation.objects.count() == 1


def test_the_card_shows_its_adaptations_only_as_far_as_their_cards_are_visible(
    client_for, learner, outsider_learner, network_card, outsider_experiment
):
    services.card_adapt(card=network_card, by=outsider_learner, experiment=outsider_experiment)
    adapted = services.card_create(experiment=outsider_experiment)
    url = reverse("portfolio:card", args=[network_card.pk])
    # The adapting card is private: the owners see that it was tried, and where, not what.
    rows = client_for(learner).get(url).context["adaptations"]
    assert [r["card"] for r in rows] == [None]
    assert rows[0]["organisation"] == outsider_learner.organisation
    publish(adapted, Card.Scope.NETWORK)
    rows = client_for(learner).get(url).context["adaptations"]
    assert [r["card"].pk for r in rows] == [adapted.pk]
    assert "Liityntäkyyti Lopelle" in client_for(learner).get(url).content.decode()


def test_someone_cannot_link_another_persons_experiment(
    client_for, other_learner, network_card, outsider_experiment
):
    response = client_for(other_learner).post(
        reverse("portfolio:card_adapt", args=[network_card.pk]),
        {"experiment": outsider_experiment.pk},
    )
    assert response.status_code == 400
    assert not Adaptation.objects.exists()


def test_an_experiment_cannot_adapt_itself(learner, network_card):
    with pytest.raises(services.PortfolioError):
        services.card_adapt(card=network_card, by=learner, experiment=network_card.experiment)


def test_a_team_member_in_another_cohort_is_not_offered_the_form_without_experiments(
    client_for, network_card, other_cohort
):
    newcomer = factories.UserFactory()
    factories.MembershipFactory(cohort=other_cohort, user=newcomer, role=Membership.Role.LEARNER)
    page = client_for(newcomer).get(reverse("portfolio:card", args=[network_card.pk]))
    assert page.status_code == 200
    assert not page.context["can_adapt"]
    assert b'data-testid="adapt-form"' not in page.content


def test_the_adapting_card_shows_where_the_idea_came_from(
    client_for, learner, outsider_learner, network_card, outsider_experiment
):
    services.card_adapt(card=network_card, by=outsider_learner, experiment=outsider_experiment)
    adapted = publish(services.card_create(experiment=outsider_experiment), Card.Scope.NETWORK)
    page = client_for(learner).get(reverse("portfolio:card", args=[adapted.pk]))
    assert [c.pk for c in page.context["origins"]] == [network_card.pk]
    # Withdrawn, the original no longer shows as the origin.
    services.card_withdraw(card=network_card, by=learner)
    page = client_for(outsider_learner).get(reverse("portfolio:card", args=[adapted.pk]))
    assert page.context["origins"] == []


def test_withdrawing_a_card_removes_it_from_notifications_outside_the_team(
    learner, co_owner, outsider_learner, network_card
):
    services.card_ask(card=network_card, author=outsider_learner, text="Mitä maksoi?")
    services.card_ask(card=network_card, author=learner, text="Noin 2 000 euroa.")
    assert Notification.objects.filter(recipient=outsider_learner).count() == 1
    services.card_withdraw(card=network_card, by=learner)
    # Neither the asker's list nor a later digest shows the private card's title or text.
    assert not Notification.objects.filter(recipient=outsider_learner).exists()
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        learner.pk,
        co_owner.pk,
    }


def test_narrowing_the_scope_keeps_notifications_only_of_those_still_in_it(
    learner, other_learner, outsider_learner, network_card
):
    for asker in (other_learner, outsider_learner):
        services.card_ask(card=network_card, author=asker, text=f"Kysymys {asker.pk}")
    services.card_ask(card=network_card, author=learner, text="Vastaus kaikille.")
    services.card_publish(card=network_card, by=learner, scope=Card.Scope.COHORT)
    # The same-cohort learner still sees the card; the other cohort's learner does not.
    assert Notification.objects.filter(recipient=other_learner).count() == 1
    assert not Notification.objects.filter(recipient=outsider_learner).exists()


def test_the_adapting_team_can_remove_its_link_and_nobody_else_can(
    client_for, learner, other_learner, outsider_learner, network_card, outsider_experiment
):
    services.card_adapt(card=network_card, by=outsider_learner, experiment=outsider_experiment)
    adapted = publish(services.card_create(experiment=outsider_experiment), Card.Scope.NETWORK)
    url = reverse("portfolio:card_unadapt", args=[adapted.pk, network_card.pk])
    page = client_for(outsider_learner).get(reverse("portfolio:card", args=[adapted.pk]))
    assert b'data-testid="unadapt-form"' in page.content
    # Neither the original's owner nor another learner removes the adapting team's statement.
    assert client_for(learner).post(url).status_code == 404
    assert client_for(other_learner).post(url).status_code == 404
    reverse_way = reverse("portfolio:card_unadapt", args=[network_card.pk, adapted.pk])
    assert client_for(learner).post(reverse_way).status_code == 404
    assert Adaptation.objects.count() == 1

    response = client_for(outsider_learner).post(url)
    assert response.status_code == 302
    assert not Adaptation.objects.exists()
    page = client_for(learner).get(reverse("portfolio:card", args=[network_card.pk]))
    assert page.context["adaptations"] == []
