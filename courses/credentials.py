"""Open Badges 3.0 credentials signed with the platform's Ed25519 key.

A certificate's credential is an `AchievementCredential` (the OB 3.0 alias of
`OpenBadgeCredential`) in the W3C Verifiable Credentials Data Model 2.0, secured with an
embedded Data Integrity proof of the `eddsa-jcs-2022` cryptosuite
(https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022):

    hashData   = SHA-256(JCS(proof options + the document's @context))
                 || SHA-256(JCS(credential without its proof))
    proofValue = "z" + base58btc(Ed25519-sign(hashData))

JCS is RFC 8785 (the `rfc8785` package): besides sorting keys and dropping whitespace it writes
numbers as ECMAScript does, so the ECTS credits 5.0 are signed as `5` exactly as any other
verifier canonicalises them (`json.dumps` would write `5.0` and the proof would not check out).

The public key is published as a Multikey in the issuer profile at /certificates/issuer.json
(`verificationMethod` "<that URL>#key-1"), so anyone can check a downloaded credential.

The private key comes from settings.CERTIFICATE_SIGNING_KEY (a PEM, or base64 of a PEM, of
the raw 32-byte seed, or of a DER key). Unset in development (DEBUG), a key is generated once
and kept in settings.CERTIFICATE_DEV_KEY_PATH; production.py refuses to start without one.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import gzip
import hashlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
CRYPTOSUITE = "eddsa-jcs-2022"
# Multicodec prefix of an Ed25519 public key (0xed 0x01) for publicKeyMultibase.
ED25519_PUB_PREFIX = b"\xed\x01"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


# --- encodings -----------------------------------------------------------------------------


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    pad = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * pad + body


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON (JCS) of a JSON value."""
    return rfc8785.dumps(value)


def multibase_public_key(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("Only base58btc multibase keys are supported.")
    raw = b58decode(value[1:])
    if not raw.startswith(ED25519_PUB_PREFIX):
        raise ValueError("Not an Ed25519 public key.")
    return Ed25519PublicKey.from_public_bytes(raw[len(ED25519_PUB_PREFIX) :])


# --- the key -------------------------------------------------------------------------------


def _parse_key(raw: str) -> Ed25519PrivateKey:
    text = raw.strip()
    if not text.startswith("-----BEGIN"):
        try:
            decoded = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                "CERTIFICATE_SIGNING_KEY must be an Ed25519 key as PEM or base64."
            ) from None
        if len(decoded) == 32:
            return Ed25519PrivateKey.from_private_bytes(decoded)
        if decoded.lstrip().startswith(b"-----BEGIN"):
            text = decoded.decode()
        else:
            key = serialization.load_der_private_key(decoded, password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 key.")
            return key
    key = serialization.load_pem_private_key(text.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 key.")
    return key


def _dev_key() -> Ed25519PrivateKey:
    path = settings.CERTIFICATE_DEV_KEY_PATH
    if path.exists():
        return _parse_key(path.read_text())
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    path.chmod(0o600)
    return key


@lru_cache(maxsize=1)
def signing_key() -> Ed25519PrivateKey:
    if settings.CERTIFICATE_SIGNING_KEY:
        return _parse_key(settings.CERTIFICATE_SIGNING_KEY)
    if settings.CERTIFICATE_DEV_KEY_ALLOWED:
        return _dev_key()
    raise ImproperlyConfigured(
        "Set CERTIFICATE_SIGNING_KEY (an Ed25519 private key) to issue certificates."
    )


@receiver(setting_changed)
def _forget_key(*, setting: str, **kwargs: object) -> None:
    if setting in (
        "CERTIFICATE_SIGNING_KEY",
        "CERTIFICATE_DEV_KEY_PATH",
        "CERTIFICATE_DEV_KEY_ALLOWED",
    ):
        signing_key.cache_clear()


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


# --- the issuer ----------------------------------------------------------------------------


def issuer_url() -> str:
    return f"{settings.SITE_URL}{reverse('certificates:issuer')}"


def verification_method() -> str:
    return f"{issuer_url()}#key-1"


def issuer_profile() -> dict[str, Any]:
    """The OB 3.0 issuer Profile, also a controller document publishing the public key."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, MULTIKEY_CONTEXT],
        "id": issuer_url(),
        "type": ["Profile"],
        "name": settings.CERTIFICATE_ISSUER_NAME,
        "url": settings.SITE_URL,
        "verificationMethod": [
            {
                "id": verification_method(),
                "type": "Multikey",
                "controller": issuer_url(),
                "publicKeyMultibase": multibase_public_key(public_key()),
            }
        ],
        "assertionMethod": [verification_method()],
    }


# --- signing and verifying -----------------------------------------------------------------


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    config = {k: v for k, v in proof_options.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return hashlib.sha256(jcs(config)).digest() + hashlib.sha256(jcs(unsecured)).digest()


def sign(document: dict[str, Any], *, created: datetime.datetime) -> dict[str, Any]:
    """Return `document` with an eddsa-jcs-2022 DataIntegrityProof by the platform's key."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _utc(created),
        "verificationMethod": verification_method(),
        "proofPurpose": "assertionMethod",
    }
    signature = signing_key().sign(_hash_data(document, proof))
    proof["proofValue"] = "z" + b58encode(signature)
    return {**document, "proof": proof}


def verify(document: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """True when the document's eddsa-jcs-2022 proof was made by `key` over this content."""
    proof = document.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    value = proof.get("proofValue", "")
    if not isinstance(value, str) or not value.startswith("z"):
        return False
    try:
        key.verify(b58decode(value[1:]), _hash_data(document, proof))
    except (InvalidSignature, ValueError):
        return False
    return True


def achievement_credential(
    *,
    credential_id: str,
    achievement_id: str,
    learner_name: str,
    course_title: str,
    course_description: str,
    criteria: str,
    issued_at: datetime.datetime,
    status_index: int | None = None,
    credits: float | None = None,
) -> dict[str, Any]:
    """The unsigned OB 3.0 AchievementCredential for one certificate; with `status_index`
    it points at its bit in the public revocation list (`credentialStatus`); with `credits`
    (the course's ECTS credits) the achievement offers them and the learner earned them."""
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {
            "id": issuer_url(),
            "type": ["Profile"],
            "name": settings.CERTIFICATE_ISSUER_NAME,
            "url": settings.SITE_URL,
        },
        "validFrom": _utc(issued_at),
        "name": course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": learner_name,
                }
            ],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": course_title,
                "description": course_description or course_title,
                "criteria": {"narrative": criteria},
            },
        },
    }
    if credits is not None:
        credential["credentialSubject"]["achievement"]["creditsAvailable"] = credits
        credential["credentialSubject"]["creditsEarned"] = credits
    if status_index is not None:
        credential["credentialStatus"] = status_list_entry(status_index)
    return credential


