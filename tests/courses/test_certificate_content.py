"""What the certificate PDF says (#11 item 23): the modules, the scope where the course sets
it, the issuer, a signature line and the verification address; the portfolio links to the PDF
as well as to the verification page; the notification is filed under certificates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from courses import authoring, services
from courses.models import Certificate
from notifications.models import Notification
from tests.conftest import skip_or_fail
from tests.courses.test_certificates import finish_course
from tests.pdfs import pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _weasyprint():
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot be imported: {exc}")


def issue(learner, items, callbacks):
    finish_course(learner, items, django_capture_on_commit_callbacks=callbacks)
    return Certificate.objects.get(user=learner)


@override_settings(CERTIFICATE_ISSUER_NAME="Suomen Kasvukäytävä")
def test_the_pdf_lists_the_modules_scope_issuer_signer_and_where_to_verify(
    learner, course, items, client_for, django_capture_on_commit_callbacks
):
    learner.language = "en"
    learner.save(update_fields=["language"])
    modules = list(course.modules.order_by("position"))
    for number, module in enumerate(modules, start=1):
        module.title = f"Moduuli {number}: {['Verkostot', 'Kokeilut', 'Vaikuttavuus'][number - 1]}"
        module.save(update_fields=["title"])
    authoring.course_certificate_set(
        course=course,
        scope_hours=Decimal("27"),
        scope_credits=Decimal("1.5"),
        signer="Maria Virtanen, projektipäällikkö",
    )
    certificate = issue(learner, items, django_capture_on_commit_callbacks)
    response = client_for(learner).get(reverse("certificates:pdf", args=[certificate.code]))
    assert response.status_code == 200
    pages = pdf_pages(response.content)
    assert len(pages) == 1  # one landscape page, however the parts add up
    text = pdf_text(response.content)
    for module in modules:
        assert module.title in text
    assert "Scope: 27 hours · 1.5 ECTS credits" in text
    assert "Maria Virtanen, projektipäällikkö" in text
    assert "Issued by Suomen Kasvukäytävä" in text
    assert "Date" in text  # the caption under the date's line, beside the signature's
    verify = services.certificate_verify_url(certificate)
    assert verify.replace(" ", "") in text.replace(" ", "")
    assert certificate.code in text
    assert certificate.learner_name in text


def test_a_course_without_scope_leaves_the_line_out_and_signs_with_the_issuer(
    learner, course, items, client_for, django_capture_on_commit_callbacks
):
    learner.language = "fi"
    learner.save(update_fields=["language"])
    draft = course.modules.order_by("position").last()
    draft.title = "Luonnosmoduuli"
    draft.is_published = False
    draft.save(update_fields=["title", "is_published"])
    published = [i for i in items if i.module_id != draft.pk]
    certificate = issue(learner, published, django_capture_on_commit_callbacks)
    text = pdf_text(services.certificate_pdf(certificate=certificate))
    with translation.override("fi"):
        scope = translation.gettext("Scope")
    assert f"{scope}:" not in text
    assert "Luonnosmoduuli" not in text  # a draft module is not part of what was completed
    assert "Alueagentti" in text


def test_the_scope_is_typed_with_a_decimal_comma_on_the_criteria_page(client_for, course):
    from tests import factories

    author = factories.UserFactory(email="tekija@example.fi")
    course.authors.add(author)
    client = client_for(author)
    url = reverse("courses:criteria", args=[course.pk])
    response = client.post(
        url, {"scope_hours": "13,5", "scope_credits": "0,5", "certificate_signer": " Maria "}
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.scope_hours, course.scope_credits, course.certificate_signer) == (
        Decimal("13.5"),
        Decimal("0.5"),
        "Maria",
    )
    with translation.override("fi"):
        page = client.get(url).content.decode()
    assert 'value="13,5"' in page
    response = client.post(url, {"scope_hours": "13,5,1", "scope_credits": "-1"})
    assert response.status_code == 400
    course.refresh_from_db()
    assert course.scope_hours == Decimal("13.5")


def test_only_authors_set_the_certificates_scope(client_for, course, instructor, learner):
    url = reverse("courses:criteria", args=[course.pk])
    for person in (instructor, learner):
        response = client_for(person).post(url, {"scope_hours": "99"})
        assert response.status_code in (403, 404)
    course.refresh_from_db()
    assert course.scope_hours is None


def test_the_portfolio_links_to_the_pdf_and_the_verification_page(
    learner, other_learner, items, client_for, django_capture_on_commit_callbacks
):
    certificate = issue(learner, items, django_capture_on_commit_callbacks)
    client = client_for(learner)
    html = client.get(reverse("portfolio:home")).content.decode()
    pdf_url = reverse("certificates:pdf", args=[certificate.code])
    assert f'href="{pdf_url}" data-testid="portfolio-certificate-pdf"' in html
    assert f'href="{reverse("certificates:verify", args=[certificate.code])}"' in html
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response.content[:5] == b"%PDF-"
    # The PDF is the holder's: another learner gets 404.
    assert client_for(other_learner).get(pdf_url).status_code == 404


def test_the_certificate_notification_is_filed_under_certificates(
    learner, items, django_capture_on_commit_callbacks
):
    certificate = issue(learner, items, django_capture_on_commit_callbacks)
    notification = Notification.objects.get(key=f"certificate-issued:{certificate.pk}")
    assert notification.category == Notification.Category.CERTIFICATES
    # Emailed at once by default, not held for a digest nor skipped.
    assert notification.email_status in (
        Notification.EmailStatus.QUEUED,
        Notification.EmailStatus.SENT,
    )


def test_the_signed_credential_carries_the_courses_credits(
    learner, course, items, django_capture_on_commit_callbacks
):
    from courses import credentials

    authoring.course_certificate_set(course=course, scope_credits=Decimal("1.5"))
    certificate = issue(learner, items, django_capture_on_commit_callbacks)
    subject = certificate.credential["credentialSubject"]
    assert subject["achievement"]["creditsAvailable"] == 1.5
    assert subject["creditsEarned"] == 1.5
    assert credentials.verify(certificate.credential, credentials.public_key())
