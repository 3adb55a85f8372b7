"""Personal access tokens on the person's API tokens page: created (shown once, stored only as a
hash), used (last used time), revoked; nobody reaches another person's tokens."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from api import services
from api.models import ApiToken
from tests.api.conftest import ids

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(client_for, coordinator):
    client = client_for(coordinator)
    response = client.post(reverse("api:tokens"), {"name": "HR-järjestelmä", "scope": "write"})
    assert response.status_code == 302
    page = client.get(reverse("api:tokens"))
    secret = page.context["new_token"]["secret"]
    assert secret.startswith("aa_")
    assert secret in page.content.decode()
    token = ApiToken.objects.get(user=coordinator)
    assert token.name == "HR-järjestelmä"
    assert token.scope == ApiToken.Scope.WRITE
    assert secret not in (token.key_hash, token.prefix)
    assert token.key_hash == services.token_hash(secret)
    # Reloading the page no longer shows the secret.
    again = client.get(reverse("api:tokens"))
    assert secret not in again.content.decode()
    assert f'data-testid="token-{token.pk}"' in again.content.decode()


def test_the_token_acts_as_its_owner_and_records_when_it_was_last_used(
    client_for, api_as, coordinator, cohort
):
    client = api_as(coordinator)
    assert client.token.last_used_at is None
    assert ids(client.get(reverse("api:cohorts"))) == [cohort.pk]
    client.token.refresh_from_db()
    first = client.token.last_used_at
    assert first is not None
    # Within a minute the time is not written again (no write on every call) ...
    client.get(reverse("api:cohorts"))
    client.token.refresh_from_db()
    assert client.token.last_used_at == first
    # ... after that it is.
    ApiToken.objects.filter(pk=client.token.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    client.get(reverse("api:cohorts"))
    client.token.refresh_from_db()
    assert client.token.last_used_at > first


def test_the_owner_revokes_a_token_and_it_stops_working(client_for, api_as, coordinator):
    api = api_as(coordinator)
    page = client_for(coordinator)
    response = page.post(reverse("api:token_revoke", args=[api.token.pk]), follow=True)
    assert response.status_code == 200
    api.token.refresh_from_db()
    assert api.token.revoked_at is not None
    assert 'data-testid="token-revoked"' in response.content.decode()
    assert api.get(reverse("api:cohorts")).status_code == 401


def test_nobody_revokes_or_sees_another_person_s_token(client_for, api_as, coordinator, learner):
    api = api_as(coordinator)
    learner.language = "en"
    learner.save()
    page = client_for(learner)
    listing = page.get(reverse("api:tokens"))
    assert f'data-testid="token-{api.token.pk}"' not in listing.content.decode()
    with translation.override("en"):
        response = page.post(reverse("api:token_revoke", args=[api.token.pk]), follow=True)
    assert "No such token in use." in response.content.decode()
    api.token.refresh_from_db()
    assert api.token.revoked_at is None
    assert api.get(reverse("api:cohorts")).status_code == 200


def test_the_tokens_page_is_for_signed_in_people_only(client):
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("api:token_revoke", args=[1]))
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_revoking_needs_a_post(client_for, api_as, coordinator):
    api = api_as(coordinator)
    response = client_for(coordinator).get(reverse("api:token_revoke", args=[api.token.pk]))
    assert response.status_code == 405


def test_a_token_without_a_name_or_with_an_unknown_scope_is_refused_and_nothing_saved(
    client_for, learner
):
    learner.language = "en"  # the page speaks the person's own language
    learner.save()
    client = client_for(learner)
    with translation.override("en"):
        response = client.post(reverse("api:tokens"), {"name": "  ", "scope": "read"})
        assert response.status_code == 400
        assert "This field is required." in response.content.decode()
        response = client.post(reverse("api:tokens"), {"name": "x", "scope": "admin"})
        assert response.status_code == 400
        assert "Select a valid choice." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_person_cannot_hold_endless_tokens(client_for, learner):
    learner.language = "en"
    learner.save()
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.token_create(user=learner, name=f"t{n}", scope="read")
    with translation.override("en"):
        response = client_for(learner).post(
            reverse("api:tokens"), {"name": "one more", "scope": "read"}
        )
    assert response.status_code == 400
    assert "revoke one before creating another" in response.content.decode()
    assert ApiToken.objects.filter(user=learner).count() == services.MAX_ACTIVE_TOKENS


def test_the_user_menu_links_to_the_tokens_page(client_for, learner):
    response = client_for(learner).get(reverse("core:home"))
    assert reverse("api:tokens") in response.content.decode()


def test_the_tokens_page_reads_a_fixed_number_of_queries(
    client_for, learner, django_assert_num_queries
):
    # The session, and the learner with the navigation's roles and unread badge (2); her
    # tokens (1), for 3 or 15. (12 allowed before.)
    budget = 3
    client = client_for(learner)
    for n in range(3):
        services.token_create(user=learner, name=f"t{n}", scope="read")
    client.get(reverse("api:tokens"))
    with django_assert_num_queries(budget):
        assert client.get(reverse("api:tokens")).status_code == 200
    for n in range(3, 15):
        services.token_create(user=learner, name=f"t{n}", scope="read")
    with django_assert_num_queries(budget):
        response = client.get(reverse("api:tokens"))
    assert "<td>t14</td>" in response.content.decode()