# --- revocation: a W3C Bitstring Status List ------------------------------------------------
#
# Each credential names one bit (its certificate's id) in a public list at
# /certificates/status/revocation.json, a BitstringStatusListCredential signed like the
# credentials themselves (https://www.w3.org/TR/vc-bitstring-status-list/). A set bit means
# revoked; the list holds no names, only bits, and its minimum size (16 KB, 131,072 entries)
# keeps how many certificates exist from showing.

STATUS_LIST_MIN_BITS = 131_072


def status_list_url() -> str:
    return f"{settings.SITE_URL}{reverse('certificates:status_list')}"


def status_list_entry(index: int) -> dict[str, str]:
    return {
        "id": f"{status_list_url()}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": status_list_url(),
    }


def encode_status_list(set_bits: Iterable[int]) -> str:
    """The `encodedList`: multibase base64url (no padding) of the GZIP of the bitstring, in
    which index 0 is the left-most bit of the first byte."""
    bits = sorted(set(set_bits))
    size = STATUS_LIST_MIN_BITS
    while bits and bits[-1] >= size:
        size += STATUS_LIST_MIN_BITS
    data = bytearray(size // 8)
    for index in bits:
        data[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(data), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def status_list_bit(encoded_list: str, index: int) -> bool:
    """Read one bit of an `encodedList` (how a verifier checks a credential's status)."""
    if not encoded_list.startswith("u"):
        raise ValueError("Only base64url multibase lists are supported.")
    raw = encoded_list[1:]
    data = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if index // 8 >= len(data):
        return False
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    *, revoked_indexes: Iterable[int], now: datetime.datetime
) -> dict[str, Any]:
    """The signed BitstringStatusListCredential with the bits of every revoked certificate."""
    document = {
        "@context": [VC_CONTEXT],
        "id": status_list_url(),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(),
        "validFrom": _utc(now),
        "credentialSubject": {
            "id": f"{status_list_url()}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked_indexes),
        },
    }
    return sign(document, created=now)
