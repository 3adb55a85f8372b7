"""The learner's portfolio: a card per experiment pre-filled from the phases, edited for
publication; chosen reflections; certificates; the PDF export."""

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Certificate, Item, Reflection
from learners.models import Membership
from portfolio import services
from portfolio.models import Card, IncludedReflection
from tests import factories
from tests.portfolio.conftest import make_experiment, publish
from workshops.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def phases(assignment):
    by_phase = {1: assignment}
    for phase in range(2, 7):
        by_phase[phase] = factories.AssignmentFactory(
            workshop=assignment.workshop, phase=phase, title=f"Vaihe {phase}"
        )
    return by_phase


def answer(experiment, assignment, text, status=Submission.Status.APPROVED, version=1):
    return Submission.objects.create(
        experiment=experiment,
        assignment=assignment,
        cohort=experiment.cohort,
        learner=experiment.created_by,
        version=version,
        text=text,
        status=status,
    )


def test_every_experiment_of_the_learner_becomes_a_card_prefilled_from_its_phases(
    client_for, learner, co_owner, experiment, phases
):
    answer(
        experiment,
        phases[1],
        "Vanha haaste",
        version=1,
        status=Submission.Status.REVISION_REQUESTED,
    )
    answer(experiment, phases[1], "Haaste: asemalle ei pääse.", version=2)
    answer(experiment, phases[2], "Jos kyyti on tilattavissa, autoton pääsee junalle.")
    answer(experiment, phases[3], "Kolme kylää, kuusi viikkoa.")
    answer(experiment, phases[4], "Kyytejä ajettiin 42.", status=Submission.Status.RECEIVED)
    answer(experiment, phases[5], "Käyttäjiä 31, tavoite 25.")
    answer(experiment, phases[6], "Skaalataan koko kaupunkiin.")
    response = client_for(learner).get(reverse("portfolio:home"))
    assert response.status_code == 200
    card = Card.objects.get(experiment=experiment)
    assert [c.pk for c in response.context["portfolio"].cards] == [card.pk]
    assert card.title == experiment.title
    assert "Haaste: asemalle ei pääse." in card.need
    assert "Vanha" not in card.need
    assert card.hypothesis.startswith("Jos kyyti")
    assert "Kolme kylää" in card.tried
    assert "Kyytejä ajettiin 42." in card.tried
    assert card.results == "Käyttäjiä 31, tavoite 25."
    assert card.lessons == "Skaalataan koko kaupunkiin."
    assert card.scope == Card.Scope.PRIVATE
    # The co-owner's portfolio shows the same card, not a second one.
    co_page = client_for(co_owner).get(reverse("portfolio:home"))
    assert [c.pk for c in co_page.context["portfolio"].cards] == [card.pk]
    assert Card.objects.count() == 1


def test_the_team_edits_the_card_for_publication(client_for, co_owner, card):
    data = {
        "title": "Liityntäkyyti – kokeilu",
        "summary": "Lyhyesti.",
        "context": "Hämeenlinnan kylät.",
        "need": card.need,
        "hypothesis": "",
        "tried": card.tried,
        "results": "31 käyttäjää.",
        "lessons": "",
        "scaling": "Sopii muillekin kunnille.",
        "contacts": "liikenne@hameenlinna.fi",
        "outcome": "scale",
        "show_names": "on",
    }
    response = client_for(co_owner).post(reverse("portfolio:card_edit", args=[card.pk]), data)
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.title, card.outcome, card.show_names) == ("Liityntäkyyti – kokeilu", "scale", True)
    assert card.scaling == "Sopii muillekin kunnille."


def test_a_card_without_a_title_is_not_saved(client_for, learner, card):
    response = client_for(learner).post(
        reverse("portfolio:card_edit", args=[card.pk]), {"title": "", "outcome": "open"}
    )
    assert response.status_code == 400
    card.refresh_from_db()
    assert card.title == "Liityntäkyyti asemalle"


