"""core.responses.action_refused: a refused one-off action answers a 4xx with the reason."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from core.responses import action_refused

pytestmark = pytest.mark.django_db


def _request(**headers):
    request = RequestFactory().post("/somewhere/", **headers)
    request.user = AnonymousUser()
    request.htmx = HtmxDetails(request)
    return request


def test_the_full_page_shows_the_message_a_way_back_and_the_status():
    response = action_refused(_request(), "Valitse vaihe & syy.", back_url="/takaisin/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html
    assert 'class="alert alert-danger" role="alert"' in html
    assert "Valitse vaihe &amp; syy." in html
    assert 'href="/takaisin/"' in html


@pytest.mark.parametrize("status", [400, 409, 503])
def test_the_status_is_the_one_given(status):
    assert action_refused(_request(), "Ei.", back_url="/", status=status).status_code == status


def test_an_htmx_request_gets_only_the_alert():
    response = action_refused(
        _request(HTTP_HX_REQUEST="true"), "Kirjoita viesti.", back_url="/takaisin/", status=409
    )
    assert response.status_code == 409
    html = response.content.decode().strip()
    assert html.startswith('<div class="alert alert-danger" role="alert"')
    assert "Kirjoita viesti." in html
    assert "<html" not in html
    assert "<nav" not in html


def test_a_message_is_escaped():
    response = action_refused(_request(), "<script>alert(1)</script>", back_url="/")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
