"""A team from several towns, everywhere a card's municipality counts (session 11).

Oona is from Hattula and Kaisa, on her team, from Janakkala; the card is listed under Hattula
(its creator's). Now:

- the coordinators of every team member's town are asked to approve it for the public (each
  once), and the link they get opens the approval page;
- the gallery's municipality filter and its list of towns, and "similar experiments
  elsewhere", count every member's town;
- the search finds the card by any member's town, and reindexes it when the team or a
  member's town changes;
- the gallery's tiles, the similar box and the portfolio PDF name every town of the team, in
  a fixed number of queries however many cards.
"""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from core.models import Organisation, User
from core.search import reindex_related
from learners.models import Membership
from notifications.models import Notification
from portfolio import selectors, services
from portfolio.access import card_approvers
from portfolio.models import Card
from tests import factories
from tests.portfolio.conftest import make_experiment, publish
from workshops.models import Experiment, ExperimentMember

pytestmark = pytest.mark.django_db


def town(name: str) -> Organisation:
    return factories.OrganisationFactory(name=name)


def person(cohort, role, name: str, **fields) -> User:
    user = factories.UserFactory(organisation=town(name), **fields)
    factories.MembershipFactory(cohort=cohort, user=user, role=role)
    return user


@pytest.fixture
def learner(cohort):
    return person(cohort, Membership.Role.LEARNER, "Hattula", email="oona@example.fi")


@pytest.fixture
def co_owner(cohort):
    return person(cohort, Membership.Role.LEARNER, "Janakkala", email="kaisa@example.fi")


def coordinator_of(name: str, cohort) -> User:
    """A coordinator from the town `name`, coordinating a cohort of their own."""
    return person(cohort, Membership.Role.COORDINATOR, name)


@pytest.fixture
def hattula_coordinator(other_cohort):
    return coordinator_of("Hattula", other_cohort)


@pytest.fixture
def janakkala_coordinator(other_cohort):
    return coordinator_of("Janakkala", other_cohort)


@pytest.fixture
def loppi_coordinator(other_cohort):
    return coordinator_of("Loppi", other_cohort)


def join(experiment: Experiment, user: User) -> None:
    ExperimentMember.objects.create(
        experiment=experiment, user=user, cohort=experiment.cohort, workshop=experiment.workshop
    )


def ask_public(client, card: Card):
    return client.post(
        reverse("portfolio:card_publish", args=[card.pk]), {"scope": "public", "consent": "on"}
    )


def asked(card: Card) -> list[str]:
    return sorted(
        Notification.objects.filter(key__startswith=f"portfolio-approval-{card.pk}-").values_list(
            "recipient__email", flat=True
        )
    )


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [c.pk for c in response.context["page"].object_list]


def tile_of(html: str, card: Card) -> str:
    """The text under the tile's title: its towns, phase and outcome."""
    link = reverse("portfolio:card", args=[card.pk])
    return html.split(f'href="{link}"')[1].split("</p>")[0]


# --- who is asked to approve -----------------------------------------------------------------


def test_the_coordinators_of_every_team_members_town_are_asked(
    client_for, learner, card, hattula_coordinator, janakkala_coordinator, loppi_coordinator
):
    assert ask_public(client_for(learner), card).status_code == 302
    assert asked(card) == sorted([hattula_coordinator.email, janakkala_coordinator.email])


def test_the_link_a_team_mates_coordinator_gets_opens_and_approves(
    client_for, learner, card, janakkala_coordinator
):
    ask_public(client_for(learner), card)
    note = Notification.objects.get(recipient=janakkala_coordinator)
    client = client_for(janakkala_coordinator)
    assert client.get(note.url).status_code == 200
    queue = client.get(reverse("portfolio:approvals"))
    assert [c.pk for c in queue.context["cards"]] == [card.pk]
    client.post(note.url, {"decision": "approve"})
    card.refresh_from_db()
    assert card.scope == Card.Scope.PUBLIC


def test_a_coordinator_of_a_town_outside_the_team_cannot_open_it(
    client_for, learner, card, loppi_coordinator
):
    ask_public(client_for(learner), card)
    client = client_for(loppi_coordinator)
    assert client.get(reverse("portfolio:approval", args=[card.pk])).status_code == 404
    assert list(client.get(reverse("portfolio:approvals")).context["cards"]) == []


def test_each_coordinator_is_asked_once_however_many_of_the_team_share_their_town(
    client_for, cohort, learner, co_owner, card, hattula_coordinator, janakkala_coordinator
):
    for name in ("Janakkala", "Hattula"):
        join(card.experiment, person(cohort, Membership.Role.LEARNER, name))
    approvers = [u.pk for u in card_approvers(card)]
    assert sorted(approvers) == sorted([hattula_coordinator.pk, janakkala_coordinator.pk])
    ask_public(client_for(co_owner), card)
    assert asked(card) == sorted([hattula_coordinator.email, janakkala_coordinator.email])


