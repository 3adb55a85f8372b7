"""The signed-in person is read with the navigation's roles and unread count in one query
(dashboard/auth.py): the bar and the role guard still say what the database says, a change made
by one request shows on the next, sessions signed in through Django's and allauth's own backends
stay signed in, and a deactivated or deleted account is signed out."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

BADGE = '<span class="badge rounded-pill text-bg-warning">'


def _notify(recipient, n):
    for i in range(n):
        Notification.objects.create(
            recipient=recipient,
            category=Notification.Category.REVIEWS,
            key=f"auth-nav-{recipient.pk}-{i}",
            subject=f"Palaute {i}",
            body="Ohjaaja antoi palautetta.",
            url="/",
        )


def _bar(client) -> str:
    return client.get(reverse("core:home")).content.decode().split("</nav>")[0]


def test_the_person_and_the_bar_are_read_in_one_query(client, learner):
    _notify(learner, 2)
    client.force_login(learner)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("notifications:badge")).content.decode()
    assert BADGE + "2" in page
    # The session, then the person with the bar's roles and unread count: nothing else.
    assert len(queries) == 2, [q["sql"][:80] for q in queries]
    user_sql = queries[1]["sql"]
    assert '"core_user"' in user_sql
    assert '"learners_membership"' in user_sql
    assert '"notifications_notification"' in user_sql


def test_a_change_made_in_one_request_shows_on_the_next(client, learner, other_cohort):
    _notify(learner, 3)
    client.force_login(learner)
    assert BADGE + "3" in _bar(client)
    assert reverse("learners:cohort_list") not in _bar(client)
    # Marking everything read answers with a redirect; the page it leads to shows no badge.
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert response.status_code == 200
    assert BADGE not in response.content.decode().split("</nav>")[0]
    # Made a coordinator of another cohort by someone else: the next page shows the link.
    factories.MembershipFactory(cohort=other_cohort, user=learner, role=Membership.Role.COORDINATOR)
    assert reverse("learners:cohort_list") in _bar(client)
    assert client.get(reverse("learners:cohort_list")).status_code == 200


@pytest.mark.parametrize(
    "old",
    [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_a_session_signed_in_through_the_old_backend_stays_signed_in(client, learner, old):
    client.force_login(learner)
    session = client.session
    session[BACKEND_SESSION_KEY] = old
    session.save()
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == learner.pk
    # Carried over once: the session now names the backend that reads it.
    assert client.session[BACKEND_SESSION_KEY].startswith("dashboard.auth.")
    assert client.get(reverse("notifications:list")).status_code == 200


def test_an_unknown_backend_in_the_session_signs_out(client, learner):
    client.force_login(learner)
    session = client.session
    session[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    session.save()
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_deactivated_or_deleted_account_is_signed_out(client, learner, other_learner):
    client.force_login(learner)
    assert client.get(reverse("notifications:list")).status_code == 200
    type(learner).objects.filter(pk=learner.pk).update(is_active=False)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    client.force_login(other_learner)
    assert client.session[SESSION_KEY] == str(other_learner.pk)
    other_learner.delete()
    assert client.get(reverse("notifications:list")).status_code == 302


def test_signing_in_with_a_password_keeps_the_bar_right(client, learner):
    learner.set_password("Kehittäjä-salasana-2026")
    learner.save()
    _notify(learner, 1)
    response = client.post(
        reverse("account_login"),
        {"login": learner.email, "password": "Kehittäjä-salasana-2026"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == learner.pk
    assert client.session[BACKEND_SESSION_KEY].startswith("dashboard.auth.")
    assert BADGE + "1" in _bar(client)
    # A wrong password is refused, with the form again.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": "väärä-salasana"}
    )
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_the_read_state_is_not_left_on_the_user_object(client, learner):
    client.force_login(learner)
    user = client.get(reverse("notifications:list")).wsgi_request.user
    # The annotations become the navigation state; the row itself is the plain account.
    assert not any(name.startswith("navigation_") for name in vars(user._wrapped))
    assert user._wrapped._navigation_state.unread == 0
    assert user.email == learner.email
    assert user.get_full_name() == learner.get_full_name()
