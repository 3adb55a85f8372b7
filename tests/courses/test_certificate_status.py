"""The credential's revocation status: a public, signed Bitstring Status List that a verifier
reads through the credential's `credentialStatus`, consistent with the verification page."""

import pytest
from django.urls import reverse

from courses import credentials, services
from courses.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(learner, items, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for item in items:
            services.item_complete(user=learner, item=item)
    return Certificate.objects.get(user=learner)


def read_status(client, credential):
    """What a verifier does: follow credentialStatus, check the list's proof, read the bit."""
    entry = credential["credentialStatus"]
    response = client.get(entry["statusListCredential"].removeprefix("http://testserver"))
    assert response.status_code == 200
    status_list = response.json()
    profile = client.get(reverse("certificates:issuer")).json()
    key = credentials.public_key_from_multibase(
        profile["verificationMethod"][0]["publicKeyMultibase"]
    )
    assert credentials.verify(status_list, key)
    assert "BitstringStatusListCredential" in status_list["type"]
    subject = status_list["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "revocation"
    return credentials.status_list_bit(subject["encodedList"], int(entry["statusListIndex"]))


def test_the_credential_points_to_its_bit_in_the_public_revocation_list(issued, settings):
    entry = issued.credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusListIndex"] == str(issued.pk)
    assert entry["statusListCredential"] == (
        f"{settings.SITE_URL}{reverse('certificates:status_list')}"
    )
    # credentialStatus is part of what the proof covers.
    assert credentials.verify(issued.credential, credentials.public_key())


def test_a_valid_certificate_reads_as_valid_in_the_list_and_on_the_page(issued, client, settings):
    settings.SITE_URL = "http://testserver"
    assert read_status(client, issued.credential) is False
    page = client.get(reverse("certificates:verify", args=[issued.code]))
    assert b'data-testid="certificate-valid"' in page.content


def test_a_revoked_certificate_reads_as_revoked_in_the_list_and_on_the_page(
    issued, coordinator, learner, client, settings
):
    settings.SITE_URL = "http://testserver"
    services.certificate_revoke(certificate=issued, by=coordinator, reason="Väärä henkilö.")

    assert read_status(client, issued.credential) is True
    page = client.get(reverse("certificates:verify", args=[issued.code]))
    assert b'data-testid="certificate-revoked"' in page.content
    assert b'data-testid="certificate-valid"' not in page.content
    # The list tells bits only: no names, codes or reasons.
    body = client.get(reverse("certificates:status_list")).content.decode()
    assert "Väärä" not in body
    assert issued.code not in body
    assert learner.email not in body


def test_the_list_is_public_and_hides_how_many_certificates_exist(client, db):
    response = client.get(reverse("certificates:status_list"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json"
    encoded = response.json()["credentialSubject"]["encodedList"]
    # Nothing revoked: 131,072 zero bits, the specification's minimum size.
    assert not any(credentials.status_list_bit(encoded, i) for i in (0, 1, 7, 8, 131_071))


def test_the_bitstring_is_left_to_right_and_grows_past_its_minimum():
    encoded = credentials.encode_status_list([0, 9, 200_000])
    assert credentials.status_list_bit(encoded, 0)
    assert not credentials.status_list_bit(encoded, 1)
    assert credentials.status_list_bit(encoded, 9)
    assert credentials.status_list_bit(encoded, 200_000)
    assert not credentials.status_list_bit(encoded, 200_001)
    assert not credentials.status_list_bit(encoded, 10**7)