# --- the gallery's filter, its towns and the similar box ---------------------------------------


@pytest.fixture
def loppi_card(cohort, workshop):
    """A network card from Loppi, on another theme, with no tie to Oona's team."""
    owner = person(cohort, Membership.Role.LEARNER, "Loppi")
    experiment = make_experiment(
        owner=owner, cohort=cohort, workshop=workshop, title="Kirjastoauto", themes=["mobility"]
    )
    return publish(services.card_create(experiment=experiment), Card.Scope.NETWORK)


def test_the_gallery_finds_a_team_card_under_every_members_town(
    client_for, other_learner, card, loppi_card
):
    publish(card, Card.Scope.NETWORK)
    client = client_for(other_learner)
    url = reverse("portfolio:gallery")
    offered = client.get(url).context["form"].fields["organisation"].choices
    assert {name for _pk, name in offered} >= {"Hattula", "Janakkala", "Loppi"}
    for name in ("Hattula", "Janakkala"):
        found = client.get(url, {"organisation": Organisation.objects.get(name=name).pk})
        assert listed(found) == [card.pk]


def test_a_town_only_a_private_team_card_has_is_not_offered(
    client_for, outsider_learner, card, loppi_card
):
    offered = client_for(outsider_learner).get(reverse("portfolio:gallery"))
    names = {name for _pk, name in offered.context["form"].fields["organisation"].choices}
    assert "Loppi" in names
    assert not names & {"Hattula", "Janakkala"}


def test_similar_experiments_elsewhere_leave_out_cards_sharing_a_town_of_the_team(
    client_for, cohort, workshop, other_learner, card
):
    card = publish(card, Card.Scope.NETWORK)
    # From Loppi, with someone from Janakkala on the team: not "elsewhere" for Oona's card.
    loppi = person(cohort, Membership.Role.LEARNER, "Loppi")
    shared = make_experiment(
        owner=loppi,
        cohort=cohort,
        workshop=workshop,
        title="Kutsuohjattu kyyti",
        themes=["mobility"],
    )
    join(shared, person(cohort, Membership.Role.LEARNER, "Janakkala"))
    shared_card = publish(services.card_create(experiment=shared), Card.Scope.NETWORK)
    elsewhere = make_experiment(
        owner=person(cohort, Membership.Role.LEARNER, "Hausjärvi"),
        cohort=cohort,
        workshop=workshop,
        title="Asemakyyti",
        themes=["mobility"],
    )
    join(elsewhere, person(cohort, Membership.Role.LEARNER, "Loppi"))
    elsewhere_card = publish(services.card_create(experiment=elsewhere), Card.Scope.NETWORK)
    client = client_for(other_learner)

    page = client.get(reverse("portfolio:card", args=[card.pk]))
    assert [c.pk for c in page.context["similar"]] == [elsewhere_card.pk]
    # The box names every town of the team it lists.
    box = page.content.decode().split('data-testid="similar"')[1]
    assert "Hausjärvi, Loppi · " in box
    back = client.get(reverse("portfolio:card", args=[shared_card.pk]))
    assert card.pk not in [c.pk for c in back.context["similar"]]


# --- search ------------------------------------------------------------------------------------


def found_by(client, query: str) -> list[int]:
    return listed(client.get(reverse("portfolio:gallery"), {"q": query}))


def test_a_team_card_is_found_by_a_team_mates_town(client_for, other_learner, card, loppi_card):
    publish(card, Card.Scope.NETWORK)
    client = client_for(other_learner)
    assert found_by(client, "Janakkala") == [card.pk]
    assert found_by(client, "Hattula") == [card.pk]


def test_a_team_mate_moving_to_another_town_reindexes_the_card(
    client_for, other_learner, co_owner, card
):
    publish(card, Card.Scope.NETWORK)
    co_owner.organisation = town("Hausjärvi")
    co_owner.save(update_fields=["organisation"])
    reindex_related(User, [co_owner.pk])
    client = client_for(other_learner)
    assert found_by(client, "Hausjärvi") == [card.pk]
    assert found_by(client, "Janakkala") == []


def test_a_new_team_mate_reindexes_the_card_through_its_experiment(
    client_for, cohort, other_learner, card
):
    publish(card, Card.Scope.NETWORK)
    join(card.experiment, person(cohort, Membership.Role.LEARNER, "Loppi"))
    reindex_related(Experiment, [card.experiment_id])
    assert found_by(client_for(other_learner), "Loppi") == [card.pk]


def test_renaming_a_team_mates_town_reindexes_the_card(client_for, other_learner, co_owner, card):
    publish(card, Card.Scope.NETWORK)
    Organisation.objects.filter(pk=co_owner.organisation_id).update(name="Hausjärvi")
    reindex_related(Organisation, [co_owner.organisation_id])
    assert found_by(client_for(other_learner), "Hausjärvi") == [card.pk]


