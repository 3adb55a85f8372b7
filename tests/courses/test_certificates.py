"""Course completion and certificates: issue, signed credential, verification page, revoking."""

import copy

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from courses import credentials, services, tasks
from courses.models import Certificate, Completion
from learners.models import Membership
from notifications.models import Notification
from tests import factories
from tests.conftest import skip_or_fail
from workshops.models import Submission


def finish_course(user, items, *, django_capture_on_commit_callbacks):
    """Mark every item done by its button; the last one may finish the course."""
    for item in items[:-1]:
        services.item_complete(user=user, item=item)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.item_complete(user=user, item=items[-1])
    return callbacks


@pytest.fixture
def issued(learner, items, django_capture_on_commit_callbacks):
    finish_course(
        learner, items, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    return Certificate.objects.get(user=learner)


def test_finishing_the_last_required_item_issues_a_certificate_after_commit(
    learner, items, django_capture_on_commit_callbacks
):
    for item in items[:-1]:
        services.item_complete(user=learner, item=item)
    assert not Certificate.objects.exists()

    callbacks = finish_course(
        learner, items[-1:], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )

    assert len(callbacks) >= 1
    certificate = Certificate.objects.get(user=learner)
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.course_title == "Alueagentti"
    assert certificate.learner_name == learner.display_name
    assert certificate.issued_at is not None
    assert len(certificate.code) == 14
    notification = Notification.objects.get(recipient=learner)
    assert notification.key == f"certificate-issued:{certificate.pk}"
    assert certificate.code in notification.body


def test_no_certificate_while_a_required_item_is_undone(learner, items):
    for item in items[:-1]:
        services.item_complete(user=learner, item=item)
    items[-1].is_required = True
    items[-1].save()
    assert services.course_completion_check(user=learner, course=items[0].module.course) is None
    assert not Certificate.objects.exists()


def test_optional_items_do_not_hold_back_the_certificate(learner, items):
    items[-1].is_required = False
    items[-1].save()
    for item in items[:-1]:
        services.item_complete(user=learner, item=item)
    assert Certificate.objects.filter(user=learner).exists()


def test_a_required_workshop_phase_must_be_approved_too(
    learner, cohort, items, assignment, client_for
):
    course = cohort.course
    course.completion_assignments.add(assignment)
    for item in items:
        services.item_complete(user=learner, item=item)
    assert not Certificate.objects.exists()

    factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=Submission.Status.APPROVED
    )
    # The approval happened in workshops; the next visit of the outline notices it.
    response = client_for(learner).get(reverse("courses:detail", args=[course.pk]))
    assert response.status_code == 200
    assert Certificate.objects.filter(user=learner, course=course).exists()


def test_the_credential_is_an_open_badge_signed_with_the_published_key(issued, client):
    credential = issued.credential
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/")
    assert "AchievementCredential" in credential["type"]
    subject = credential["credentialSubject"]
    assert subject["achievement"]["name"] == "Alueagentti"
    assert subject["identifier"][0]["identityHash"] == issued.learner_name
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"

    profile = client.get(reverse("certificates:issuer")).json()
    method = profile["verificationMethod"][0]
    assert credential["proof"]["verificationMethod"] == method["id"]
    public_key = credentials.public_key_from_multibase(method["publicKeyMultibase"])
    assert credentials.verify(credential, public_key)

    forged = copy.deepcopy(credential)
    forged["credentialSubject"]["identifier"][0]["identityHash"] = "Joku Muu"
    assert not credentials.verify(forged, public_key)


def test_a_credential_signed_with_another_key_does_not_verify(issued):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key()
    assert not credentials.verify(issued.credential, other)


