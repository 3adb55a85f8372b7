"""The credential signer canonicalises with RFC 8785 (JCS, the `rfc8785` package), so a
credential that holds a number, such as the course's ECTS credits, verifies for any outside
verifier of the eddsa-jcs-2022 cryptosuite, not only for our own `verify` (#15 small repeats)."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature

from courses import authoring, credentials
from tests.courses.test_certificate_content import issue

ISSUED_AT = datetime.datetime(2026, 5, 29, 12, 0, tzinfo=datetime.UTC)


def outside_verifier_accepts(document: dict, public_key) -> bool:
    """The eddsa-jcs-2022 verification steps written out with rfc8785 alone (as a wallet or a
    registry would do it), independent of courses.credentials' own hashing."""
    proof = document["proof"]
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = document["@context"]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    hash_data = (
        hashlib.sha256(rfc8785.dumps(options)).digest()
        + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    )
    try:
        public_key.verify(credentials.b58decode(proof["proofValue"][1:]), hash_data)
    except InvalidSignature:
        return False
    return True


def _credential(credits: float | None) -> dict:
    return credentials.achievement_credential(
        credential_id="https://alueagentti.example/certificates/ABC123",
        achievement_id="https://alueagentti.example/courses/1",
        learner_name="Maija Meikäläinen",
        course_title="Alueagentti – aluekehittämisen koulutus",
        course_description="",
        criteria="Kaikki moduulit suoritettu.",
        issued_at=ISSUED_AT,
        status_index=7,
        credits=credits,
    )


@pytest.mark.parametrize("credits", [5.0, 1.5, 0.1, 30.0])
def test_a_credential_with_credits_verifies_here_and_for_an_outside_verifier(credits):
    signed = credentials.sign(_credential(credits), created=ISSUED_AT)

    assert signed["credentialSubject"]["creditsEarned"] == credits
    assert credentials.verify(signed, credentials.public_key())
    assert outside_verifier_accepts(signed, credentials.public_key())


def test_whole_credits_are_signed_as_jcs_writes_them_not_as_python_does():
    # The number that used to break outside verification: json.dumps writes 5.0, JCS 5.
    canonical = credentials.jcs(_credential(5.0))

    assert b'"creditsEarned":5,' in canonical or b'"creditsEarned":5}' in canonical
    assert (
        canonical
        != json.dumps(
            _credential(5.0), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )


def test_a_credential_without_numbers_is_canonicalised_as_before():
    # Credentials issued before the switch hold only strings, booleans and objects, for which
    # JCS equals the sorted compact json.dumps: their stored proofs stay valid.
    document = _credential(None)  # its status list index is written as a string

    assert (
        credentials.jcs(document)
        == json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )


def test_a_changed_number_breaks_the_proof():
    signed = credentials.sign(_credential(5.0), created=ISSUED_AT)
    forged = json.loads(json.dumps(signed))
    forged["credentialSubject"]["creditsEarned"] = 50

    assert not credentials.verify(forged, credentials.public_key())
    assert not outside_verifier_accepts(forged, credentials.public_key())


@pytest.mark.django_db
def test_an_issued_certificate_with_whole_ects_credits_verifies_for_an_outside_verifier(
    learner, course, items, django_capture_on_commit_callbacks
):
    # The learner's journey: the course offers 5 ECTS credits, the learner finishes it, and
    # the downloaded credential checks out wherever it is presented.
    authoring.course_certificate_set(course=course, scope_credits=Decimal("5"))
    certificate = issue(learner, items, django_capture_on_commit_callbacks)

    assert certificate.credential["credentialSubject"]["creditsEarned"] == 5
    assert credentials.verify(certificate.credential, credentials.public_key())
    assert outside_verifier_accepts(certificate.credential, credentials.public_key())