def test_adding_a_team_mate_in_the_app_makes_the_card_findable_by_their_town(
    client_for, cohort, learner, other_learner, card
):
    publish(card, Card.Scope.NETWORK)
    mate = person(cohort, Membership.Role.LEARNER, "Loppi")
    response = client_for(learner).post(
        reverse("workshops:experiment_edit", args=[card.experiment_id]), {"email": mate.email}
    )
    assert response.status_code == 302
    assert found_by(client_for(other_learner), "Loppi") == [card.pk]


# --- tiles and the PDF -------------------------------------------------------------------------


def test_a_gallery_tile_names_every_town_of_the_team_once(client_for, cohort, other_learner, card):
    join(card.experiment, person(cohort, Membership.Role.LEARNER, "Janakkala"))
    publish(card, Card.Scope.NETWORK)
    tile = tile_of(
        client_for(other_learner).get(reverse("portfolio:gallery")).content.decode(), card
    )
    assert "Hattula, Janakkala · " in tile
    assert tile.count("Janakkala") == 1


def test_a_public_tile_names_every_town_of_the_team(client, card):
    publish(card, Card.Scope.PUBLIC)
    html = client.get(reverse("portfolio:public_gallery")).content.decode()
    link = reverse("portfolio:public_card", args=[card.pk])
    assert "Hattula, Janakkala · " in html.split(f'href="{link}"')[1].split("</p>")[0]


def team_cards(n: int, *, cohort, workshop) -> list[Card]:
    """`n` network cards, each by a team of three from three towns of its own."""
    cards = []
    for i in range(n):
        owner = person(cohort, Membership.Role.LEARNER, f"Kotikunta {i}")
        experiment = make_experiment(
            owner=owner, cohort=cohort, workshop=workshop, title=f"Tiimikokeilu {i}"
        )
        for name in (f"Naapurikunta {i}", f"Kaukokunta {i}"):
            join(experiment, person(cohort, Membership.Role.LEARNER, name))
        cards.append(publish(services.card_create(experiment=experiment), Card.Scope.NETWORK))
    return cards


def test_the_gallery_reads_the_teams_towns_in_a_fixed_number_of_queries(
    client_for, cohort, workshop, other_learner, django_assert_num_queries
):
    client = client_for(other_learner)
    url = reverse("portfolio:gallery")
    team_cards(2, cohort=cohort, workshop=workshop)
    client.get(url)
    # The session, the person with the navigation (2); the facets (2); the count and the page
    # of cards (2); the page's themes, and its teams with every member's town in one query
    # (2). (10 allowed before, then as many as with 2 cards.)
    with django_assert_num_queries(8):
        client.get(url)
    cards = team_cards(8, cohort=cohort, workshop=workshop)
    with django_assert_num_queries(8):
        html = client.get(url).content.decode()
    for i, card in enumerate(cards):
        assert f"Kotikunta {i}, Naapurikunta {i}, Kaukokunta {i} · " in tile_of(html, card)


def test_the_portfolio_pdf_names_every_town_of_the_team(client_for, monkeypatch, learner, card):
    rendered: list[str] = []

    def html_to_pdf(html: str) -> bytes:
        rendered.append(html)
        return b"%PDF-1.7"

    monkeypatch.setattr("portfolio.views.html_to_pdf", html_to_pdf)
    response = client_for(learner).get(reverse("portfolio:export"))
    assert response.status_code == 200
    [html] = rendered
    assert 'class="meta">Hattula, Janakkala · ' in html.split(f"<h3>{card.title}</h3>")[1]


def test_the_portfolio_pdfs_cards_read_their_teams_towns_in_a_fixed_number_of_queries(
    cohort, learner, django_assert_num_queries
):
    # The export view's own indicator lookups per card are another matter (impact app):
    # this measures what the portfolio's cards and their template read.
    def learners_team_card(i: int) -> None:
        # One experiment per learner per workshop: each of Oona's in a workshop of its own.
        workshop = factories.WorkshopFactory(course=cohort.course)
        experiment = make_experiment(
            owner=learner, cohort=cohort, workshop=workshop, title=f"Oonan kokeilu {i}"
        )
        join(experiment, person(cohort, Membership.Role.LEARNER, f"Tiimikunta {i}"))
        services.card_create(experiment=experiment)

    def render() -> str:
        learner.refresh_from_db()
        return render_to_string(
            "portfolio/portfolio_pdf.html",
            {"person": learner, "portfolio": selectors.portfolio_for(user=learner), "outcomes": {}},
        )

    learners_team_card(0)
    # The person again (1); the reflections and those in the portfolio (2); the certificates
    # (1); the cards with their counts (1), their themes and teams with their towns (2); the
    # person's organisation (1). (10 allowed before, then as many as with 1 card.)
    with django_assert_num_queries(8):
        render()
    for i in range(1, 6):
        learners_team_card(i)
    with django_assert_num_queries(8):
        html = render()
    for i in range(6):
        assert f"Tiimikunta {i} · " in html
