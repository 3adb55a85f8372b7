"""Rate limits per token: a runaway script is slowed with 429 and Retry-After, while the same
person's other token and other people go on; anonymous calls are limited per address."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.throttling import AnonymousThrottle, PerTokenThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_limits(monkeypatch):
    # DRF binds the rates when the class is made, so the test sets them on the classes.
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"token": "3/min", "anon": "2/min"})
    monkeypatch.setattr(AnonymousThrottle, "THROTTLE_RATES", {"token": "3/min", "anon": "2/min"})


def test_a_token_over_its_limit_is_told_to_wait_and_others_go_on(
    low_limits, api_as, coordinator, learner
):
    script = api_as(coordinator)
    other_key = api_as(coordinator)
    someone_else = api_as(learner)
    url = reverse("api:cohorts")
    assert [script.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = script.get(url)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert other_key.get(url).status_code == 200
    assert someone_else.get(url).status_code == 200


def test_anonymous_certificate_checks_are_limited_per_address(low_limits, db):
    client = APIClient()
    url = reverse("api:certificate", args=["NOPE0000"])
    assert [client.get(url).status_code for _ in range(2)] == [404, 404]
    assert client.get(url).status_code == 429
    elsewhere = APIClient(REMOTE_ADDR="10.0.0.9")
    assert elsewhere.get(url).status_code == 404


def test_the_default_limits_come_from_the_settings(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"token": "600/hour", "anon": "60/hour"}


def test_an_anonymous_caller_cannot_escape_the_limit_with_a_forwarded_header(low_limits, db):
    client = APIClient()
    url = reverse("api:certificate", args=["NOPE0000"])
    statuses = [client.get(url, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(3)]
    assert statuses == [404, 404, 429]
