"""A coordinator's invitation week for a cohort of 17 municipalities: a file's languages in any
of the three languages' spellings (an unknown one a problem of its row), a Swedish invitee who
signs up in Swedish with her name filled in, a revoke that asks first and can be clicked twice,
emails that say the role, answer to the coordinator and work into the cohort's first weeks,
and a list of 300 invitations filtered by municipality page after page."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.models import User
from learners import services
from learners.models import Invitation, InvitationImport, Membership
from tests import factories
from tests.learners.conftest import csv_bytes
from tests.refusals import assert_refused

pytestmark = pytest.mark.django_db

PASSWORD = "pitka-Salasana-42"


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def upload_and_check(client, cohort, content, capture):
    with capture(execute=True):
        response = client.post(
            reverse("learners:invitation_upload", args=[cohort.pk]),
            {"file": SimpleUploadedFile("kunnat.csv", content)},
        )
    assert response.status_code == 302
    return InvitationImport.objects.latest("pk")


# --- 1. the file's languages -----------------------------------------------------------------

SPELLINGS = [
    ("Svenska", "sv"),
    ("ruotsi", "sv"),
    ("SV-FI", "sv"),
    ("Swedish", "sv"),
    ("English", "en"),
    ("englanti", "en"),
    ("Engelska", "en"),
    ("suomi", "fi"),
    ("Finska", "fi"),
    ("fi-FI", "fi"),
    ("", "fi"),
]


def test_a_files_languages_are_read_in_any_of_the_three_languages_and_an_unknown_one_is_a_problem(
    client_for, coordinator, cohort, hameenlinna, django_capture_on_commit_callbacks
):
    rows = [["Etunimi", "Sukunimi", "Sähköposti", "Kunta", "Kieli"]]
    for n, (spelling, _code) in enumerate(SPELLINGS):
        rows.append([f"Henkilö{n}", "Kuntalainen", f"h{n}@kunta.fi", hameenlinna.name, spelling])
    rows.append(["Greta", "Tysk", "greta@kunta.fi", hameenlinna.name, "saksa"])
    client = client_for(coordinator)

    record = upload_and_check(
        client, cohort, csv_bytes(rows, delimiter=";"), django_capture_on_commit_callbacks
    )

    assert record.status == InvitationImport.Status.PREVIEW
    by_email = {row["email"]: row for row in record.rows}
    assert by_email["greta@kunta.fi"]["errors"] == ["unknown_language"]
    for n, (_spelling, code) in enumerate(SPELLINGS):
        assert by_email[f"h{n}@kunta.fi"]["errors"] == []
        assert by_email[f"h{n}@kunta.fi"]["language"] == code
    # The preview shows each person's language, and the unknown one as written, as a problem.
    page = client.get(reverse("learners:import_detail", args=[record.pk])).content.decode()
    assert page.count('data-language="sv"') == 4
    assert page.count('data-language="en"') == 3
    assert page.count('data-language="fi"') == 4
    assert 'data-error="unknown_language"' in page
    greta = page.split('data-testid="error-row-13"', 1)[1].split("</tr>", 1)[0]
    assert '<td data-column="language">saksa</td>' in greta

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("learners:import_confirm", args=[record.pk]))
    languages = dict(Invitation.objects.values_list("email", "language"))
    assert "greta@kunta.fi" not in languages
    assert languages == {f"h{n}@kunta.fi": code for n, (_s, code) in enumerate(SPELLINGS)}
    # Each email goes out in the person's own language.
    swedish = next(m for m in mail.outbox if m.to == ["h0@kunta.fi"])
    with translation.override("sv"):
        subject = translation.gettext("Invitation to %(cohort)s") % {"cohort": cohort.name}
    assert swedish.subject.endswith(subject)


# --- 2 and 3. signing up through a Swedish invitation ----------------------------------------


def test_a_swedish_invitee_signs_up_in_swedish_with_her_name_filled_in(client, coordinator, cohort):
    invitation = services.invitation_invite(
        cohort=cohort,
        invited_by=coordinator,
        email="heidi@kunta.fi",
        first_name="Heidi",
        last_name="Holm",
        language="sv",
    )
    welcome = client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    assert html_lang(welcome) == "sv"

    form = client.get(reverse("account_signup"))

    assert form.status_code == 200
    assert html_lang(form) == "sv"
    html = form.content.decode()
    assert input_value(html, "first_name") == "Heidi"
    assert input_value(html, "last_name") == "Holm"
    assert input_value(html, "email") == "heidi@kunta.fi"
    # She may change what the coordinator wrote.
    response = client.post(
        reverse("account_signup"),
        {
            "email": "heidi@kunta.fi",
            "first_name": "Heidi",
            "last_name": "Holm-Virtanen",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        follow=True,
    )
    assert response.redirect_chain
    user = User.objects.get(email="heidi@kunta.fi")
    assert (user.first_name, user.last_name, user.language) == ("Heidi", "Holm-Virtanen", "sv")
    assert Membership.objects.filter(cohort=cohort, user=user).exists()
    # The page after the sign-up, its "signed in" message included, is Swedish.
    assert html_lang(response) == "sv"
    messages = [str(m) for m in response.context["messages"]]
    with translation.override("fi"):
        finnish = translation.gettext("Successfully signed in as %(name)s.") % {
            "name": user.display_name
        }
    assert messages
    assert finnish not in messages
    # And so is the next visit.
    assert html_lang(client.get(reverse("core:home"))) == "sv"


def test_the_welcome_leaves_a_language_someone_chose_alone(client, coordinator, cohort):
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="heidi@kunta.fi", language="sv"
    )
    url = reverse("learners:invitation_accept", args=[invitation.token])
    client.get(url)
    # On the Swedish welcome she chooses Finnish in the footer: the welcome and the sign-up
    # follow her choice.
    client.post(reverse("core:set_language"), {"language": "fi", "next": url})

    assert html_lang(client.get(url)) == "fi"
    assert html_lang(client.get(reverse("account_signup"))) == "fi"

    # Someone who already has an account signs in to their own saved language.
    client.cookies.clear()
    person = factories.UserFactory(email="vanha@kunta.fi", language="fi")
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="vanha@kunta.fi", language="sv"
    )
    url = reverse("learners:invitation_accept", args=[invitation.token])
    welcome = client.get(url)
    assert html_lang(welcome) == "sv"
    client.force_login(person)
    client.post(url)
    person.refresh_from_db()
    assert person.language == "fi"
    assert Membership.objects.filter(cohort=cohort, user=person).exists()


# --- 4. revoking -----------------------------------------------------------------------------


@pytest.fixture
def pending(coordinator, cohort, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.invitation_invite(
            cohort=cohort, invited_by=coordinator, email="peruttava@kunta.fi"
        )


def test_revoking_asks_first_and_a_second_click_changes_nothing(
    client_for, client, coordinator, cohort, pending
):
    staff = client_for(coordinator)
    url = reverse("learners:invitation_revoke", args=[pending.pk])
    listing = staff.get(reverse("learners:invitations", args=[cohort.pk])).content.decode()
    # Next to "Resend" the list offers a link to a confirmation, not a form that revokes.
    assert f'action="{url}"' not in listing
    assert f'href="{url}?next=' in listing

    confirm = staff.get(url)

    assert confirm.status_code == 200
    assert 'data-testid="revoke-form"' in confirm.content.decode()
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.PENDING

    first = staff.post(url)
    second = staff.post(url)

    back = reverse("learners:invitations", args=[cohort.pk])
    assert (first.status_code, first["Location"]) == (302, back)
    assert (second.status_code, second["Location"]) == (302, back)
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.REVOKED
    # Its confirmation page now only says so.
    assert staff.get(url)["Location"] == back
    staff.logout()
    assert (
        client.get(reverse("learners:invitation_accept", args=[pending.token])).status_code == 410
    )


def test_an_accepted_invitation_cannot_be_revoked(client_for, coordinator, pending):
    person = factories.UserFactory(email="peruttava@kunta.fi")
    services.invitation_accept(invitation=pending, user=person)
    staff = client_for(coordinator)
    url = reverse("learners:invitation_revoke", args=[pending.pk])
    assert_refused(staff.get(url), 409, "Only a pending invitation can be revoked.")
    assert_refused(staff.post(url), 409, "Only a pending invitation can be revoked.")
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.ACCEPTED


@pytest.mark.parametrize("who", ["instructor", "learner", "other_coordinator"])
def test_only_the_cohorts_coordinators_reach_the_revoke(
    request, client_for, other_cohort, pending, who
):
    if who == "other_coordinator":
        person = factories.UserFactory()
        factories.MembershipFactory(cohort=other_cohort, user=person, role="coordinator")
    else:
        person = request.getfixturevalue(who)
    client = client_for(person)
    url = reverse("learners:invitation_revoke", args=[pending.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url).status_code in (403, 404)
    pending.refresh_from_db()
    assert pending.status == Invitation.Status.PENDING


# --- 5. the emails ---------------------------------------------------------------------------


def invite(cohort, coordinator, capture, **kwargs):
    with capture(execute=True):
        invitation = services.invitation_invite(cohort=cohort, invited_by=coordinator, **kwargs)
    return invitation, mail.outbox[-1]


def html_of(message) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


def learner_wording(cohort) -> str:
    with translation.override("fi"):
        return translation.gettext(
            "You have been invited to take part in %(course)s in the group %(cohort)s."
        ) % {"course": cohort.course.title, "cohort": cohort.name}


@pytest.mark.parametrize("role", ["instructor", "coordinator"])
def test_staff_are_told_their_role_and_replies_go_to_the_inviting_coordinator(
    coordinator, cohort, django_capture_on_commit_callbacks, role
):
    _invitation, message = invite(
        cohort, coordinator, django_capture_on_commit_callbacks, email="uusi@kunta.fi", role=role
    )
    assert f'data-role="{role}"' in html_of(message)
    assert learner_wording(cohort) not in message.body
    assert message.reply_to == [coordinator.email]


def test_a_learners_invitation_keeps_its_wording_and_answers_to_the_coordinator(
    coordinator, cohort, django_capture_on_commit_callbacks
):
    _invitation, message = invite(
        cohort, coordinator, django_capture_on_commit_callbacks, email="uusi@kunta.fi"
    )
    assert learner_wording(cohort) in message.body
    assert message.reply_to == [coordinator.email]


def test_without_its_inviter_replies_go_to_the_cohorts_coordinator(
    coordinator, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        invitation = services.invitation_invite(
            cohort=cohort, invited_by=coordinator, email="uusi@kunta.fi"
        )
    Invitation.objects.filter(pk=invitation.pk).update(invited_by=None)
    services.invitation_send_email(invitation_id=invitation.pk)
    assert mail.outbox[-1].reply_to == [coordinator.email]


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def test_a_link_sent_weeks_before_the_cohort_starts_works_into_its_first_weeks(
    client_for, coordinator, cohort, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    cohort.start_date = today + datetime.timedelta(days=44)  # 7.12. for a start on 20.1.
    cohort.end_date = today + datetime.timedelta(days=200)
    cohort.save()
    last_day = cohort.start_date + datetime.timedelta(days=14)

    invitation, message = invite(
        cohort, coordinator, django_capture_on_commit_callbacks, email="uusi@kunta.fi"
    )

    assert local_day(invitation.expires_at) == last_day
    with translation.override("fi"):
        shown = date_format(last_day, "SHORT_DATE_FORMAT")
    assert shown in message.body
    assert shown in html_of(message)
    # Resent a week later, and from a file: the same day at the least.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(coordinator).post(reverse("learners:invitation_resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert local_day(invitation.expires_at) == last_day
    assert services.invitation_expires_at(cohort=cohort) == invitation.expires_at


def test_the_days_after_the_start_are_a_setting_and_a_near_start_keeps_the_usual_period(
    settings, coordinator, cohort
):
    today = timezone.localdate()
    cohort.start_date = today + datetime.timedelta(days=44)
    cohort.end_date = today + datetime.timedelta(days=200)
    settings.INVITATION_VALID_DAYS_AFTER_COHORT_START = 21
    expires = services.invitation_expires_at(cohort=cohort)
    assert local_day(expires) == cohort.start_date + datetime.timedelta(days=21)
    # A cohort that starts tomorrow: the usual 30 days from now.
    cohort.start_date = today + datetime.timedelta(days=1)
    now = timezone.now()
    expires = services.invitation_expires_at(cohort=cohort, now=now)
    assert expires == now + datetime.timedelta(days=services.INVITATION_VALID_DAYS)


def test_an_imported_invitation_works_into_the_cohorts_first_weeks(
    client_for, coordinator, cohort, hameenlinna, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    cohort.start_date = today + datetime.timedelta(days=44)
    cohort.end_date = today + datetime.timedelta(days=200)
    cohort.save()
    client = client_for(coordinator)
    rows = [["name", "email", "organisation"], ["Aino Aalto", "aino@kunta.fi", hameenlinna.name]]
    record = upload_and_check(client, cohort, csv_bytes(rows), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("learners:import_confirm", args=[record.pk]))
    invitation = Invitation.objects.get()
    assert local_day(invitation.expires_at) == cohort.start_date + datetime.timedelta(days=14)


# --- 6. 300 invitations by municipality --------------------------------------------------------


def invitations_for(cohort, coordinator, organisation, n, prefix):
    now = timezone.now()
    Invitation.objects.bulk_create(
        [
            Invitation(
                cohort=cohort,
                email=f"{prefix}{i}@kunta.fi",
                first_name=f"{prefix.title()}{i}",
                organisation=organisation,
                invited_by=coordinator,
                expires_at=now + datetime.timedelta(days=30),
                token=f"{prefix}-{i}",
            )
            for i in range(n)
        ]
    )


def test_the_invitation_list_is_filtered_by_municipality_page_after_page(
    client_for, coordinator, cohort, hameenlinna
):
    tampere = factories.OrganisationFactory(name="Tampereen kaupunki")
    invitations_for(cohort, coordinator, hameenlinna, 60, "hml")
    invitations_for(cohort, coordinator, tampere, 20, "tre")
    invitations_for(cohort, coordinator, None, 5, "eiorg")
    client = client_for(coordinator)
    url = reverse("learners:invitations", args=[cohort.pk])

    everyone = client.get(url)
    assert everyone.context["page"].paginator.count == 85
    html = everyone.content.decode()
    assert f'<option value="{hameenlinna.pk}">Hämeenlinnan kaupunki</option>' in html
    assert f'<option value="{tampere.pk}">Tampereen kaupunki</option>' in html

    first = client.get(url, {"org": tampere.pk})
    assert first.context["page"].paginator.count == 20
    assert {i.organisation_id for i in first.context["page"]} == {tampere.pk}

    first = client.get(url, {"org": hameenlinna.pk})
    page = first.context["page"]
    assert (page.paginator.count, page.paginator.num_pages) == (60, 2)
    html = first.content.decode()
    assert f'<option value="{hameenlinna.pk}" selected>' in html
    next_link = re.search(r'href="([^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    assert f"org={hameenlinna.pk}" in next_link
    second = client.get(url + next_link)
    assert len(second.context["page"]) == 10
    assert {i.organisation_id for i in second.context["page"]} == {hameenlinna.pk}
    # The search box finds the municipality's name too.
    assert client.get(url, {"q": "Hämeenlinna"}).context["page"].paginator.count == 60
    assert client.get(url, {"q": "hämeenlinna"}).context["page"].paginator.count == 60
    # A filter that names no organisation shows everyone, never an error.
    for bad in ["x", "-1", "99999999999999999999", "1.5"]:
        response = client.get(url, {"org": bad})
        assert (response.status_code, response.context["page"].paginator.count) == (200, 85)


def test_the_filtered_invitation_list_costs_the_same_for_300_invitations(
    client_for, coordinator, cohort, hameenlinna, django_assert_num_queries
):
    client = client_for(coordinator)
    url = reverse("learners:invitations", args=[cohort.pk])
    invitations_for(cohort, coordinator, hameenlinna, 5, "a")
    client.get(url)  # the session, the cohort's caches
    # The session, and the coordinator with the navigation's roles and unread badge (2); the
    # cohort (1); the invitations' count (1); the organisations the filter offers (1) and those
    # the invitation form offers (1, through a server-side cursor on PostgreSQL); the imports
    # (1); the page of invitations (1). (12 allowed before.)
    budget = 8
    with django_assert_num_queries(budget):
        response = client.get(url, {"org": hameenlinna.pk})
    assert response.context["page"].paginator.count == 5
    for n in range(8):
        organisation = factories.OrganisationFactory(name=f"Kunta {n}")
        invitations_for(cohort, coordinator, organisation, 40, f"k{n}-")
    with django_assert_num_queries(budget):
        response = client.get(url, {"org": hameenlinna.pk})
    assert response.context["page"].paginator.count == 5
    with django_assert_num_queries(budget):
        response = client.get(url, {"q": "Kunta 3", "page": 1})
    assert response.context["page"].paginator.count == 40
