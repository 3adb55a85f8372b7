"""The footer's language switcher never sends anyone back to an address that takes only a form
(a POST): after a refused form it returns to the page the form was on, or to the dashboard."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.middleware import language_switch_return

pytestmark = pytest.mark.django_db

ANSWER = "/courses/items/999999/reflection/"
JOURNAL = "/courses/journal/"


def footer_next(response) -> str:
    html = response.content.decode()
    form = html.split(f'action="{reverse("core:set_language")}"', 1)[1]
    return form.split('name="next" value="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


# --- where to return ----------------------------------------------------------------------------


def test_a_page_that_was_asked_for_returns_to_itself_with_its_query():
    request = RequestFactory().get(JOURNAL + "?a=1&b=2")
    assert language_switch_return(request) == JOURNAL + "?a=1&b=2"


def test_the_answer_to_a_form_returns_to_the_page_the_form_was_on():
    request = RequestFactory().post(ANSWER, HTTP_REFERER="http://testserver" + JOURNAL + "?q=x")
    assert language_switch_return(request) == JOURNAL + "?q=x"


@pytest.mark.parametrize(
    "referer",
    [
        "",
        "https://evil.example" + JOURNAL,
        "//evil.example" + JOURNAL,
        "javascript:alert(1)",
        "http://testserver" + ANSWER,  # the form sent again from its own refused answer
    ],
)
def test_the_answer_to_a_form_otherwise_returns_to_the_dashboard(referer):
    request = RequestFactory().post(ANSWER, HTTP_REFERER=referer)
    assert language_switch_return(request) == reverse("core:home")


# --- the footer ----------------------------------------------------------------------------------


def test_on_an_ordinary_page_the_footer_returns_to_the_same_page(client_for, learner):
    response = client_for(learner).get(JOURNAL + "?a=1&b=2")
    assert footer_next(response) == JOURNAL + "?a=1&b=2"


def test_after_a_refused_form_the_footer_returns_to_the_page_the_form_was_on(client_for, learner):
    page = client_for(learner).post(
        ANSWER, {"text": ""}, HTTP_REFERER="http://testserver" + JOURNAL
    )
    assert footer_next(page) == JOURNAL


def test_switching_the_language_after_a_refused_form_lands_on_a_page_not_a_405(client_for, learner):
    client = client_for(learner)
    page = client.post(ANSWER, {"text": ""}, HTTP_REFERER="http://testserver" + JOURNAL)
    response = client.post(
        reverse("core:set_language"),
        {"language": "sv", "next": footer_next(page)},
        HTTP_REFERER="http://testserver" + ANSWER,
        follow=True,
    )
    assert response.status_code == 200
    assert response.wsgi_request.path == JOURNAL
