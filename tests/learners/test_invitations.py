"""Invitations: one by one or from a CSV/XLSX file with a preview, acceptance, resend, revoke."""

from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import User
from learners import services
from learners.models import Invitation, InvitationImport, Membership
from learners.tasks import invitation_send_email
from tests import factories
from tests.learners.conftest import csv_bytes, xlsx_bytes
from tests.refusals import assert_refused

pytestmark = pytest.mark.django_db

HEADER = ["name", "email", "organisation", "role"]


def upload(client, cohort, name, content, capture):
    with capture(execute=True):
        response = client.post(
            reverse("learners:invitation_upload", args=[cohort.pk]),
            {"file": SimpleUploadedFile(name, content)},
        )
    return response


def confirm(client, record, capture):
    with capture(execute=True):
        return client.post(reverse("learners:import_confirm", args=[record.pk]))


# --- one by one ------------------------------------------------------------------------------


def test_a_coordinator_invites_one_person_and_the_email_carries_a_working_link(
    client_for, coordinator, cohort, hameenlinna, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("learners:invitations", args=[cohort.pk]),
            {
                "one-first_name": "Aino",
                "one-last_name": "Aalto",
                "one-email": "Aino.Aalto@Example.fi",
                "one-organisation": hameenlinna.pk,
                "one-role": "learner",
                "one-language": "sv",
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "aino.aalto@example.fi"
    assert invitation.email_status == Invitation.EmailStatus.SENT
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["aino.aalto@example.fi"]
    assert reverse("learners:invitation_accept", args=[invitation.token]) in email.body
    assert email.alternatives[0][1] == "text/html"


def test_inviting_someone_already_in_the_cohort_is_refused_and_nothing_is_saved(
    client_for, coordinator, learner, cohort
):
    response = client_for(coordinator).post(
        reverse("learners:invitations", args=[cohort.pk]),
        {"one-email": learner.email, "one-role": "learner", "one-language": "fi"},
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_the_email_task_run_twice_sends_one_email(
    coordinator, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        invitation = services.invitation_invite(
            cohort=cohort, invited_by=coordinator, email="a@example.fi"
        )
    assert invitation_send_email(invitation.pk) is True
    assert invitation_send_email(invitation.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("who", ["instructor", "learner", "other_instructor"])
def test_only_the_cohorts_coordinators_manage_invitations(request, client_for, cohort, who):
    person = request.getfixturevalue(who)
    client = client_for(person)
    assert client.get(reverse("learners:invitations", args=[cohort.pk])).status_code in (403, 404)
    response = client.post(
        reverse("learners:invitations", args=[cohort.pk]),
        {"one-email": "x@example.fi", "one-role": "coordinator", "one-language": "fi"},
    )
    assert response.status_code in (403, 404)
    assert not Invitation.objects.exists()


def test_a_coordinator_of_another_cohort_cannot_resend_or_revoke(
    client_for, coordinator, other_cohort, django_capture_on_commit_callbacks
):
    other_coordinator = factories.UserFactory()
    factories.MembershipFactory(cohort=other_cohort, user=other_coordinator, role="coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_invite(
            cohort=other_cohort, invited_by=other_coordinator, email="b@example.fi"
        )
    client = client_for(coordinator)
    assert (
        client.post(reverse("learners:invitation_revoke", args=[invitation.pk])).status_code == 404
    )
    assert (
        client.post(reverse("learners:invitation_resend", args=[invitation.pk])).status_code == 404
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_resend_sends_again_and_revoke_kills_the_link(
    client_for, client, coordinator, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_invite(
            cohort=cohort, invited_by=coordinator, email="c@example.fi"
        )
    staff = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("learners:invitation_resend", args=[invitation.pk]))
    assert len(mail.outbox) == 2
    invitation.refresh_from_db()
    assert invitation.send_count == 2

    staff.post(reverse("learners:invitation_revoke", args=[invitation.pk]))
    staff.logout()
    response = client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    assert response.status_code == 410
    assert b'data-testid="invitation-revoked"' in response.content


def test_resending_a_revoked_invitation_is_a_409_and_revoking_it_again_changes_nothing(
    client_for, coordinator, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_invite(
            cohort=cohort, invited_by=coordinator, email="d@example.fi"
        )
    services.invitation_revoke(invitation=invitation)
    invitation.refresh_from_db()
    sent, expires = invitation.send_count, invitation.expires_at
    staff = client_for(coordinator)
    back = reverse("learners:invitations", args=[cohort.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("learners:invitation_resend", args=[invitation.pk]))
    html = assert_refused(response, 409, "Only a pending invitation can be sent again.")
    assert back in html
    response = staff.post(reverse("learners:invitation_revoke", args=[invitation.pk]))
    assert (response.status_code, response["Location"]) == (302, back)  # revoking again: a no-op
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert (invitation.send_count, invitation.expires_at) == (sent, expires)
    assert len(mail.outbox) == 1


def test_an_expired_link_says_so(client, coordinator, cohort):
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="d@example.fi"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    response = client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    assert response.status_code == 410
    assert b'data-testid="invitation-expired"' in response.content
    assert client.get(reverse("learners:invitation_accept", args=["made-up"])).status_code == 404


# --- acceptance ------------------------------------------------------------------------------


def test_a_new_person_signs_up_through_the_link_and_joins_the_cohort(
    client, coordinator, cohort, hameenlinna, django_capture_on_commit_callbacks
):
    invitation = services.invitation_invite(
        cohort=cohort,
        invited_by=coordinator,
        email="uusi@example.fi",
        first_name="Uuna",
        last_name="Uusi",
        organisation=hameenlinna,
        role="learner",
    )
    response = client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    assert response.status_code == 200
    assert f'href="{reverse("account_signup")}"' in response.content.decode()
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert b"uusi@example.fi" in page.content
    response = client.post(
        reverse("account_signup"),
        {
            "email": "uusi@example.fi",
            "password1": "pitka-Salasana-42",
            "password2": "pitka-Salasana-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="uusi@example.fi")
    assert Membership.objects.filter(cohort=cohort, user=user, role="learner").exists()
    assert (user.first_name, user.last_name, user.organisation) == ("Uuna", "Uusi", hameenlinna)
    # The link proved the address: no verification email is needed.
    assert EmailAddress.objects.get(user=user).verified
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == user


def test_sign_up_stays_closed_without_an_invitation(client):
    response = client.get(reverse("account_signup"))
    assert b"uusi@example.fi" not in response.content
    client.post(
        reverse("account_signup"),
        {
            "email": "x@example.fi",
            "password1": "pitka-Salasana-42",
            "password2": "pitka-Salasana-42",
        },
    )
    assert not User.objects.filter(email="x@example.fi").exists()


def test_signing_up_with_another_address_than_invited_is_refused(client, coordinator, cohort):
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="oikea@example.fi"
    )
    client.get(reverse("learners:invitation_accept", args=[invitation.token]))
    client.post(
        reverse("account_signup"),
        {
            "email": "vaara@example.fi",
            "password1": "pitka-Salasana-42",
            "password2": "pitka-Salasana-42",
        },
    )
    assert not User.objects.filter(email="vaara@example.fi").exists()


def test_an_existing_account_signs_in_and_accepts(client, coordinator, cohort, other_cohort):
    person = factories.UserFactory(email="vanha@example.fi")
    factories.MembershipFactory(cohort=other_cohort, user=person)
    invitation = services.invitation_invite(
        cohort=cohort, invited_by=coordinator, email="vanha@example.fi", role="instructor"
    )
    url = reverse("learners:invitation_accept", args=[invitation.token])
    response = client.get(url)
    assert f'href="{reverse("account_login")}?next={url}"' in response.content.decode()
    client.force_login(person)
    page = client.get(url)
    assert b'data-testid="invitation-confirm"' in page.content
    assert client.post(url)["Location"] == reverse("core:home")
    assert Membership.objects.get(cohort=cohort, user=person).role == "instructor"
    # The link is used up.
    assert client.get(url).status_code == 410


def test_someone_signed_in_with_another_address_cannot_use_the_link(
    client_for, learner, coordinator, other_cohort
):
    factories.MembershipFactory(cohort=other_cohort, user=coordinator, role="coordinator")
    invitation = services.invitation_invite(
        cohort=other_cohort, invited_by=coordinator, email="joku@example.fi"
    )
    client = client_for(learner)
    url = reverse("learners:invitation_accept", args=[invitation.token])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not Membership.objects.filter(cohort=other_cohort, user=learner).exists()


# --- files -----------------------------------------------------------------------------------


def bad_rows(learner, invited_email, org):
    return [
        HEADER,
        ["Aino Aalto", "aino@example.fi", org.name, "learner"],  # ok
        ["Bertta Bad", "not-an-email", org.name, "learner"],  # bad email
        ["Cecilia", "cecilia@example.fi", "Atlantis", "learner"],  # unknown organisation
        ["Aino Again", "AINO@example.fi", org.name, "learner"],  # duplicate in the file
        ["Oona", learner.email, org.name, "learner"],  # already a member
        ["Ilona", invited_email, "", "ohjaaja"],  # already invited
        ["Eero", "", org.name, "learner"],  # email missing
        ["Fanni", "fanni@example.fi", org.name.upper(), "rehtori"],  # unknown role
        ["Kaisa Koordinaattori", "kaisa@example.fi", "", "koordinaattori"],  # ok
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_preview_lists_every_kind_of_bad_row_and_saves_nothing(
    kind, client_for, coordinator, learner, cohort, hameenlinna, django_capture_on_commit_callbacks
):
    services.invitation_invite(cohort=cohort, invited_by=coordinator, email="ilona@example.fi")
    rows = bad_rows(learner, "ilona@example.fi", hameenlinna)
    content = csv_bytes(rows, delimiter=";") if kind == "csv" else xlsx_bytes(rows)
    client = client_for(coordinator)
    response = upload(client, cohort, f"ryhma.{kind}", content, django_capture_on_commit_callbacks)
    record = InvitationImport.objects.get()
    assert response["Location"] == reverse("learners:import_detail", args=[record.pk])
    assert record.status == InvitationImport.Status.PREVIEW
    errors = {row["line"]: row["errors"] for row in record.rows}
    assert errors == {
        2: [],
        3: ["bad_email"],
        4: ["unknown_organisation"],
        5: ["duplicate_in_file"],
        6: ["already_member"],
        7: ["already_invited"],
        8: ["missing_email"],
        9: ["unknown_role"],
        10: [],
    }
    page = client.get(reverse("learners:import_detail", args=[record.pk])).content.decode()
    for code in ["bad_email", "unknown_organisation", "duplicate_in_file", "already_member"]:
        assert f'data-error="{code}"' in page
    assert Invitation.objects.count() == 1  # only the earlier one
    assert len(mail.outbox) == 0

    confirm(client, record, django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.DONE
    assert record.created_count == 2
    assert set(Invitation.objects.values_list("email", "role")) == {
        ("ilona@example.fi", "learner"),
        ("aino@example.fi", "learner"),
        ("kaisa@example.fi", "coordinator"),
    }
    assert Invitation.objects.get(email="aino@example.fi").organisation == hameenlinna
    assert sorted(m.to[0] for m in mail.outbox) == ["aino@example.fi", "kaisa@example.fi"]


def test_uploading_and_confirming_the_same_file_again_changes_nothing(
    client_for, coordinator, cohort, hameenlinna, django_capture_on_commit_callbacks
):
    rows = [HEADER, ["Aino Aalto", "aino@example.fi", hameenlinna.name, ""]]
    client = client_for(coordinator)
    upload(client, cohort, "a.csv", csv_bytes(rows), django_capture_on_commit_callbacks)
    first = InvitationImport.objects.get()
    confirm(client, first, django_capture_on_commit_callbacks)
    # A second click on the same confirmation does nothing either.
    confirm(client, first, django_capture_on_commit_callbacks)
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1

    upload(client, cohort, "a.csv", csv_bytes(rows), django_capture_on_commit_callbacks)
    second = InvitationImport.objects.order_by("-pk").first()
    assert second.rows[0]["errors"] == ["already_invited"]
    assert (
        b"import-confirm"
        not in client.get(reverse("learners:import_detail", args=[second.pk])).content
    )
    confirm(client, second, django_capture_on_commit_callbacks)
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_apply_task_run_twice_creates_each_invitation_once(
    coordinator, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = services.import_upload(
            cohort=cohort,
            uploaded_by=coordinator,
            file_name="a.csv",
            content=csv_bytes(
                [HEADER, ["A", "a@example.fi", "", ""], ["B", "b@example.fi", "", ""]]
            ),
        )
    record.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        services.import_confirm(upload=record)
    assert services.import_apply(import_id=record.pk) == 2
    assert services.import_apply(import_id=record.pk) == 0
    InvitationImport.objects.filter(pk=record.pk).update(status="applying")
    assert services.import_apply(import_id=record.pk) == 0
    assert Invitation.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.pdf", b"%PDF-1.4", "CSV"),
        ("a.csv", b"etunimi,puhelin\nAino,040\n", "email"),
        ("a.xlsx", b"not a zip", "Excel"),
    ],
)
def test_an_unreadable_file_gets_a_clear_error(
    client_for,
    coordinator,
    cohort,
    name,
    content,
    message,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.LANGUAGE_CODE = "en"
    coordinator.language = "en"
    coordinator.save()
    client = client_for(coordinator)
    response = upload(client, cohort, name, content, django_capture_on_commit_callbacks)
    record = InvitationImport.objects.first()
    if record is None:  # refused at once, with the reason and a way back
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert 'role="alert"' in html
        assert reverse("learners:invitations", args=[cohort.pk]) in html
    else:
        assert record.status == InvitationImport.Status.FAILED
        assert message in record.error
    assert not Invitation.objects.exists()


def test_five_thousand_rows_are_checked_by_the_task_with_progress(
    client_for,
    coordinator,
    cohort,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    rows = [HEADER] + [[f"Henkilö {i}", f"h{i}@example.fi", "", ""] for i in range(5000)]
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("learners:invitation_upload", args=[cohort.pk]),
            {"file": SimpleUploadedFile("iso.csv", csv_bytes(rows))},
        )
    # The request only stores the file and enqueues the check.
    assert response.status_code == 302
    assert len(callbacks) == 1
    record = InvitationImport.objects.get()
    page = client.get(
        reverse("learners:import_detail", args=[record.pk]), headers={"HX-Request": "true"}
    )
    assert b'hx-trigger="every 1s"' in page.content
    # The upload (1), claimed (1), its row count (1); the cohort's members (1, through a
    # server-side cursor on PostgreSQL), open invitations (1) and organisations (1); the
    # progress every 500 rows (10, for 5,000) and the preview (1): not one per row. (30
    # allowed before.)
    with django_assert_num_queries(17):
        services.import_check(import_id=record.pk)
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.PREVIEW
    assert (record.total_rows, record.processed_rows, len(record.valid_rows)) == (5000, 5000, 5000)


# --- self-enrolment and cohorts ------------------------------------------------------------


def test_self_enrolment_works_with_the_code_until_it_is_turned_off(client_for, coordinator, cohort):
    staff = client_for(coordinator)
    staff.post(
        reverse("learners:cohort_settings", args=[cohort.pk]),
        {"self_enrolment_open": "on", "inactivity_days": 14, "revision_days": 14},
    )
    cohort.refresh_from_db()
    assert cohort.enrolment_code
    person = factories.UserFactory()
    client = client_for(person)
    response = client.post(reverse("learners:join"), {"code": cohort.enrolment_code.lower()})
    assert response.status_code == 302
    assert Membership.objects.filter(cohort=cohort, user=person, role="learner").exists()

    client_for(coordinator).post(
        reverse("learners:cohort_settings", args=[cohort.pk]),
        {"inactivity_days": 14, "revision_days": 14},
    )
    latecomer = factories.UserFactory()
    client = client_for(latecomer)
    response = client.post(reverse("learners:join"), {"code": cohort.enrolment_code})
    assert response.status_code == 400
    assert not Membership.objects.filter(user=latecomer).exists()
    assert (
        client.get(reverse("learners:join_code", args=[cohort.enrolment_code])).status_code == 410
    )


def test_a_new_person_signs_up_with_an_open_code(client, coordinator, cohort):
    services.cohort_update_settings(
        cohort=cohort, self_enrolment_open=True, inactivity_days=14, revision_days=14
    )
    client.post(reverse("learners:join"), {"code": cohort.enrolment_code})
    client.post(
        reverse("account_signup"),
        {
            "email": "koodi@example.fi",
            "password1": "pitka-Salasana-42",
            "password2": "pitka-Salasana-42",
        },
    )
    user = User.objects.get(email="koodi@example.fi")
    assert Membership.objects.filter(cohort=cohort, user=user, role="learner").exists()


def test_a_coordinator_creates_and_copies_a_cohort_with_shifted_dates(
    client_for, coordinator, instructor, learner, cohort
):
    client = client_for(coordinator)
    response = client.post(
        reverse("learners:cohort_copy", args=[cohort.pk]),
        {"name": "Syksy 2027", "start_date": "2027-09-01"},
    )
    copy = cohort.__class__.objects.get(name="Syksy 2027")
    assert response["Location"] == reverse("learners:cohort_detail", args=[copy.pk])
    assert copy.end_date == cohort.end_date + (copy.start_date - cohort.start_date)
    roles = dict(copy.memberships.values_list("user__email", "role"))
    assert roles == {coordinator.email: "coordinator", instructor.email: "instructor"}

    response = client.post(
        reverse("learners:cohort_create"),
        {
            "course": cohort.course_id,
            "name": "Uusi",
            "start_date": "2027-01-10",
            "end_date": "2027-01-01",
        },
    )
    assert response.status_code == 400
    assert not cohort.__class__.objects.filter(name="Uusi").exists()


def test_a_date_past_the_calendar_is_refused_in_finnish_and_no_cohort_is_made(
    client_for, coordinator, cohort, assignment
):
    """A year like 9999 is one slipped key in a date box: the create and copy forms refuse it
    with a translated error and a 400 (they answered 500 when the copy's end or the at-risk
    list's due dates were computed past the year 9999)."""
    client = client_for(coordinator)
    response = client.post(
        reverse("learners:cohort_create"),
        {
            "course": cohort.course_id,
            "name": "Kaukana",
            "start_date": "9999-12-01",
            "end_date": "9999-12-31",
        },
    )
    assert response.status_code == 400
    assert "Anna päivämäärä väliltä 1.1.1900–31.12.2099." in response.content.decode()
    assert not cohort.__class__.objects.filter(name="Kaukana").exists()
    # The copy ends as many days after its start as the cohort: past 2099 it is refused too.
    copy_url = reverse("learners:cohort_copy", args=[cohort.pk])
    response = client.post(copy_url, {"name": "Kopio", "start_date": "2099-12-30"})
    assert response.status_code == 400
    assert "Kopio päättyisi" in response.content.decode()
    assert not cohort.__class__.objects.filter(name="Kopio").exists()
    # A cohort saved with such dates before they were bounded still opens its pages.
    cohort.__class__.objects.filter(pk=cohort.pk).update(
        start_date=date(9999, 12, 1), end_date=date(9999, 12, 31)
    )
    assert client.get(copy_url).status_code == 200
    assert client.get(reverse("learners:at_risk", args=[cohort.pk])).status_code == 200


def test_bad_cohort_settings_answer_400_with_the_reason_and_keep_the_old_ones(
    client_for, coordinator, cohort
):
    url = reverse("learners:cohort_settings", args=[cohort.pk])
    before = cohort.inactivity_days
    response = client_for(coordinator).post(
        url, {"inactivity_days": "0", "revision_days": "7", "review_target_days": "5"}
    )
    assert response.status_code == 400
    assert "Valitse 1–365 päivää." in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.inactivity_days == before


def test_instructors_cannot_create_or_copy_cohorts(client_for, instructor, cohort):
    client = client_for(instructor)
    assert client.get(reverse("learners:cohort_create")).status_code == 403
    assert (
        client.post(
            reverse("learners:cohort_copy", args=[cohort.pk]),
            {"name": "X", "start_date": "2027-01-01"},
        ).status_code
        == 403
    )
