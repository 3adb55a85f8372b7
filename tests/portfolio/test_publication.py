"""Publishing a card: scopes, consent, coordinator approval for the public, withdrawal."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Organisation
from learners.models import Membership
from notifications.models import Notification
from portfolio import services
from portfolio.models import Card
from tests import factories
from tests.portfolio.conftest import bulk_cards, make_experiment, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_coordinator(learner, other_cohort):
    """A coordinator from the learner's own municipality (coordinating another cohort)."""
    user = factories.UserFactory(email="kunta-koordinaattori@example.fi")
    user.organisation = learner.organisation
    user.save()
    factories.MembershipFactory(cohort=other_cohort, user=user, role=Membership.Role.COORDINATOR)
    return user


@pytest.fixture
def network_coordinator(cohort):
    """A coordinator of the Growth Corridor network who coordinates the learner's cohort."""
    network = Organisation.objects.create(
        name="Suomen kasvukäytävä", kind=Organisation.Kind.NETWORK
    )
    user = factories.UserFactory(email="verkosto@example.fi", organisation=network)
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.COORDINATOR)
    return user


def ask_public(client, card, **extra):
    data = {"scope": "public", "consent": "on", **extra}
    return client.post(reverse("portfolio:card_publish", args=[card.pk]), data)


def test_an_owner_publishes_a_card_to_the_network(client_for, learner, card):
    response = client_for(learner).post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "network"}
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.scope == Card.Scope.NETWORK
    assert card.published_at is not None


def test_public_publication_needs_the_consent_and_saves_nothing_without_it(
    client_for, learner, card
):
    response = client_for(learner).post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "public"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["consent"]
    card.refresh_from_db()
    assert (card.scope, card.public_status) == (Card.Scope.PRIVATE, Card.PublicStatus.NONE)


def test_asking_for_public_waits_for_approval_and_tells_the_right_coordinators(
    client_for, learner, card, own_coordinator, network_coordinator, coordinator
):
    assert ask_public(client_for(learner), card).status_code == 302
    card.refresh_from_db()
    # Not public before approval: shown to the network meanwhile.
    assert card.scope == Card.Scope.NETWORK
    assert card.public_status == Card.PublicStatus.PENDING
    assert card.consent_by == learner
    told = set(
        Notification.objects.filter(key__startswith="portfolio-approval").values_list(
            "recipient__email", flat=True
        )
    )
    # The cohort's coordinator from another municipality is not asked.
    assert told == {own_coordinator.email, network_coordinator.email}
    assert Client().get(reverse("portfolio:public_card", args=[card.pk])).status_code == 404


