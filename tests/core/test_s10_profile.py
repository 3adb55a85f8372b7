"""A person gives the name others see and chooses the language on their own profile page, and
can give the name when signing up (a tester found a learner who joined with a code could never
enter a name: she showed as her email in the heatmap, exports, reminders and certificates)."""

import pytest
from django.urls import reverse

from core.models import User
from learners import services
from learners.models import Membership

pytestmark = pytest.mark.django_db


def test_a_person_edits_their_own_name_and_language(client, client_for, learner, other_learner):
    url = reverse("core:profile")
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    me = client_for(learner)
    page = me.get(url)
    assert page.status_code == 200
    assert learner.email in page.content.decode()
    assert 'data-testid="nav-profile"' in page.content.decode()
    saved = me.post(url, {"first_name": "Åsa", "last_name": "Ström", "language": "sv"})
    assert saved.status_code == 302
    learner.refresh_from_db()
    assert (learner.first_name, learner.last_name, learner.language) == ("Åsa", "Ström", "sv")
    assert saved.cookies["alueagentti_language"].value == "sv"
    assert 'lang="sv"' in me.get(url).content.decode()
    # Only one's own account: the other learner is untouched whatever is posted.
    other = other_learner.first_name
    me.post(url, {"first_name": "X", "last_name": "Y", "language": "fi", "pk": other_learner.pk})
    other_learner.refresh_from_db()
    assert other_learner.first_name == other
    # Bad input is refused with the form again, nothing saved.
    refused = me.post(url, {"first_name": "Å" * 200, "last_name": "", "language": "xx"})
    assert refused.status_code == 400
    learner.refresh_from_db()
    assert learner.first_name == "X"


def test_a_name_given_at_sign_up_is_saved(client, cohort, coordinator):
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="ylva@example.fi", role="learner"
    )
    client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="first_name"' in page
    assert 'name="last_name"' in page
    response = client.post(
        reverse("account_signup"),
        {
            "email": "ylva@example.fi",
            "first_name": "Ylva",
            "last_name": "Åkerblom",
            "password1": "pitka-Salasana-42",
            "password2": "pitka-Salasana-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="ylva@example.fi")
    assert (user.first_name, user.last_name) == ("Ylva", "Åkerblom")
    assert user.display_name == "Ylva Åkerblom"
    assert Membership.objects.filter(cohort=cohort, user=user).exists()