def test_the_verification_page_is_public_and_says_valid(issued, client):
    response = client.get(reverse("certificates:verify", args=[issued.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="certificate-valid"' in html
    assert issued.learner_name in html
    assert "Alueagentti" in html
    assert issued.user.email not in html
    assert "<title>" in html
    assert "certificate-revoked" not in html


def test_an_unknown_code_is_404(client, db):
    assert client.get(reverse("certificates:verify", args=["NOPE-NOPE-NOPE"])).status_code == 404


def test_a_coordinator_of_the_cohort_revokes_with_a_reason(issued, coordinator, client_for):
    client = client_for(coordinator)
    url = reverse("certificates:revoke", args=[issued.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Suoritus perustui virheelliseen kirjaukseen."})
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.revoked_at is not None
    assert issued.revoked_by == coordinator

    client.logout()
    page = client.get(reverse("certificates:verify", args=[issued.code])).content.decode()
    assert 'data-testid="certificate-revoked"' in page
    assert "virheelliseen" not in page  # the reason stays private


def test_revoking_without_a_reason_is_refused_and_saves_nothing(issued, coordinator, client_for):
    response = client_for(coordinator).post(
        reverse("certificates:revoke", args=[issued.pk]), {"reason": "   "}
    )
    assert response.status_code == 400
    assert 'data-testid="revoke-error"' in response.content.decode()
    issued.refresh_from_db()
    assert issued.revoked_at is None


@pytest.mark.parametrize(
    "persona", ["learner", "other_learner", "instructor", "other_instructor", "outsider_learner"]
)
def test_revoking_is_denied_to_everyone_but_the_cohorts_coordinators(
    issued, persona, request, client_for
):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("certificates:revoke", args=[issued.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    issued.refresh_from_db()
    assert issued.revoked_at is None


def test_a_coordinator_of_another_cohort_cannot_revoke(issued, other_cohort, client_for):
    other = factories.UserFactory()
    factories.MembershipFactory(cohort=other_cohort, user=other, role=Membership.Role.COORDINATOR)
    client = client_for(other)
    assert (
        client.post(reverse("certificates:revoke", args=[issued.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert client.get(reverse("certificates:cohort", args=[issued.cohort_id])).status_code == 404


def test_the_coordinator_lists_the_cohorts_certificates(issued, coordinator, client_for):
    response = client_for(coordinator).get(reverse("certificates:cohort", args=[issued.cohort_id]))
    assert response.status_code == 200
    assert f'data-certificate="{issued.pk}"' in response.content.decode()


def test_the_holder_downloads_the_credential_and_nobody_else(issued, other_learner, client_for):
    url = reverse("certificates:json", args=[issued.code])
    response = client_for(issued.user).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response.json()["proof"]["proofValue"] == issued.credential["proof"]["proofValue"]
    assert client_for(other_learner).get(url).status_code == 404


def test_the_outline_offers_the_downloads(issued, client_for):
    html = client_for(issued.user).get(reverse("courses:detail", args=[issued.course_id]))
    html = html.content.decode()
    assert 'data-testid="certificate-pdf"' in html
    assert 'data-testid="certificate-json"' in html


def test_the_pdf_renders_in_the_learners_language(
    learner, items, client_for, other_learner, django_capture_on_commit_callbacks
):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot be imported: {exc}")
    learner.language = "sv"
    learner.save()
    finish_course(
        learner, items, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    certificate = Certificate.objects.get(user=learner)
    assert certificate.language == "sv"
    assert certificate.pdf
    url = reverse("certificates:pdf", args=[certificate.code])
    response = client_for(learner).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        b"".join(response.streaming_content if response.streaming else [response.content])[:5]
        == b"%PDF-"
    )
    assert client_for(other_learner).get(url).status_code == 404


def test_issuing_twice_never_makes_two_certificates(issued, learner):
    course = issued.course
    assert services.course_completion_check(user=learner, course=course) == issued
    assert tasks.certificate_issue(issued.pk) is False  # already issued: nothing to claim
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(user=learner, course=course, code="AAAA-BBBB-CCCC")
    assert Certificate.objects.filter(user=learner).count() == 1
    assert Notification.objects.filter(recipient=learner).count() == 1


def test_a_failed_issue_goes_back_to_pending_and_a_retry_issues_it(
    learner, items, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "_certificate_pdf", broken)
    for item in items[:-1]:
        services.item_complete(user=learner, item=item)
    Completion.objects.create(user=learner, item=items[-1])
    certificate = services.course_completion_check(user=learner, course=items[0].module.course)
    with pytest.raises(OSError, match="disk full"):
        services.certificate_issue(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.PENDING
    assert not Notification.objects.filter(recipient=learner).exists()

    monkeypatch.undo()
    assert services.certificate_issue(certificate_id=certificate.pk) is True
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ISSUED


def test_the_issue_task_is_enqueued_only_after_commit(
    learner, items, django_capture_on_commit_callbacks
):
    for item in items[:-1]:
        services.item_complete(user=learner, item=item)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.item_complete(user=learner, item=items[-1])
    assert Certificate.objects.get(user=learner).status == Certificate.Status.PENDING
    assert callbacks  # the task waits for the commit


def test_multibase_and_base58_round_trip():
    for data in [b"", b"\0\0abc", bytes(range(40))]:
        assert credentials.b58decode(credentials.b58encode(data)) == data
    key = credentials.public_key()
    again = credentials.public_key_from_multibase(credentials.multibase_public_key(key))
    assert again.public_bytes_raw() == key.public_bytes_raw()


def test_the_demo_finisher_holds_a_valid_certificate(demo_data, db, client):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    certificate = Certificate.objects.get(user__email="mikko.laine@demo.alueagentti.fi")
    assert certificate.status == Certificate.Status.ISSUED
    assert Certificate.objects.count() == 1
    page = client.get(reverse("certificates:verify", args=[certificate.code]))
    assert 'data-testid="certificate-valid"' in page.content.decode()