def test_a_coordinator_approves_and_the_card_becomes_public(
    client_for, learner, co_owner, card, own_coordinator
):
    ask_public(client_for(learner), card)
    client = client_for(own_coordinator)
    queue = client.get(reverse("portfolio:approvals"))
    assert [c.pk for c in queue.context["cards"]] == [card.pk]
    page = client.get(reverse("portfolio:approval", args=[card.pk]))
    assert page.status_code == 200
    response = client.post(reverse("portfolio:approval", args=[card.pk]), {"decision": "approve"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.scope, card.public_status) == (Card.Scope.PUBLIC, Card.PublicStatus.APPROVED)
    owners_told = Notification.objects.filter(
        category=Notification.Category.GALLERY, recipient__in=[learner, co_owner]
    )
    assert owners_told.count() == 2
    public = Client().get(reverse("portfolio:public_card", args=[card.pk]))
    assert public.status_code == 200
    html = public.content.decode()
    assert f"<title>{card.title} – {card.organisation.name}" in html
    assert '<meta name="description" content="Kutsuohjattu liityntäkyyti' in html
    # The owners did not choose to show their names.
    assert learner.last_name not in html
    assert co_owner.last_name not in html
    assert learner.email not in html
    assert co_owner.email not in html


def test_a_coordinator_declines_with_a_reason_the_owners_read(
    client_for, learner, card, own_coordinator
):
    ask_public(client_for(learner), card)
    client = client_for(own_coordinator)
    empty = client.post(
        reverse("portfolio:approval", args=[card.pk]), {"decision": "reject", "reason": ""}
    )
    assert empty.status_code == 400
    client.post(
        reverse("portfolio:approval", args=[card.pk]),
        {"decision": "reject", "reason": "Kuvassa näkyy asukkaan nimi."},
    )
    card.refresh_from_db()
    assert card.public_status == Card.PublicStatus.REJECTED
    assert card.scope == Card.Scope.NETWORK
    note = Notification.objects.get(recipient=learner, key__startswith="portfolio-rejected")
    assert "Kuvassa näkyy asukkaan nimi." in note.body
    page = client_for(learner).get(reverse("portfolio:card", args=[card.pk]))
    assert "Kuvassa näkyy asukkaan nimi." in page.content.decode()


def test_coordinators_of_other_organisations_and_learners_cannot_approve(
    client_for, learner, other_learner, coordinator, card
):
    ask_public(client_for(learner), card)
    for person in (coordinator, other_learner, learner):
        client = client_for(person)
        assert client.get(reverse("portfolio:approval", args=[card.pk])).status_code == 404
        client.post(reverse("portfolio:approval", args=[card.pk]), {"decision": "approve"})
    assert client_for(other_learner).get(reverse("portfolio:approvals")).status_code == 403
    card.refresh_from_db()
    assert card.public_status == Card.PublicStatus.PENDING


def test_only_the_team_edits_or_publishes_a_card(client_for, other_learner, instructor, card):
    for person in (other_learner, instructor):
        client = client_for(person)
        assert client.get(reverse("portfolio:card_edit", args=[card.pk])).status_code == 404
        assert (
            client.post(
                reverse("portfolio:card_publish", args=[card.pk]), {"scope": "network"}
            ).status_code
            == 404
        )
    card.refresh_from_db()
    assert card.scope == Card.Scope.PRIVATE


def test_withdrawing_removes_the_card_from_every_listing_at_once(
    client_for, learner, other_learner, card, own_coordinator
):
    publish(card, Card.Scope.PUBLIC)
    client = client_for(learner)
    assert client.post(reverse("portfolio:card_withdraw", args=[card.pk])).status_code == 302
    card.refresh_from_db()
    assert card.scope == Card.Scope.PRIVATE
    viewer = client_for(other_learner)
    assert card not in viewer.get(reverse("portfolio:gallery")).context["page"].object_list
    assert viewer.get(reverse("portfolio:card", args=[card.pk])).status_code == 404
    anonymous = Client()
    assert card not in anonymous.get(reverse("portfolio:public_gallery")).context["page"]
    assert anonymous.get(reverse("portfolio:public_card", args=[card.pk])).status_code == 404


def test_a_withdrawn_card_leaves_search_the_similar_box_and_the_adaptations_at_once(
    client_for, learner, outsider_learner, other_cohort, workshop, card
):
    publish(card, Card.Scope.NETWORK)
    elsewhere = make_experiment(
        owner=outsider_learner,
        cohort=other_cohort,
        workshop=workshop,
        title="Liityntäkyyti Lopelle",
        themes=["mobility"],
    )
    other = publish(services.card_create(experiment=elsewhere), Card.Scope.NETWORK)
    services.card_adapt(card=other, by=learner, experiment=card.experiment, note="Meillä myös.")
    viewer = client_for(outsider_learner)
    search = {"q": "liityntäkyyti"}
    assert card in viewer.get(reverse("portfolio:gallery"), search).context["page"].object_list
    other_page = viewer.get(reverse("portfolio:card", args=[other.pk]))
    assert card in other_page.context["similar"]
    assert [a["card"] for a in other_page.context["adaptations"]] == [card]

    services.card_withdraw(card=card, by=learner)
    assert card not in viewer.get(reverse("portfolio:gallery"), search).context["page"]
    other_page = viewer.get(reverse("portfolio:card", args=[other.pk]))
    assert card not in other_page.context["similar"]
    # The adaptation stays traceable to the municipality, without the private card or its note.
    (adaptation,) = other_page.context["adaptations"]
    assert adaptation["card"] is None
    assert adaptation["note"] == ""
    assert "Meillä myös." not in other_page.content.decode()
    assert card.title not in other_page.content.decode()


def test_withdrawing_a_pending_request_empties_the_approval_queue(
    client_for, learner, card, own_coordinator
):
    ask_public(client_for(learner), card)
    assert Notification.objects.filter(recipient=own_coordinator).exists()
    client_for(learner).post(reverse("portfolio:card_withdraw", args=[card.pk]))
    queue = client_for(own_coordinator).get(reverse("portfolio:approvals"))
    assert queue.context["cards"] == []
    # The request is gone from the coordinator's notifications too.
    assert not Notification.objects.filter(recipient=own_coordinator).exists()


def test_editing_a_public_cards_text_asks_for_approval_and_keeps_it_public_as_approved(
    client_for, learner, card, own_coordinator
):
    publish(card, Card.Scope.PUBLIC)
    services.card_update(card=card, by=learner, data={"title": card.title, "lessons": "Uusi"})
    card.refresh_from_db()
    assert (card.scope, card.public_status) == (Card.Scope.PUBLIC, Card.PublicStatus.PENDING)
    assert (card.lessons, card.approved_version["lessons"]) == ("Uusi", "")
    assert Notification.objects.filter(
        recipient=own_coordinator, key__startswith="portfolio-approval"
    ).exists()


def test_the_database_refuses_a_public_card_that_was_never_approved(card):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=card.pk).update(scope=Card.Scope.PUBLIC)


def test_the_approval_queue_keeps_a_flat_query_count(
    client_for, learner, own_coordinator, cohort, workshop, django_assert_num_queries
):
    def pending(n):
        cards = bulk_cards(
            n=n, cohort=cohort, workshop=workshop, owner=learner, organisation=learner.organisation
        )
        Card.objects.filter(pk__in=[c.pk for c in cards]).update(
            public_status=Card.PublicStatus.PENDING,
            requested_at=timezone.now(),
            consent_by=learner,
        )

    client = client_for(own_coordinator)
    url = reverse("portfolio:approvals")
    pending(3)
    client.get(url)
    # The session, the person with the navigation (2); the coordinator's organisation (1); the
    # waiting cards with their experiments, organisations and who asked (1); their teams (1).
    # (12 allowed before, then as many as with 3 cards.)
    with django_assert_num_queries(5):
        client.get(url)
    pending(30)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["cards"]) == 33
