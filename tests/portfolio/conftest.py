"""Fixtures for the portfolio and the gallery.

Viewers of a card: its `learner` owner and `co_owner` (a teammate from another municipality),
`other_learner` of the same cohort, `outsider_learner` of another cohort (another
municipality), the cohort's `instructor` and `coordinator`, and nobody signed in.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.models import Organisation
from learners.models import Membership
from portfolio import services
from portfolio.models import Card
from tests import factories
from workshops import services as workshop_services
from workshops.models import Experiment, ExperimentMember, Theme


@pytest.fixture
def workshop(assignment):
    return assignment.workshop


@pytest.fixture
def co_owner(cohort):
    user = factories.UserFactory(email="kaisa@example.fi", first_name="Kaisa")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    return user


def all_themes() -> list[Theme]:
    # A browser test's flush empties the themes table for the transactional tests after it.
    workshop_services.themes_ensure()
    return list(Theme.objects.order_by("pk"))


def theme(code: str) -> Theme:
    return next(t for t in all_themes() if t.code == code)


def make_experiment(*, owner, cohort, workshop, title, themes=(), challenge=""):
    return workshop_services.experiment_create(
        learner=owner,
        workshop=workshop,
        cohort=cohort,
        title=title,
        themes=[theme(c) for c in themes],
        challenge=challenge,
    )


def publish(card: Card, scope: str, *, by=None) -> Card:
    """Set a card's scope directly (public ones as approved), as the services would."""
    fields = {"scope": scope, "published_at": timezone.now()}
    if scope == Card.Scope.PUBLIC:
        fields["public_status"] = Card.PublicStatus.APPROVED
    Card.objects.filter(pk=card.pk).update(**fields)
    services.card_index(card_ids=[card.pk])
    card.refresh_from_db()
    return card


@pytest.fixture
def experiment(learner, co_owner, cohort, workshop):
    """Oona's (and Kaisa's) travel-chain experiment."""
    exp = make_experiment(
        owner=learner,
        cohort=cohort,
        workshop=workshop,
        title="Liityntäkyyti asemalle",
        themes=["mobility", "multi-locality"],
        challenge="Kylistä on vaikea päästä rautatieasemalle ilman autoa.",
    )
    ExperimentMember.objects.create(experiment=exp, user=co_owner, cohort=cohort, workshop=workshop)
    return exp


@pytest.fixture
def card(experiment):
    card = services.card_create(experiment=experiment)
    Card.objects.filter(pk=card.pk).update(
        summary="Kutsuohjattu liityntäkyyti kylistä rautatieasemalle.",
        tried="Kokeilimme kutsuohjattua kyytiä kolmesta kylästä asemalle junien aikoihin.",
    )
    services.card_index(card_ids=[card.pk])
    card.refresh_from_db()
    return card


def bulk_cards(*, n, cohort, workshop, owner, organisation=None, scope=Card.Scope.NETWORK, word=""):
    """`n` published cards in one go (for query budgets): experiments without teams."""
    experiments = Experiment.objects.bulk_create(
        Experiment(
            workshop=workshop,
            cohort=cohort,
            title=f"Kokeilu {word} {i}",
            created_by=owner,
        )
        for i in range(n)
    )
    themes = all_themes()
    Experiment.themes.through.objects.bulk_create(
        Experiment.themes.through(experiment_id=e.pk, theme_id=themes[i % len(themes)].pk)
        for i, e in enumerate(experiments)
    )
    org = organisation or Organisation.objects.create(name=f"Bulkkikunta {Card.objects.count()}")
    now = timezone.now()
    cards = Card.objects.bulk_create(
        Card(
            experiment=e,
            organisation=org,
            title=e.title,
            summary=f"Tiivistelmä {word} {i}",
            need="Matkaketjut eivät toimi.",
            scope=scope,
            public_status=(
                Card.PublicStatus.APPROVED if scope == Card.Scope.PUBLIC else Card.PublicStatus.NONE
            ),
            published_at=now,
        )
        for i, e in enumerate(experiments)
    )
    services.card_index(card_ids=[c.pk for c in cards])
    return cards
