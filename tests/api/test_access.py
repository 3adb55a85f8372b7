"""Who reaches which API endpoint: every route × every persona, with the status each must get.

The API shows what the pages show and no more: an object outside the caller's reach answers 404
(as on the pages), a call without credentials 401, a read-only token's write 403, a revoked
token 401. `test_every_api_route_is_in_the_matrix` fails when an endpoint is added without a
row here, so no endpoint goes without denial tests.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from api import services
from api import urls as api_urls
from api.models import ApiToken
from api.permissions import TokenScope
from courses.models import Certificate
from learners.models import Invitation, Membership
from notifications.models import Announcement
from tests import factories

pytestmark = pytest.mark.django_db

# Personas: learner (of cohort, on the experiment's team), teammate, other_learner (same cohort,
# not on the team), outsider_learner (another cohort), instructor and coordinator (of cohort),
# other_instructor and other_coordinator (of the other cohort), superuser.
OK, CREATED, BAD, UNAUTH, FORBIDDEN, NOT_FOUND = 200, 201, 400, 401, 403, 404
EVERYONE = (
    "learner",
    "other_learner",
    "outsider_learner",
    "instructor",
    "coordinator",
    "other_instructor",
    "other_coordinator",
    "superuser",
)


def expect(allowed, *, denied=NOT_FOUND, allowed_status=OK):
    return {p: (allowed_status if p in allowed else denied) for p in EVERYONE}


# (url name, method, expected status per persona); the data is built in `world` below.
MATRIX = [
    ("cohorts", "get", expect(EVERYONE)),
    (
        "cohort",
        "get",
        expect(("learner", "other_learner", "instructor", "coordinator", "superuser")),
    ),
    ("memberships", "get", expect(("instructor", "coordinator", "superuser"))),
    (
        "progress",
        "get",
        expect(("learner", "other_learner", "instructor", "coordinator", "superuser")),
    ),
    ("invitations", "get", expect(("coordinator", "superuser"))),
    ("invitations", "post", expect(("coordinator", "superuser"), allowed_status=CREATED)),
    ("announcements", "get", expect(("instructor", "coordinator", "superuser"))),
    (
        "announcements",
        "post",
        expect(("instructor", "coordinator", "superuser"), allowed_status=CREATED),
    ),
    ("experiments", "get", expect(EVERYONE)),
    ("experiment", "get", expect(("learner", "instructor", "coordinator", "superuser"))),
    ("submissions", "get", expect(EVERYONE)),
    ("submission", "get", expect(("learner", "instructor", "coordinator", "superuser"))),
    ("cards", "get", expect(EVERYONE)),
    ("certificate", "get", expect(EVERYONE)),
    ("schema", "get", expect(EVERYONE)),
    ("docs", "get", expect(EVERYONE)),
]
# What a caller without credentials gets.
ANONYMOUS = {"certificate": OK, "schema": OK, "docs": OK}
# Lists whose rows are scoped: who sees the experiment / submission / cohort card in them.
SCOPED_LISTS = {
    "experiments": ("learner", "instructor", "coordinator", "superuser"),
    "submissions": ("learner", "instructor", "coordinator", "superuser"),
    "cohorts": ("learner", "other_learner", "instructor", "coordinator", "superuser"),
    "cards": ("learner", "other_learner", "instructor", "coordinator"),
}


@pytest.fixture
def world(
    cohort,
    experiment,
    submission,
    learner,
    other_learner,
    outsider_learner,
    instructor,
    coordinator,
    other_instructor,
    other_coordinator,
    superuser,
):
    from portfolio import services as portfolio_services
    from portfolio.models import Card

    card = portfolio_services.card_create(experiment=experiment)
    Card.objects.filter(pk=card.pk).update(scope=Card.Scope.COHORT, published_at=timezone.now())
    certificate = Certificate.objects.create(
        user=learner,
        course=cohort.course,
        cohort=cohort,
        code="ABCD1234",
        status=Certificate.Status.ISSUED,
        issued_at=timezone.now(),
        learner_name="Oona Oppija",
        course_title=cohort.course.title,
    )
    people = {
        "learner": learner,
        "other_learner": other_learner,
        "outsider_learner": outsider_learner,
        "instructor": instructor,
        "coordinator": coordinator,
        "other_instructor": other_instructor,
        "other_coordinator": other_coordinator,
        "superuser": superuser,
    }
    return {
        "people": people,
        "cohort": cohort,
        "experiment": experiment,
        "submission": submission,
        "card": card,
        "certificate": certificate,
    }


def url_of(name, world):
    args = {
        "cohort": [world["cohort"].pk],
        "memberships": [world["cohort"].pk],
        "progress": [world["cohort"].pk],
        "invitations": [world["cohort"].pk],
        "announcements": [world["cohort"].pk],
        "experiment": [world["experiment"].pk],
        "submission": [world["submission"].pk],
        "certificate": [world["certificate"].code],
    }.get(name, [])
    return reverse(f"api:{name}", args=args)


BODIES = {
    "invitations": {"email": "uusi.tyontekija@kunta.fi", "first_name": "Uusi"},
    "announcements": {"subject": "Huomenna työpaja", "body": "Tervetuloa!"},
}


EMAILS = itertools.count()


def call(client, method, name, world):
    url = url_of(name, world)
    if method == "post":
        body = dict(BODIES[name])
        if name == "invitations":  # each caller invites someone new
            body["email"] = f"uusi{next(EMAILS)}@kunta.fi"
        return client.post(url, body, format="json")
    return client.get(url)


def test_every_api_route_is_in_the_matrix():
    routes = {p.name for p in api_urls.urlpatterns if isinstance(p, URLPattern)}
    pages = {"tokens", "token_revoke"}  # the HTML token page: tests/api/test_tokens.py
    assert routes - pages == {name for name, _, _ in MATRIX}


@pytest.mark.parametrize(
    ("name", "method", "expected"), MATRIX, ids=[f"{m} {n}" for n, m, _ in MATRIX]
)
def test_each_persona_gets_what_the_pages_would_give(world, api_as, name, method, expected):
    problems = []
    for persona, status in expected.items():
        client = api_as(world["people"][persona], scope=ApiToken.Scope.WRITE)
        response = call(client, method, name, world)
        if response.status_code != status:
            problems.append(f"{persona}: {response.status_code}, expected {status}")
    assert not problems, f"{method.upper()} {name}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("name", "method", "expected"), MATRIX, ids=[f"{m} {n}" for n, m, _ in MATRIX]
)
def test_a_caller_without_credentials_is_asked_for_a_token(
    world, anonymous, name, method, expected
):
    response = call(anonymous, method, name, world)
    if method == "get" and name in ANONYMOUS:
        assert response.status_code == ANONYMOUS[name]
    else:
        assert response.status_code == UNAUTH
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("name", "method"), [(n, m) for n, m, _ in MATRIX if m == "post"], ids=lambda v: v
)
def test_a_read_only_token_cannot_write_and_nothing_is_saved(world, api_as, name, method):
    client = api_as(world["people"]["coordinator"], scope=ApiToken.Scope.READ)
    response = call(client, method, name, world)
    assert response.status_code == FORBIDDEN
    # In the token owner's language (Finnish), whatever the catalogue holds today.
    with translation.override("fi"):
        assert response.json()["detail"] == str(TokenScope.message)
    assert not Invitation.objects.exists()
    assert not Announcement.objects.exists()


# The documentation page is plain HTML for anyone and never reads a token.
API_CALLS = [row for row in MATRIX if row[0] != "docs"]


@pytest.mark.parametrize(
    ("name", "method", "expected"), API_CALLS, ids=[f"{m} {n}" for n, m, _ in API_CALLS]
)
def test_a_revoked_token_no_longer_works(world, api_as, name, method, expected):
    coordinator = world["people"]["coordinator"]
    client = api_as(coordinator, scope=ApiToken.Scope.WRITE)
    assert services.token_revoke(user=coordinator, token_id=client.token.pk)
    response = call(client, method, name, world)
    assert response.status_code == UNAUTH
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("name", sorted(SCOPED_LISTS))
def test_scoped_lists_hold_the_object_only_for_those_who_may_see_it(world, api_as, name):
    target = {
        "experiments": world["experiment"].pk,
        "submissions": world["submission"].pk,
        "cohorts": world["cohort"].pk,
        "cards": world["card"].pk,
    }[name]
    seen_by = {
        persona
        for persona, user in world["people"].items()
        if target in [row["id"] for row in api_as(user).get(url_of(name, world)).json()["results"]]
    }
    assert seen_by == set(SCOPED_LISTS[name])


def test_a_learner_who_left_the_cohort_loses_what_the_membership_gave(world, api_as):
    other = world["people"]["other_learner"]
    client = api_as(other)
    assert client.get(url_of("cohort", world)).status_code == OK
    Membership.objects.filter(user=other).delete()
    assert client.get(url_of("cohort", world)).status_code == NOT_FOUND
    assert client.get(url_of("cards", world)).json()["results"] == []


def test_a_deactivated_person_s_token_stops_working(world, api_as):
    coordinator = world["people"]["coordinator"]
    client = api_as(coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert client.get(url_of("cohorts", world)).status_code == UNAUTH


def test_an_unknown_or_malformed_token_is_refused_with_a_reason(world, anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer aa_not-a-real-token")
    response = anonymous.get(url_of("cohorts", world))
    assert response.status_code == UNAUTH
    with translation.override("fi"):
        assert response.json()["detail"] == gettext("The token is not valid or it was revoked.")
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    assert anonymous.get(url_of("cohorts", world)).status_code == UNAUTH


def test_a_staff_member_s_session_works_for_reads_in_the_browser(world, client):
    # The documentation page's links can be followed in the browser with the session.
    client.force_login(world["people"]["coordinator"])
    response = client.get(url_of("memberships", world))
    assert response.status_code == OK
    # A write through the session needs the CSRF token, like any form.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["people"]["coordinator"])
    response = strict.post(
        url_of("announcements", world), BODIES["announcements"], content_type="application/json"
    )
    assert response.status_code == FORBIDDEN
    assert not Announcement.objects.exists()


def test_an_unknown_certificate_code_is_not_found_and_a_revoked_one_is_not_valid(world, anonymous):
    assert anonymous.get(reverse("api:certificate", args=["NOPE0000"])).status_code == NOT_FOUND
    certificate = world["certificate"]
    body = anonymous.get(url_of("certificate", world)).json()
    assert body["valid"] is True
    assert body["learner_name"] == "Oona Oppija"
    assert set(body) == {"code", "valid", "learner_name", "course_title", "issued_at", "revoked_at"}
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=timezone.now())
    assert anonymous.get(url_of("certificate", world)).json()["valid"] is False
    # Lower case, as typed from a printed certificate, finds it too.
    assert anonymous.get(reverse("api:certificate", args=["abcd1234"])).status_code == OK


def test_a_learner_of_another_cohort_cannot_reach_the_cohort_by_guessing_ids(world, api_as):
    client = api_as(world["people"]["outsider_learner"])
    other = factories.CohortFactory()
    for name in ("cohort", "memberships", "progress", "invitations", "announcements"):
        response = client.get(reverse(f"api:{name}", args=[other.pk]))
        assert response.status_code == NOT_FOUND, name


@pytest.mark.parametrize("where", ["cohort", "course"])
def test_blind_review_hides_whose_work_it_is_from_all_but_the_team(world, api_as, where):
    from workshops import cohort_settings

    experiment, submission = world["experiment"], world["submission"]
    if where == "course":  # the workshop's own setting, no cohort row
        type(experiment.workshop).objects.filter(pk=experiment.workshop_id).update(
            blind_review=True
        )
    else:
        cohort_settings.cohort_marking_set(
            cohort=world["cohort"],
            workshop=experiment.workshop,
            by=world["people"]["instructor"],
            values={f: f == "blind_review" for f in cohort_settings.MARKING_FIELDS},
        )
    for persona in ("instructor", "coordinator", "superuser"):
        client = api_as(world["people"][persona])
        (row,) = client.get(reverse("api:experiments")).json()["results"]
        assert row["team"] == [], persona
        assert client.get(url_of("submission", world)).json()["learner_id"] is None, persona
        (listed,) = client.get(reverse("api:submissions")).json()["results"]
        assert listed["learner_id"] is None, persona
    # Nor can staff find the team by asking for a member's experiments.
    by_member = api_as(world["people"]["coordinator"]).get(
        reverse("api:experiments"), {"learner": submission.learner_id}
    )
    assert by_member.json()["results"] == []
    learner = api_as(world["people"]["learner"])
    (row,) = learner.get(reverse("api:experiments")).json()["results"]
    assert len(row["team"]) == 2
    assert learner.get(url_of("submission", world)).json()["learner_id"] == submission.learner_id


def test_a_learner_reads_only_their_own_progress_row(world, api_as):
    learner = world["people"]["learner"]
    rows = api_as(learner).get(url_of("progress", world)).json()["results"]
    assert [row["learner_id"] for row in rows] == [learner.pk]
    staff_rows = api_as(world["people"]["instructor"]).get(url_of("progress", world)).json()
    assert (
        len(staff_rows["results"])
        == Membership.objects.filter(cohort=world["cohort"], role=Membership.Role.LEARNER).count()
        > 1
    )


def test_a_learner_s_phase_state_is_found_through_their_team_s_experiment(world, api_as):
    teammate = world["experiment"].members.exclude(user=world["people"]["learner"]).get().user
    coordinator = api_as(world["people"]["coordinator"])
    response = coordinator.get(reverse("api:experiments"), {"learner": teammate.pk})
    (row,) = response.json()["results"]
    assert row["id"] == world["experiment"].pk
    assert row["phases"][0]["state"] == "open"
    lonely = coordinator.get(
        reverse("api:experiments"), {"learner": world["people"]["other_learner"].pk}
    )
    assert lonely.json()["results"] == []
    # Another cohort's coordinator finds nothing, whoever they ask about.
    other = api_as(world["people"]["other_coordinator"])
    assert other.get(reverse("api:experiments"), {"learner": teammate.pk}).json()["results"] == []
