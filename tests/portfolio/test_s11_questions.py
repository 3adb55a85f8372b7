"""The questions on a card ("Kysy tiimiltä"): a double submit posts one question and notifies the
team once; the writer deletes their own message after confirming; the card's team and the
cohort's instructors and coordinators hide a message (and show it again), which takes its text
out of the page for everyone else and out of the notifications that quoted it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification
from portfolio import services, services_questions
from portfolio.models import Card, CardMessage
from tests.portfolio.conftest import make_experiment, publish

pytestmark = pytest.mark.django_db

PHONE = "Asukas Aino Virtanen, puh. 040 123 4567"


@pytest.fixture
def network_card(card):
    return publish(card, Card.Scope.NETWORK)


@pytest.fixture
def question(network_card, outsider_learner):
    return services.card_ask(card=network_card, author=outsider_learner, text=PHONE)


def _url(name: str, card: Card, message: CardMessage | int) -> str:
    pk = message if isinstance(message, int) else message.pk
    return reverse(f"portfolio:{name}", args=[card.pk, pk])


def _page(client, card: Card) -> str:
    response = client.get(reverse("portfolio:card", args=[card.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _fi(text: str) -> str:
    with translation.override("fi"):
        return translation.gettext(text)


def _question_notes(message: CardMessage):
    return Notification.objects.filter(key=f"portfolio-question-{message.pk}")


# --- asking once ---------------------------------------------------------------------------


def test_two_identical_posts_make_one_question_and_notify_the_team_once(
    client_for, learner, co_owner, outsider_learner, network_card
):
    client = client_for(outsider_learner)
    url = reverse("portfolio:card_ask", args=[network_card.pk])
    first = client.post(url, {"text": "Miten kuljettajat löytyivät?"})
    second = client.post(url, {"text": "Miten kuljettajat löytyivät? "})
    # The second click is answered as the first: sent, back to the thread.
    assert first.status_code == second.status_code == 302
    assert second.url == first.url == reverse("portfolio:card", args=[network_card.pk]) + "#thread"
    assert network_card.messages.count() == 1
    notes = Notification.objects.filter(category=Notification.Category.GALLERY)
    assert sorted(notes.values_list("recipient", flat=True)) == sorted([learner.pk, co_owner.pk])
    page = client.get(second.url)
    assert page.content.decode().count("Miten kuljettajat löytyivät?") == 1


def test_a_double_click_on_an_answer_posts_it_once(
    client_for, learner, outsider_learner, question, network_card
):
    client = client_for(learner)
    url = reverse("portfolio:card_ask", args=[network_card.pk])
    for _ in range(2):
        assert (
            client.post(url, {"text": "Soita kunnan liikennesuunnittelijalle."}).status_code == 302
        )
    assert network_card.messages.count() == 2
    answers = Notification.objects.filter(key__startswith="portfolio-answer-")
    assert list(answers.values_list("recipient", flat=True)) == [outsider_learner.pk]


def test_another_text_or_the_same_text_later_is_a_new_message(
    client_for, outsider_learner, network_card
):
    client = client_for(outsider_learner)
    url = reverse("portfolio:card_ask", args=[network_card.pk])
    client.post(url, {"text": "Mitä maksoi?"})
    client.post(url, {"text": "Entä kuljettajat?"})
    assert network_card.messages.count() == 2
    CardMessage.objects.update(
        created_at=timezone.now() - services_questions.REPEAT_WINDOW - timezone.timedelta(seconds=1)
    )
    client.post(url, {"text": "Mitä maksoi?"})
    assert network_card.messages.count() == 3


def test_another_persons_same_text_is_their_own_question(
    client_for, other_learner, outsider_learner, network_card
):
    url = reverse("portfolio:card_ask", args=[network_card.pk])
    client_for(outsider_learner).post(url, {"text": "Mitä maksoi?"})
    client_for(other_learner).post(url, {"text": "Mitä maksoi?"})
    assert network_card.messages.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_submits_arriving_together_post_one_question(
    learner, co_owner, outsider_learner, network_card
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at the start of each transaction anyway")
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[Exception] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            _message, created = services_questions.card_message_post(
                card=network_card, author=outsider_learner, text="Samaan aikaan?"
            )
            results.append(created)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert sorted(results) == [False, True]
    assert CardMessage.objects.filter(card=network_card).count() == 1
    assert Notification.objects.filter(key__startswith="portfolio-question-").count() == 2


def test_signed_out_asking_is_sent_to_sign_in(client, network_card):
    response = client.post(reverse("portfolio:card_ask", args=[network_card.pk]), {"text": "Hei?"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not network_card.messages.exists()


# --- the writer deletes ----------------------------------------------------------------------


def test_the_writer_confirms_before_deleting_and_the_notifications_go_too(
    client_for, outsider_learner, question, network_card
):
    assert _question_notes(question).count() == 2
    client = client_for(outsider_learner)
    page = _page(client, network_card)
    assert _url("question_delete", network_card, question) in page
    # GET only asks: nothing is deleted.
    confirm = client.get(_url("question_delete", network_card, question))
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert 'data-testid="delete-form"' in html
    assert 'method="post"' in html
    assert PHONE in html
    assert CardMessage.objects.filter(pk=question.pk).exists()
    response = client.post(_url("question_delete", network_card, question))
    assert response.status_code == 302
    assert response.url == reverse("portfolio:card", args=[network_card.pk]) + "#thread"
    assert not CardMessage.objects.filter(pk=question.pk).exists()
    assert not _question_notes(question).exists()
    assert PHONE not in _page(client, network_card)


def test_a_second_delete_of_a_double_click_leads_back_to_the_card(
    client_for, outsider_learner, question, network_card
):
    client = client_for(outsider_learner)
    client.post(_url("question_delete", network_card, question))
    again = client.post(_url("question_delete", network_card, question))
    assert again.status_code == 302
    assert again.url.startswith(reverse("portfolio:card", args=[network_card.pk]))


def test_the_writer_of_an_answer_deletes_it_and_the_askers_notification(
    client_for, learner, outsider_learner, question, network_card
):
    answer = services.card_ask(card=network_card, author=learner, text="Noin 2 000 euroa.")
    assert Notification.objects.filter(key=f"portfolio-answer-{answer.pk}").exists()
    client_for(learner).post(_url("question_delete", network_card, answer))
    assert not CardMessage.objects.filter(pk=answer.pk).exists()
    assert not Notification.objects.filter(key=f"portfolio-answer-{answer.pk}").exists()
    assert CardMessage.objects.filter(pk=question.pk).exists()


@pytest.mark.parametrize("persona", ["learner", "co_owner", "other_learner", "coordinator"])
def test_nobody_but_the_writer_deletes_a_message(
    request, client_for, persona, question, network_card
):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(_url("question_delete", network_card, question)).status_code == 403
    assert client.post(_url("question_delete", network_card, question)).status_code == 403
    assert CardMessage.objects.filter(pk=question.pk).exists()
    assert 'data-testid="delete-link"' not in _page(client, network_card)


def test_signed_out_deleting_is_sent_to_sign_in(client, question, network_card):
    response = client.post(_url("question_delete", network_card, question))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert CardMessage.objects.filter(pk=question.pk).exists()


def test_a_message_of_another_card_cannot_be_reached_through_this_one(
    client_for, other_learner, outsider_learner, question, network_card, cohort, workshop
):
    experiment = make_experiment(
        owner=other_learner, cohort=cohort, workshop=workshop, title="Toinen kokeilu"
    )
    other = publish(services.card_create(experiment=experiment), Card.Scope.NETWORK)
    client = client_for(outsider_learner)
    assert client.get(_url("question_delete", other, question)).status_code == 404
    assert CardMessage.objects.filter(pk=question.pk).exists()


# --- moderators hide --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["learner", "co_owner", "instructor", "coordinator"])
def test_the_team_and_the_cohorts_staff_hide_a_question_with_a_reason(
    request, client_for, persona, question, network_card
):
    person = request.getfixturevalue(persona)
    client = client_for(person)
    assert 'data-testid="hide-link"' in _page(client, network_card)
    form = client.get(_url("question_hide", network_card, question))
    assert form.status_code == 200
    assert 'data-testid="hide-form"' in form.content.decode()
    question.refresh_from_db()
    assert not question.is_hidden
    response = client.post(
        _url("question_hide", network_card, question), {"reason": "Asukkaan yhteystiedot."}
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#message-{question.pk}")
    question.refresh_from_db()
    assert question.is_hidden
    assert question.hidden_by == person
    assert question.hidden_reason == "Asukkaan yhteystiedot."


def test_a_hidden_question_reads_hidden_to_others_and_whole_to_its_writer_and_moderators(
    client_for, learner, other_learner, outsider_learner, coordinator, question, network_card
):
    services_questions.card_message_hide(message=question, by=learner, reason="Yhteystiedot.")
    peer = _page(client_for(other_learner), network_card)
    assert PHONE not in peer
    assert 'data-testid="hidden-placeholder"' in peer
    writer = _page(client_for(outsider_learner), network_card)
    assert PHONE in writer
    assert 'data-testid="hidden-notice"' in writer
    assert "Yhteystiedot." in writer
    for moderator in (learner, coordinator):
        page = _page(client_for(moderator), network_card)
        assert PHONE in page
        assert _url("question_unhide", network_card, question) in page


def test_hiding_takes_the_text_out_of_the_notifications_and_showing_brings_it_back(
    client_for, learner, co_owner, coordinator, question, network_card
):
    co_owner.language = "sv"
    co_owner.save(update_fields=["language"])
    client_for(learner).post(
        _url("question_hide", network_card, question), {"reason": "Yhteystiedot."}
    )
    notes = {n.recipient_id: n for n in _question_notes(question)}
    assert len(notes) == 2
    for note in notes.values():
        assert PHONE not in note.body
        assert PHONE not in note.html_body
        assert PHONE not in note.subject
    assert _fi("Hidden by a moderator.") in notes[learner.pk].body
    with translation.override("sv"):
        assert translation.gettext("Hidden by a moderator.") in notes[co_owner.pk].body

    response = client_for(coordinator).post(_url("question_unhide", network_card, question))
    assert response.status_code == 302
    question.refresh_from_db()
    assert not question.is_hidden
    assert all(PHONE in n.body for n in _question_notes(question))


def test_hiding_an_answer_takes_it_out_of_the_askers_notification(
    client_for, learner, coordinator, outsider_learner, question, network_card
):
    answer = services.card_ask(card=network_card, author=learner, text="Soita 040 765 4321.")
    client_for(coordinator).post(
        _url("question_hide", network_card, answer), {"reason": "Puhelinnumero."}
    )
    note = Notification.objects.get(recipient=outsider_learner, key=f"portfolio-answer-{answer.pk}")
    assert "040 765 4321" not in note.body
    assert _fi("Hidden by a moderator.") in note.body


def test_a_hide_without_a_reason_gets_the_form_back(client_for, learner, question, network_card):
    response = client_for(learner).post(
        _url("question_hide", network_card, question), {"reason": " "}
    )
    assert response.status_code == 400
    assert 'data-testid="hide-form"' in response.content.decode()
    question.refresh_from_db()
    assert not question.is_hidden


def test_hiding_twice_leads_back_to_the_card(client_for, learner, question, network_card):
    client = client_for(learner)
    client.post(_url("question_hide", network_card, question), {"reason": "Yhteystiedot."})
    again = client.post(_url("question_hide", network_card, question), {"reason": "Toinen syy."})
    assert again.status_code == 302
    question.refresh_from_db()
    assert question.hidden_reason == "Yhteystiedot."


@pytest.mark.parametrize("persona", ["other_learner", "outsider_learner", "other_instructor"])
def test_a_peer_who_is_not_on_the_team_cannot_hide_or_show(
    request, client_for, learner, persona, question, network_card
):
    """A learner of the same cohort, the question's own writer and another cohort's instructor
    see the (network) card but moderate nothing on it."""
    client = client_for(request.getfixturevalue(persona))
    assert 'data-testid="hide-link"' not in _page(client, network_card)
    assert client.get(_url("question_hide", network_card, question)).status_code == 403
    response = client.post(_url("question_hide", network_card, question), {"reason": "Pois."})
    assert response.status_code == 403
    question.refresh_from_db()
    assert not question.is_hidden
    services_questions.card_message_hide(message=question, by=learner, reason="Yhteystiedot.")
    assert client.post(_url("question_unhide", network_card, question)).status_code == 403
    question.refresh_from_db()
    assert question.is_hidden


def test_the_service_refuses_a_peer_too(other_learner, question):
    with pytest.raises(services_questions.QuestionError):
        services_questions.card_message_hide(message=question, by=other_learner, reason="Pois.")
    with pytest.raises(services_questions.QuestionError):
        services_questions.card_message_delete(message=question, by=other_learner)


def test_signed_out_hiding_and_showing_is_sent_to_sign_in(client, question, network_card):
    for name in ("question_hide", "question_unhide"):
        response = client.post(_url(name, network_card, question), {"reason": "Pois."})
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    question.refresh_from_db()
    assert not question.is_hidden


def test_showing_again_takes_a_post_only(client_for, learner, question, network_card):
    services_questions.card_message_hide(message=question, by=learner, reason="Yhteystiedot.")
    assert (
        client_for(learner).get(_url("question_unhide", network_card, question)).status_code == 405
    )
    question.refresh_from_db()
    assert question.is_hidden


def test_nobody_outside_a_private_card_reaches_its_messages(
    client_for, coordinator, outsider_learner, question, network_card
):
    Card.objects.filter(pk=network_card.pk).update(scope=Card.Scope.PRIVATE)
    for person in (outsider_learner, coordinator):
        client = client_for(person)
        assert client.get(_url("question_hide", network_card, question)).status_code == 404
        assert client.get(_url("question_delete", network_card, question)).status_code == 404


def test_a_moderators_card_page_keeps_a_flat_query_count(
    client_for, learner, instructor, outsider_learner, network_card, django_assert_num_queries
):
    client = client_for(instructor)
    url = reverse("portfolio:card", args=[network_card.pk])
    for i in range(3):
        services.card_ask(card=network_card, author=outsider_learner, text=f"Kysymys {i}")
    client.get(url)
    # The session, the person with the navigation (2); the card and its team with their towns
    # (2); whether the instructor moderates it (1); its themes (read once for the page and
    # the similar box) and impact plan (2); the similar box, which finds none: the words on
    # most cards, the ranking (2); the thread with every message, hidden ones too (1); the
    # adaptations and the cards this one adapted (3); the instructor's experiments that could
    # adapt it (1). (30 allowed before, then as many as with 3 messages; 15 while the similar
    # box read the themes again.)
    with django_assert_num_queries(14):
        client.get(url)
    for i in range(30):
        message = services.card_ask(card=network_card, author=outsider_learner, text=f"Lisä {i}")
        if i % 3 == 0:
            services_questions.card_message_hide(message=message, by=learner, reason="Syy.")
    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.content.decode().count('data-testid="hide-link"') == 23
