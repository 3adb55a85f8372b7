"""The card's team gets an answer form only under a question someone has asked, and an empty
question or answer is refused on the card page itself, with a message that names which."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from portfolio import services
from portfolio.models import Card
from tests.portfolio.conftest import publish

pytestmark = pytest.mark.django_db

FORM = 'data-testid="question-form"'


@pytest.fixture
def network_card(card):
    return publish(card, Card.Scope.NETWORK)


def _text(message: str) -> str:
    with translation.override("fi"):
        return escape(translation.gettext(message))


def test_the_team_sees_no_answer_form_while_nobody_has_asked(client_for, learner, network_card):
    page = client_for(learner).get(reverse("portfolio:card", args=[network_card.pk]))
    assert page.status_code == 200
    assert FORM not in page.content.decode()


def test_the_team_sees_no_answer_form_under_its_own_notes_only(client_for, learner, network_card):
    services.card_ask(card=network_card, author=learner, text="Oma muistiinpano")
    page = client_for(learner).get(reverse("portfolio:card", args=[network_card.pk]))
    assert FORM not in page.content.decode()


def test_the_team_sees_one_answer_form_under_questions(
    client_for, learner, outsider_learner, co_owner, network_card
):
    services.card_ask(card=network_card, author=outsider_learner, text="Mitä maksoi?")
    services.card_ask(card=network_card, author=learner, text="Noin 2 000 euroa.")
    services.card_ask(card=network_card, author=outsider_learner, text="Entä kuljettajat?")
    html = client_for(co_owner).get(reverse("portfolio:card", args=[network_card.pk]))
    html = html.content.decode()
    assert html.count(FORM) == 1
    assert html.index("Entä kuljettajat?") < html.index(FORM)
    assert _text("Send the answer") in html


def test_others_still_get_the_question_form_before_anyone_has_asked(
    client_for, outsider_learner, network_card
):
    html = client_for(outsider_learner).get(reverse("portfolio:card", args=[network_card.pk]))
    html = html.content.decode()
    assert html.count(FORM) == 1
    assert _text("Ask the team") in html


def test_an_empty_answer_is_refused_on_the_card_page_with_a_message_about_the_answer(
    client_for, learner, outsider_learner, network_card
):
    services.card_ask(card=network_card, author=outsider_learner, text="Mitä maksoi?")
    response = client_for(learner).post(
        reverse("portfolio:card_ask", args=[network_card.pk]), {"text": "  "}
    )
    assert response.status_code == 400
    assert "portfolio/card_detail.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert _text("Write your answer first.") in html
    assert _text("Write your question first.") not in html
    assert "Mitä maksoi?" in html
    assert network_card.messages.count() == 1


def test_an_empty_question_is_refused_on_the_card_page_with_a_message_about_the_question(
    client_for, outsider_learner, network_card
):
    response = client_for(outsider_learner).post(
        reverse("portfolio:card_ask", args=[network_card.pk]), {"text": ""}
    )
    assert response.status_code == 400
    assert "portfolio/card_detail.html" in [t.name for t in response.templates]
    assert _text("Write your question first.") in response.content.decode()
    assert not network_card.messages.exists()
    # Shown once: the next page does not repeat it.
    again = client_for(outsider_learner).get(reverse("portfolio:card", args=[network_card.pk]))
    assert _text("Write your question first.") not in again.content.decode()
