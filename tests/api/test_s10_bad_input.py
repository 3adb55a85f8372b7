"""Bad input to the API answers a translated JSON error, never a 500 or an HTML page: numbers
too large to be ids, objects out of reach, paths that are not routes, moments outside the
calendar; and an HR system may give an invitation's organisation, as the form and CSV do."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from api.models import ApiToken
from learners.models import Invitation
from notifications.models import Announcement
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
NOT_FOUND_FI = "Ei löydy."
# Ids are 1..2**63-1 (a bigint): anything else is no id at all.
NOT_IDS = [HUGE, str(2**63), "0", "-1", "1" + "0" * 5000]


def assert_json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    return response.json()


# "Give a date between %(first)s and %(last)s." in Finnish, as the pages' date boxes say.
CALENDAR_FI = "Anna päivämäärä väliltä"


# --- defect 1: numbers too large for an id ----------------------------------------------------


@pytest.mark.parametrize(
    ("route", "name"),
    [
        ("submissions", "cohort"),
        ("submissions", "experiment"),
        ("experiments", "cohort"),
        ("experiments", "learner"),
    ],
)
@pytest.mark.parametrize("value", NOT_IDS, ids=["huge", "2**63", "zero", "negative", "long"])
def test_a_filter_that_is_no_id_is_a_400_with_the_field_s_message(
    api_as, coordinator, route, name, value
):
    response = api_as(coordinator).get(reverse(f"api:{route}"), {name: value})
    body = assert_json_error(response, 400)
    (message,) = body[name]
    assert "9223372036854775807" in message or message == "Anna kokonaisluku."


@pytest.mark.parametrize(("route", "name"), [("submissions", "cohort"), ("experiments", "learner")])
def test_the_largest_id_is_still_an_id_that_finds_nothing(api_as, coordinator, route, name):
    response = api_as(coordinator).get(reverse(f"api:{route}"), {name: str(2**63 - 1)})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/cohorts/{HUGE}/",
        f"/api/v1/cohorts/{HUGE}/memberships/",
        f"/api/v1/cohorts/{HUGE}/progress/",
        f"/api/v1/cohorts/{HUGE}/invitations/",
        f"/api/v1/cohorts/{HUGE}/announcements/",
        f"/api/v1/experiments/{HUGE}/",
        f"/api/v1/submissions/{HUGE}/",
    ],
)
@pytest.mark.parametrize("persona", ["coordinator", "superuser"])
def test_an_id_in_the_path_too_large_for_the_database_is_not_found(
    api_as, coordinator, superuser, path, persona
):
    client = api_as({"coordinator": coordinator, "superuser": superuser}[persona])
    assert assert_json_error(client.get(path), 404) == {"detail": NOT_FOUND_FI}


def test_a_forged_cursor_is_not_found_rather_than_a_crash(api_as, coordinator):
    client = api_as(coordinator)
    for position in ("abc", HUGE, "-" + HUGE):
        cursor = base64.b64encode(urlencode({"p": position}).encode()).decode()
        response = client.get(reverse("api:submissions"), {"cursor": cursor})
        assert response.status_code in (200, 404), position
        assert response["Content-Type"] == "application/json"


def test_a_huge_page_size_is_capped_rather_than_a_crash(api_as, coordinator):
    response = api_as(coordinator).get(reverse("api:submissions"), {"page_size": HUGE})
    assert response.status_code == 200


def test_revoking_a_token_id_too_large_for_the_database_is_no_such_token(client_for, learner):
    response = client_for(learner).post(reverse("api:token_revoke", args=[int(HUGE)]))
    assert response.status_code == 302


# --- defect 2: errors in the caller's language, always JSON -----------------------------------


def test_a_coordinator_s_unknown_cohort_is_not_found_in_finnish(api_as, coordinator, superuser):
    for user in (coordinator, superuser):
        response = api_as(user).get(reverse("api:invitations", args=[999999]))
        assert assert_json_error(response, 404) == {"detail": NOT_FOUND_FI}


def test_a_learner_is_told_not_found_without_the_model_s_name(api_as, learner, cohort):
    client = api_as(learner)
    for name in ("invitations", "announcements", "memberships"):
        response = client.get(reverse(f"api:{name}", args=[cohort.pk]))
        assert assert_json_error(response, 404) == {"detail": NOT_FOUND_FI}, name


def test_detail_routes_do_not_name_the_model(api_as, coordinator, superuser):
    for user in (coordinator, superuser):
        client = api_as(user)
        for name in ("cohort", "progress", "experiment", "submission"):
            response = client.get(reverse(f"api:{name}", args=[999999]))
            assert assert_json_error(response, 404) == {"detail": NOT_FOUND_FI}, name


def test_an_unknown_certificate_is_not_found_in_finnish(anonymous):
    response = anonymous.get(reverse("api:certificate", args=["nope"]))
    assert assert_json_error(response, 404) == {"detail": NOT_FOUND_FI}


def test_not_found_follows_the_caller_s_language(anonymous):
    response = anonymous.get(reverse("api:certificate", args=["nope"]), HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 404
    assert response.json()["detail"] in ("Hittades inte.", NOT_FOUND_FI)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cohorts/abc/invitations/",
        "/api/v1/cohorts/1/nothing/",
        "/api/v1/nothing/",
        "/api/v1/",
    ],
)
def test_a_path_that_is_no_route_is_a_json_404(api_as, coordinator, anonymous, path):
    assert assert_json_error(api_as(coordinator).get(path), 404) == {"detail": NOT_FOUND_FI}
    assert assert_json_error(anonymous.get(path), 404) == {"detail": NOT_FOUND_FI}
    write = api_as(coordinator, scope=ApiToken.Scope.WRITE)
    assert assert_json_error(write.post(path, {}, format="json"), 404) == {"detail": NOT_FOUND_FI}


def test_a_route_without_its_slash_still_redirects(api_as, coordinator):
    response = api_as(coordinator).get("/api/v1/cohorts")
    assert response.status_code == 301
    assert response["Location"].endswith("/api/v1/cohorts/")


@pytest.mark.parametrize(
    "send_at",
    [
        "9999-12-31T23:59:59",
        "9999-12-31T23:59:59-10:00",  # overflows on the way to Helsinki time
        "2100-01-01T00:00:00+02:00",
        "0001-01-01T00:00:00+05:00",
    ],
)
def test_a_moment_outside_the_calendar_is_refused_in_finnish(api_as, instructor, cohort, send_at):
    response = api_as(instructor, scope="write").post(
        reverse("api:announcements", args=[cohort.pk]),
        {"subject": "Muistutus", "body": "Palautus", "send_at": send_at},
        format="json",
    )
    (message,) = assert_json_error(response, 400)["send_at"]
    assert message.startswith(CALENDAR_FI), message
    assert "2099" in message
    assert not Announcement.objects.exists()


def test_the_last_moment_of_the_calendar_is_accepted(api_as, instructor, cohort):
    response = api_as(instructor, scope="write").post(
        reverse("api:announcements", args=[cohort.pk]),
        {"subject": "Muistutus", "body": "Palautus", "send_at": "2099-12-31T23:59:00"},
        format="json",
    )
    assert response.status_code == 201


# --- defect 3: the invitation's organisation --------------------------------------------------


def invite(api_as, coordinator, cohort, **fields):
    client = api_as(coordinator, scope=ApiToken.Scope.WRITE)
    body = {"email": "uusi@kunta.fi", "first_name": "Uusi", **fields}
    return client.post(reverse("api:invitations", args=[cohort.pk]), body, format="json")


def test_an_hr_system_sets_the_invitation_s_organisation_by_id(api_as, coordinator, cohort):
    hameenlinna = factories.OrganisationFactory(name="Hämeenlinna")
    response = invite(api_as, coordinator, cohort, organisation_id=hameenlinna.pk)
    assert response.status_code == 201, response.json()
    assert response.json()["organisation_id"] == hameenlinna.pk
    assert response.json()["organisation"] == "Hämeenlinna"
    assert Invitation.objects.get().organisation == hameenlinna
    listed = api_as(coordinator).get(reverse("api:invitations", args=[cohort.pk])).json()
    assert listed["results"][0]["organisation"] == "Hämeenlinna"


def test_an_hr_system_sets_the_organisation_by_name_as_in_the_csv(api_as, coordinator, cohort):
    hameenlinna = factories.OrganisationFactory(name="Hämeenlinna")
    response = invite(api_as, coordinator, cohort, organisation=" hämeenlinna ")
    assert response.status_code == 201, response.json()
    assert Invitation.objects.get().organisation == hameenlinna


def test_without_an_organisation_the_invitation_has_none(api_as, coordinator, cohort):
    response = invite(api_as, coordinator, cohort)
    assert response.status_code == 201
    assert response.json()["organisation_id"] is None
    assert response.json()["organisation"] is None
    assert Invitation.objects.get().organisation is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"organisation_id": 999999}, "organisation_id"),
        ({"organisation_id": int(HUGE)}, "organisation_id"),
        ({"organisation_id": HUGE}, "organisation_id"),
        ({"organisation_id": "Hämeenlinna"}, "organisation_id"),
        ({"organisation": "Atlantis"}, "organisation"),
    ],
)
def test_an_unknown_organisation_is_refused_and_nothing_saved(
    api_as, coordinator, cohort, fields, field
):
    factories.OrganisationFactory(name="Hämeenlinna")
    body = assert_json_error(invite(api_as, coordinator, cohort, **fields), 400)
    assert body[field]
    assert not Invitation.objects.exists()


def test_an_organisation_by_id_and_another_by_name_is_refused(api_as, coordinator, cohort):
    one = factories.OrganisationFactory(name="Hämeenlinna")
    factories.OrganisationFactory(name="Tampere")
    response = invite(api_as, coordinator, cohort, organisation_id=one.pk, organisation="Tampere")
    body = assert_json_error(response, 400)
    assert body["non_field_errors"]
    assert not Invitation.objects.exists()


def test_unknown_organisation_is_said_in_finnish(api_as, coordinator, cohort):
    body = invite(api_as, coordinator, cohort, organisation="Atlantis").json()
    with translation.override("fi"):
        assert body["organisation"] == [gettext("Unknown organisation")]