def test_prefill_fills_only_empty_sections(client_for, learner, card, phases):
    answer(card.experiment, phases[5], "Tulokset vaiheesta viisi.")
    Card.objects.filter(pk=card.pk).update(tried="Oma teksti.")
    client_for(learner).post(reverse("portfolio:card_prefill", args=[card.pk]))
    card.refresh_from_db()
    assert card.results == "Tulokset vaiheesta viisi."
    assert card.tried == "Oma teksti."


def test_the_learner_chooses_reflections_and_sees_their_certificates(
    client_for, learner, other_learner, course, cohort
):
    items = list(Item.objects.filter(module__course=course)[:3])
    mine = [Reflection.objects.create(user=learner, item=i, text=f"Pohdinta {i.pk}") for i in items]
    theirs = Reflection.objects.create(user=other_learner, item=items[0], text="Ollin pohdinta")
    client = client_for(learner)
    client.post(
        reverse("portfolio:reflections"),
        {"reflection": [mine[0].pk, mine[2].pk, theirs.pk]},
    )
    assert set(IncludedReflection.objects.values_list("reflection", flat=True)) == {
        mine[0].pk,
        mine[2].pk,
    }
    Certificate.objects.create(
        user=learner,
        course=course,
        cohort=cohort,
        code="ABC123",
        status=Certificate.Status.ISSUED,
        course_title="Alueagentti",
        issued_at=timezone.now(),
    )
    page = client.get(reverse("portfolio:home"))
    assert [r.pk for r in page.context["portfolio"].included_reflections] == [
        mine[0].pk,
        mine[2].pk,
    ]
    assert b'data-testid="portfolio-certificate"' in page.content
    assert "Ollin pohdinta" not in page.content.decode()


def test_the_portfolio_exports_to_pdf(client_for, learner, card, cohort, workshop):
    import io

    from pypdf import PdfReader

    from core.pdf import html_to_pdf

    if html_to_pdf("<p>x</p>") is None:
        pytest.skip("WeasyPrint cannot run here")
    # Someone else's published card of the same cohort is not in this learner's export.
    someone = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=someone, role=Membership.Role.LEARNER)
    theirs = services.card_create(
        experiment=make_experiment(
            owner=someone, cohort=cohort, workshop=workshop, title="Toisen kokeilu"
        )
    )
    publish(theirs, Card.Scope.NETWORK)
    response = client_for(learner).get(reverse("portfolio:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert card.title in text
    assert "Kutsuohjattu liityntäkyyti" in text  # the card's summary
    assert "Toisen kokeilu" not in text


def test_the_portfolio_needs_signing_in(client):
    assert client.get(reverse("portfolio:home")).status_code == 302
    assert client.get(reverse("portfolio:export")).status_code == 302


def test_the_portfolio_page_keeps_a_flat_query_count(
    client_for, learner, card, django_assert_num_queries
):
    client = client_for(learner)
    client.get(reverse("portfolio:home"))
    # The session, the person with the navigation's roles and unread badge (2); the team's
    # experiments without a card yet (1); the reflections and those in the portfolio (2); the
    # certificates (1); the cards with their adaptation and message counts (1), their themes
    # and teams with their towns (2). A message more counts in the same query. (12 allowed
    # before.)
    with django_assert_num_queries(9):
        client.get(reverse("portfolio:home"))
    services.card_ask(card=card, author=learner, text="Muistiinpano")
    with django_assert_num_queries(9):
        client.get(reverse("portfolio:home"))


def test_a_reflection_on_a_removed_section_stays_in_the_portfolio_with_its_title(
    client_for, learner, course
):
    from courses import authoring

    item = Item.objects.filter(module__course=course).first()
    reflection = Reflection.objects.create(user=learner, item=item, text="Pohdinta jää")
    client = client_for(learner)
    client.post(reverse("portfolio:reflections"), {"reflection": [reflection.pk]})
    title = item.title
    authoring.item_delete(item=item)
    page = client.get(reverse("portfolio:home")).content.decode()
    assert "Pohdinta jää" in page
    assert f"<strong>{title}</strong>" in page
    assert "Poistettu osio" in page
