"""The invitation's welcome remembers the invitation in the session on the first visit (the
sign-up and sign-in that follow need it) and does not save the unchanged session again on
every later visit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learners import services
from learners.adapters import INVITATION_SESSION_KEY
from tests import factories

pytestmark = pytest.mark.django_db


def session_writes(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


@pytest.mark.parametrize("has_account", [False, True])
def test_the_welcome_saves_the_session_only_when_it_first_remembers_the_invitation(
    client, cohort, coordinator, has_account
):
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="kutsuttu@example.fi", role="learner"
    )
    if has_account:
        factories.UserFactory(email="kutsuttu@example.fi")
    url = reverse("learners:invitation_accept", args=[invitation.token])
    assert session_writes(client, url), "the first visit saves the session"
    assert client.session[INVITATION_SESSION_KEY] == invitation.token
    if not has_account:
        # Sign-up is open for the invited address without a confirmation email.
        assert client.session["account_verified_email"] == "kutsuttu@example.fi"
    assert session_writes(client, url) == []
    assert session_writes(client, url) == []
    assert client.session[INVITATION_SESSION_KEY] == invitation.token
