"""Failed-login limits behind the TLS proxy are per client address and per account (#12, item 2).

Every request reaches Django from the proxy (REMOTE_ADDR 127.0.0.1 in the test client); the
proxy appends the address it saw to X-Forwarded-For. With ALLAUTH_TRUSTED_PROXY_COUNT=1 allauth
counts failures per that address, so strangers' failures never lock out a real learner.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Kyytiasemalle-2026"  # noqa: S105 - a test password
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    # allauth keeps its counters in the cache, which outlives a test in the local-memory cache.
    cache.clear()
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.LANGUAGE_CODE = "en"
    yield
    cache.clear()


@pytest.fixture
def learner_account(db):
    user = factories.UserFactory(email="oona@example.fi", password=PASSWORD)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def sign_in(client, email, password, *, address):
    """POST the sign-in form as the proxy would forward it: the client spoofs nothing here."""
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=address,
        REMOTE_ADDR="127.0.0.1",
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def is_limited(response) -> bool:
    return response.status_code == 429 or (
        response.status_code == 200 and "too many" in response.content.decode().lower()
    )


def test_ten_failures_from_other_addresses_do_not_block_a_real_learner(client, learner_account):
    # One minute: a script tries made-up accounts from ten addresses, and from one address.
    for n in range(10):
        response = sign_in(client, f"keksitty{n}@example.fi", "väärä", address=f"203.0.113.{n}")
        assert response.status_code == 200
        assert not signed_in(client)
    for n in range(10):
        sign_in(client, f"toinen{n}@example.fi", "väärä", address="198.51.100.66")
    # That one address is now limited, even for a right password ...
    assert is_limited(sign_in(client, learner_account.email, PASSWORD, address="198.51.100.66"))
    assert not signed_in(client)
    # ... but the real learner, at home, signs in at once.
    response = sign_in(client, learner_account.email, PASSWORD, address="192.0.2.10")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_spoofed_forwarded_address_does_not_escape_the_limit(client, learner_account):
    # The attacker writes its own X-Forwarded-For; the proxy appends the real address on the
    # right, and only that one counts.
    for n in range(10):
        sign_in(client, f"keksitty{n}@example.fi", "väärä", address=f"10.9.8.{n}, 198.51.100.7")
    response = sign_in(client, learner_account.email, PASSWORD, address="1.2.3.4, 198.51.100.7")
    assert is_limited(response)
    assert not signed_in(client)


def test_failures_on_one_account_lock_that_account_only(client, learner_account):
    other = factories.UserFactory(email="olli@example.fi", password=PASSWORD)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=other, email=other.email, defaults={"verified": True, "primary": True}
    )
    # Someone guesses Oona's password from five addresses.
    for n in range(5):
        sign_in(client, learner_account.email, "arvaus", address=f"203.0.113.{n + 20}")
    # Her account is locked for a while, from any address ...
    assert is_limited(sign_in(client, learner_account.email, PASSWORD, address="192.0.2.10"))
    assert not signed_in(client)
    # ... while Olli, from the same addresses, is not affected.
    response = sign_in(client, other.email, PASSWORD, address="203.0.113.20")
    assert response.status_code == 302
    assert signed_in(client)


def test_without_a_trusted_proxy_everyone_behind_it_shares_one_limit(
    client, learner_account, settings
):
    # What #12 found: the proxy's own address for everybody. This is why production sets it.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for n in range(10):
        sign_in(client, f"keksitty{n}@example.fi", "väärä", address=f"203.0.113.{n}")
    assert is_limited(sign_in(client, learner_account.email, PASSWORD, address="192.0.2.10"))


def _production_settings(**env: str) -> dict[str, str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(repr((s.ALLAUTH_TRUSTED_PROXY_COUNT, s.SECURE_PROXY_SSL_HEADER)))"
    )
    base = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "q8Vx#2mN!pL4rT7wY1zK9bH3cF6gJ0dS5aE8uI2oP4xR7vM1nB",
        "REDIS_URL": "redis://127.0.0.1:6379/8",
        "CERTIFICATE_SIGNING_KEY": "tZ0v1mH3qJ8yK2pW6rB9xN4cF7gL1dS5aE8uI2oP4xQ=",
        "DJANGO_ALLOWED_HOSTS": "alueagentti.example.fi",
        **env,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", code], env=base, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_production_reads_the_proxy_settings_from_the_environment():
    assert _production_settings() == "(1, ('HTTP_X_FORWARDED_PROTO', 'https'))"
    assert (
        _production_settings(
            ALLAUTH_TRUSTED_PROXY_COUNT="2", DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Ssl=on"
        )
        == "(2, ('HTTP_X_FORWARDED_SSL', 'on'))"
    )
    assert (
        _production_settings(ALLAUTH_TRUSTED_PROXY_COUNT="0", DJANGO_SECURE_PROXY_SSL_HEADER="")
        == "(0, None)"
    )
