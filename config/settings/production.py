"""Production: real secrets, HTTPS only, Redis cache, JSON logs; demo data is never loaded here."""

import base64
import binascii

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from config.logging import logging_config

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_proxy_ssl_header, env_str

# Keys that are public (written in this repository: the development default, the old compose
# defaults and build-time keys) can never be production secrets.
PUBLIC_KEYS = frozenset(
    {
        "dev-only-insecure-key-do-not-use-in-production",
        "compose-local-only-secret-change-me-0123456789abcdefghijkl",
        "build-only-not-a-real-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        "Y29tcG9zZS1sb2NhbC1vbmx5LWtleS0wMTIzNDU2Nzg=",
        "YnVpbGQtb25seS1ub3QtYS1yZWFsLWtleS0wMTIzNDU=",
    }
)
# Words that mark a placeholder someone forgot to replace.
PLACEHOLDER_WORDS = ("change-me", "changeme", "insecure", "not-a-real", "dev-only", "local-only")


def refuse_public_secret(name: str, value: str, *, min_length: int) -> None:
    """Raise ImproperlyConfigured when `value` is missing, short, public or a placeholder."""
    lowered = value.lower()
    if len(value) < min_length:
        raise ImproperlyConfigured(
            f"{name} must be a random secret of {min_length} characters or more."
        )
    if value in PUBLIC_KEYS or any(word in lowered for word in PLACEHOLDER_WORDS):
        raise ImproperlyConfigured(
            f"{name} is a publicly known example value: generate a new random one "
            "(README, 'Settings')."
        )
    if len(set(value)) < 5:
        raise ImproperlyConfigured(f"{name} has too few different characters to be random.")


def refuse_readable_signing_key(value: str) -> None:
    """A base64 key that decodes to readable text is a passphrase, not 32 random bytes."""
    if value.lstrip().startswith("-----BEGIN"):
        return
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return  # not base64: courses/credentials.py refuses it with its own message
    if raw and all(32 <= byte < 127 for byte in raw):
        raise ImproperlyConfigured(
            "CERTIFICATE_SIGNING_KEY decodes to readable text: use a random Ed25519 key "
            "(README, 'Settings')."
        )


DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
refuse_public_secret("DJANGO_SECRET_KEY", SECRET_KEY, min_length=50)
if not REDIS_URL:
    # allauth's rate limits and sessions must survive across gunicorn workers.
    raise ImproperlyConfigured("Set REDIS_URL: production needs a shared cache.")
# 44 characters is the base64 of a raw 32-byte Ed25519 seed, the shortest accepted form.
refuse_public_secret("CERTIFICATE_SIGNING_KEY", CERTIFICATE_SIGNING_KEY, min_length=44)
refuse_readable_signing_key(CERTIFICATE_SIGNING_KEY)

# Production runs behind one TLS proxy unless told otherwise (README, "Settings").
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header(
    "DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto"
)
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLAUTH_TRUSTED_PROXY_COUNT", 1)
# Staff sign in with a second factor in production; 0 only for a throwaway demo.
ALUEAGENTTI_REQUIRE_STAFF_MFA = env_bool("ALUEAGENTTI_REQUIRE_STAFF_MFA", default=True)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps are fetched only by developer tools; compressing them took half the build time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
LOGGING = logging_config(log_format=env_str("DJANGO_LOG_FORMAT", "json"), level=LOG_LEVEL)
DEMO_DATA_ALLOWED = False
# Nor is the demo app (demo/, with `seed_demo`) installed: production code never imports it.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "demo"]
CERTIFICATE_DEV_KEY_ALLOWED = False
