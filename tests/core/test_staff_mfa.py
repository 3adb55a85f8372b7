"""Staff need a second factor (#12, item 5): instructors, coordinators and superusers without an
authenticator app or a security key are sent to set one up before any staff page, /admin/
included; once they have one they go on; learners are never asked; the setting turns it off."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Ohjaaja-salasana-2026"  # noqa: S105 - a test password


@pytest.fixture(autouse=True)
def _rule_on(settings):
    settings.ALUEAGENTTI_REQUIRE_STAFF_MFA = True
    settings.LANGUAGE_CODE = "en"


def with_password(user):
    user.set_password(PASSWORD)
    user.language = "en"
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def sent_to_setup(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("mfa_index"))


STAFF_PAGES = [
    ("instructor", "workshops:review_queue", []),
    ("instructor", "core:home", []),
    ("coordinator", "learners:cohort_list", []),
    ("superuser", "admin:index", []),
    ("superuser", "admin:workshops_submission_changelist", []),
]


@pytest.mark.parametrize(("persona", "page", "args"), STAFF_PAGES)
def test_staff_without_a_second_factor_are_sent_to_set_one_up(
    request, client_for, persona, page, args
):
    person = request.getfixturevalue(persona)
    client = client_for(person)
    url = reverse(page, args=args)
    response = client.get(url)
    assert sent_to_setup(response)
    assert f"next={url.replace('/', '%2F')}" in response["Location"]
    # A POST is refused the same way, and nothing behind it runs.
    assert sent_to_setup(client.post(url, {}))


def test_the_setup_page_and_the_own_account_pages_stay_open(client_for, instructor):
    instructor.language = "en"
    instructor.save()
    client = client_for(instructor)
    assert sent_to_setup(client.get(reverse("core:home")))
    setup = client.get(reverse("mfa_index"))
    assert setup.status_code == 200
    assert "Staff accounts need two-factor authentication" in setup.content.decode()
    for name in ("mfa_index", "account_email", "account_change_password"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.post(reverse("core:set_language"), {"language": "sv"}).status_code == 302
    assert client.post(reverse("account_logout")).status_code == 302


def test_an_instructor_sets_up_totp_in_the_browser_flow_and_goes_on(client, instructor):
    with_password(instructor)
    sign_in(client, instructor)
    assert sent_to_setup(client.get(reverse("workshops:review_queue")))
    # The activation page shows a secret; the app's current code turns it on.
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    # allauth asks for the password again before a new factor is added.
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(activate).status_code == 200
    secret = client.session[totp.SECRET_SESSION_KEY]
    code = totp.format_hotp_value(
        totp.hotp_value(secret, next(totp.yield_hotp_counters_from_time()))
    )
    response = client.post(activate, {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=instructor, type=Authenticator.Type.TOTP).exists()
    response = client.get(reverse("workshops:review_queue"))
    assert response.status_code == 200
    # A later sign-in asks for the code, then lets them in.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": instructor.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    code = totp.format_hotp_value(
        totp.hotp_value(secret, next(totp.yield_hotp_counters_from_time()))
    )
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("workshops:review_queue")).status_code == 200


def test_a_superuser_with_a_security_key_opens_the_admin(client_for, superuser):
    Authenticator.objects.create(user=superuser, type=Authenticator.Type.WEBAUTHN, data={})
    assert client_for(superuser).get(reverse("admin:index")).status_code == 200


def test_recovery_codes_alone_are_not_a_second_factor(client_for, coordinator):
    Authenticator.objects.create(user=coordinator, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert sent_to_setup(client_for(coordinator).get(reverse("learners:cohort_list")))


def test_learners_are_never_asked(client_for, learner, course):
    client = client_for(learner)
    for url in (reverse("core:home"), reverse("courses:detail", args=[course.pk])):
        assert client.get(url).status_code == 200


def test_an_htmx_request_is_sent_to_the_setup_page_as_a_whole(client_for, instructor):
    response = client_for(instructor).get(reverse("workshops:review_queue"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("mfa_index"))


def test_the_setting_turns_the_rule_off_for_a_demo(client_for, instructor, settings):
    settings.ALUEAGENTTI_REQUIRE_STAFF_MFA = False
    assert client_for(instructor).get(reverse("workshops:review_queue")).status_code == 200


def test_an_organisation_whose_identity_provider_enforces_mfa_is_not_asked_again(
    client_for, instructor
):
    """Only a session signed in through the provider is spared (core/oidc.py); the sign-in
    itself is tested in tests/core/test_oidc_sign_in.py."""
    from core.oidc import SESSION_KEY

    organisation = instructor.organisation
    organisation.oidc_enabled = True
    organisation.oidc_issuer = "https://idp.example.fi"
    organisation.idp_enforces_mfa = True
    organisation.save()
    client = client_for(instructor)
    # Signed in with a password: asked as before.
    assert sent_to_setup(client.get(reverse("workshops:review_queue")))
    session = client.session
    session[SESSION_KEY] = organisation.pk
    session.save()
    assert client.get(reverse("workshops:review_queue")).status_code == 200
    organisation.idp_enforces_mfa = False
    organisation.save()
    assert sent_to_setup(client.get(reverse("workshops:review_queue")))


def test_a_learner_made_instructor_is_asked_from_the_next_page_on(client_for, learner, cohort):
    client = client_for(learner)
    assert client.get(reverse("core:home")).status_code == 200
    factories.MembershipFactory(
        cohort=factories.CohortFactory(course=cohort.course), user=learner, role="instructor"
    )
    assert sent_to_setup(client.get(reverse("core:home")))


def test_the_rule_costs_learners_one_query_at_most(
    client_for, learner, settings, django_assert_max_num_queries
):
    client = client_for(learner)
    settings.ALUEAGENTTI_REQUIRE_STAFF_MFA = False
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as off:
        client.get(reverse("core:home"))
    settings.ALUEAGENTTI_REQUIRE_STAFF_MFA = True
    with CaptureQueriesContext(connection) as on:
        client.get(reverse("core:home"))
    assert len(on) <= len(off) + 1
