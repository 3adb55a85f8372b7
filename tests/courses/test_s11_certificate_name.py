"""A learner who changes their name on the profile page gets it on their certificate: the PDF,
the signed credential and the public verification page show the name they go by now (as in
Open edX and Moodle), with the same code and issue date; a revoked certificate stays revoked,
the certificate keeps its language, and an erased person's name never comes back."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from core.outbox import PublishHint
from courses import credentials, services, tasks
from courses.models import Certificate
from tests.conftest import skip_or_fail
from tests.courses.test_certificate_status import read_status
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

PROFILE = reverse("core:profile")


@pytest.fixture(autouse=True)
def _weasyprint():
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot be imported: {exc}")


@pytest.fixture
def issued(learner, items, django_capture_on_commit_callbacks):
    learner.last_name = "Mäkelä"
    learner.save(update_fields=["last_name"])
    with django_capture_on_commit_callbacks(execute=True):
        for item in items:
            services.item_complete(user=learner, item=item)
    certificate = Certificate.objects.get(user=learner)
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.learner_name == "Oona Mäkelä"
    assert certificate.pdf
    return certificate


def rename(client, *, first="Oona", last="Virtanen", language="fi"):
    response = client.post(PROFILE, {"first_name": first, "last_name": last, "language": language})
    assert response.status_code == 302
    return response


def refresh_hints(callbacks):
    return [
        hook.args
        for hook in callbacks
        if isinstance(hook, PublishHint) and hook.task is tasks.certificate_name_refresh
    ]


def pdf_of(client, certificate):
    response = client.get(reverse("certificates:pdf", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(response.content)


def verify_page(client, certificate):
    response = client.get(reverse("certificates:verify", args=[certificate.code]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_name_on_the_profile_reaches_the_pdf_the_credential_and_the_verification_page(
    issued, learner, client, client_for, django_capture_on_commit_callbacks
):
    before = pdf_of(client_for(learner), issued)
    assert "Oona Mäkelä" in before
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rename(client_for(learner))
    assert refresh_hints(callbacks) == [(issued.pk,)]

    text = pdf_of(client_for(learner), issued)
    assert "Oona Virtanen" in text
    assert "Mäkelä" not in text
    assert issued.code in text  # the same code, printed and in the verification address

    client.logout()
    page = verify_page(client, issued)
    assert 'data-testid="certificate-name">Oona Virtanen<' in page
    assert "Mäkelä" not in page
    assert 'data-testid="certificate-valid"' in page

    certificate = Certificate.objects.get(pk=issued.pk)
    assert (certificate.code, certificate.issued_at, certificate.status) == (
        issued.code,
        issued.issued_at,
        Certificate.Status.ISSUED,
    )
    assert certificate.learner_name == "Oona Virtanen"
    assert certificate.pdf.name != issued.pdf.name
    assert not issued.pdf.storage.exists(issued.pdf.name)  # the old file went after commit
    # The credential carries the new name, signed again; its id and dates are as issued.
    credential = certificate.credential
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == "Oona Virtanen"
    assert credentials.verify(credential, credentials.public_key())
    for key in ("id", "validFrom", "credentialStatus", "issuer", "name"):
        assert credential[key] == issued.credential[key]


def test_the_downloads_and_the_page_need_no_task_to_have_run(
    issued, learner, client, client_for, django_capture_on_commit_callbacks
):
    # The hint is published after commit but never runs (the broker is down, say).
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rename(client_for(learner), first="Oona-Maria", last="Laine")
    assert refresh_hints(callbacks) == [(issued.pk,)]
    assert Certificate.objects.get(pk=issued.pk).learner_name == "Oona Mäkelä"

    client.logout()
    page = verify_page(client, issued)
    assert "Oona-Maria Laine" in page
    assert "Mäkelä" not in page

    me = client_for(learner)
    text = pdf_of(me, issued)
    assert "Oona-Maria Laine" in text
    assert "Mäkelä" not in text
    response = me.get(reverse("certificates:json", args=[issued.code]))
    assert response.status_code == 200
    assert "Oona-Maria Laine" in response.content.decode()
    assert "Mäkelä" not in response.content.decode()
    # The download brought the certificate up to date: the late task has nothing to do.
    assert tasks.certificate_name_refresh(issued.pk) is False


def test_the_refresh_task_is_idempotent(
    issued, learner, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        rename(client_for(learner))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.certificate_name_refresh(issued.pk) is True
    first = Certificate.objects.get(pk=issued.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.certificate_name_refresh(issued.pk) is False  # a duplicate delivery
    assert callbacks == []
    again = Certificate.objects.get(pk=issued.pk)
    assert again.pdf.name == first.pdf.name  # rendered once
    assert again.credential == first.credential
    assert again.learner_name == "Oona Virtanen"
    assert first.pdf.storage.exists(first.pdf.name)
    # Saving the profile without changing the name publishes nothing.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rename(client_for(learner))
    assert refresh_hints(callbacks) == []


def test_a_revoked_certificate_stays_revoked_under_the_new_name(
    issued, learner, coordinator, client, client_for, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    services.certificate_revoke(certificate=issued, by=coordinator, reason="Väärä kurssi.")
    revoked = Certificate.objects.get(pk=issued.pk)
    with django_capture_on_commit_callbacks(execute=True):
        rename(client_for(learner))

    certificate = Certificate.objects.get(pk=issued.pk)
    assert certificate.learner_name == "Oona Virtanen"
    assert (certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason) == (
        revoked.revoked_at,
        coordinator,
        "Väärä kurssi.",
    )
    assert read_status(client, certificate.credential) is True
    client.logout()
    page = verify_page(client, certificate)
    assert 'data-testid="certificate-revoked"' in page
    assert 'data-testid="certificate-valid"' not in page
    assert "Oona Virtanen" in page
    assert "Mäkelä" not in page


def test_the_certificate_keeps_its_language_when_the_name_and_language_change_together(
    issued, learner, client_for, django_capture_on_commit_callbacks
):
    assert issued.language == "fi"
    with translation.override("fi"):
        finnish = translation.gettext("This certifies that")
    with translation.override("sv"):
        swedish = translation.gettext("This certifies that")
    assert finnish != swedish
    with django_capture_on_commit_callbacks(execute=True):
        rename(client_for(learner), language="sv")  # the interface now speaks Swedish

    text = pdf_of(client_for(learner), issued)
    assert "Oona Virtanen" in text
    assert finnish in text
    assert swedish not in text
    assert Certificate.objects.get(pk=issued.pk).language == "fi"


def test_an_erased_person_never_gets_a_name_back_on_the_certificate(
    issued, learner, superuser, client, client_for, django_capture_on_commit_callbacks
):
    from privacy import services as privacy

    with django_capture_on_commit_callbacks(execute=False) as late_hints:
        rename(client_for(learner))
    client.logout()
    request = privacy.erasure_request(user=learner, requested_by=learner)
    privacy.erasure_carry_out(request=request, by=superuser)

    # The hint published before the erasure arrives after it, and the sweeper runs.
    with django_capture_on_commit_callbacks(execute=True):
        for hook in late_hints:
            hook()
        assert tasks.certificate_name_refresh(issued.pk) is False
        assert services.certificate_names_sweep() == []
    certificate = Certificate.objects.get(pk=issued.pk)
    assert certificate.learner_name == ""
    assert not certificate.pdf
    assert certificate.credential == {}
    assert certificate.revoked_at is not None
    page = verify_page(client, certificate)
    assert 'data-testid="certificate-revoked"' in page
    assert "Mäkelä" not in page
    assert "Virtanen" not in page
    assert "erased" not in page


def test_the_sweeper_refreshes_a_name_changed_outside_the_profile_page(
    issued, learner, other_learner, items, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for item in items:
            services.item_complete(user=other_learner, item=item)
    assert services.certificate_names_sweep() == []
    learner.first_name, learner.last_name = "Åsa", "Ström"
    learner.save(update_fields=["first_name", "last_name"])  # the admin, say: no hint

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.certificate_names_sweep() == [issued.pk]
    assert refresh_hints(callbacks) == [(issued.pk,)]
    assert Certificate.objects.get(pk=issued.pk).learner_name == "Åsa Ström"
    assert services.certificate_names_sweep() == []
    assert "Åsa Ström" in pdf_of(client_for(learner), issued)


def test_the_verification_page_reads_the_name_in_one_query(
    issued, client, django_assert_num_queries
):
    url = reverse("certificates:verify", args=[issued.code])
    client.get(url)  # the first request of a process warms caches
    # No one is signed in: the certificate with the name it carries (1). (2 allowed
    # before.)
    with django_assert_num_queries(1):
        page = client.get(url)
    assert "Oona Mäkelä" in page.content.decode()


def test_nobody_else_downloads_the_renamed_certificate(
    issued, learner, other_learner, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        rename(client_for(learner))
    stranger = client_for(other_learner)
    assert stranger.get(reverse("certificates:pdf", args=[issued.code])).status_code == 404
    assert stranger.get(reverse("certificates:json", args=[issued.code])).status_code == 404
    # The stranger's requests refreshed nothing.
    assert Certificate.objects.get(pk=issued.pk).learner_name == "Oona Mäkelä"
