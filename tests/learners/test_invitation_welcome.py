"""Issue #11 item 22: the invited person's arrival. The link's page welcomes them and says which
cohort, course and coordinator they are joining, in the language chosen for them; allauth's
password-reset email is the platform's own, in the person's profile language."""

import pytest
from django.urls import reverse

from learners import services
from learners.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(cohort, coordinator, instructor):
    coordinator.first_name, coordinator.last_name = "Kaisa", "Koordinaattori"
    coordinator.save()
    return services.invitation_invite(
        cohort=cohort,
        invited_by=coordinator,
        email="uusi@example.fi",
        first_name="Uuna",
        role="learner",
        language="en",
    )


def test_the_link_welcomes_a_new_person_with_the_cohort_course_and_coordinator(
    client, invitation, cohort, coordinator, instructor
):
    url = reverse("learners:invitation_accept", args=[invitation.token])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 200
    html = response.content.decode()
    # The coordinator chose English for this person: the welcome is in English.
    assert '<html lang="en"' in html
    assert "Welcome, Uuna!" in html
    assert (
        f"You are invited to join {cohort.name} of the course {cohort.course.title} as "
        "Learner." in html
    )
    assert 'data-testid="welcome-coordinator">Kaisa Koordinaattori' in html
    assert coordinator.email in html
    assert instructor.display_name in html
    assert 'data-testid="invitation-sign-up"' in html
    # Following the button, sign-up is open for the invited address and joins the cohort.
    page = client.get(reverse("account_signup"))
    assert b"uusi@example.fi" in page.content
    client.post(
        reverse("account_signup"),
        {
            "email": "uusi@example.fi",
            "password1": "pitka-Salasana-42",
            "password2": "pitka-Salasana-42",
        },
    )
    assert Membership.objects.filter(cohort=cohort, user__email="uusi@example.fi").exists()


def test_someone_with_an_account_is_welcomed_and_asked_to_sign_in_then_confirms(
    client, invitation, cohort
):
    person = factories.UserFactory(email="uusi@example.fi", first_name="Uuna")
    url = reverse("learners:invitation_accept", args=[invitation.token])
    html = client.get(url).content.decode()
    assert 'data-testid="invitation-sign-in"' in html
    assert 'data-testid="invitation-welcome"' in html
    client.force_login(person)
    html = client.get(url).content.decode()
    assert 'data-testid="invitation-confirm"' in html
    assert 'data-testid="welcome-course"' in html
    assert client.post(url).status_code == 302
    assert Membership.objects.filter(cohort=cohort, user=person).exists()


def test_the_welcome_is_not_shown_to_someone_signed_in_with_another_address(
    client_for, learner, invitation
):
    url = reverse("learners:invitation_accept", args=[invitation.token])
    response = client_for(learner).get(url)
    assert response.status_code == 403
    assert b'data-testid="invitation-welcome"' not in response.content


def test_an_unknown_link_is_404_and_says_nothing_about_any_cohort(client, cohort, invitation):
    response = client.get(reverse("learners:invitation_accept", args=["arvattu-token"]))
    assert response.status_code == 404
    assert cohort.name.encode() not in response.content


def test_the_welcome_page_takes_a_fixed_number_of_queries(
    client, invitation, cohort, django_assert_num_queries
):
    # No one is signed in: the session (1); the invitation with its cohort, course,
    # organisation and inviter (1); the cohort's staff (1); whether an account has the address
    # (1); the organisation sign-in for its domain (1). The session is not saved again: it
    # holds the invitation since the first visit (test_s13_invitation_session). (10 allowed
    # before: the cohort and the inviter read on their own, the session saved on every visit.)
    budget = 5
    url = reverse("learners:invitation_accept", args=[invitation.token])
    client.get(url)
    with django_assert_num_queries(budget):
        client.get(url)
    for _n in range(15):
        factories.MembershipFactory(
            cohort=cohort, user=factories.UserFactory(), role=Membership.Role.INSTRUCTOR
        )
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
