"""Production: a real secret, HTTPS only, Redis cache; demo data is never loaded here."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_proxy_ssl_header, env_str

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a real secret of 50 characters or more.")
if not REDIS_URL:
    # allauth's rate limits and sessions must survive across gunicorn workers.
    raise ImproperlyConfigured("Set REDIS_URL: production needs a shared cache.")
if not CERTIFICATE_SIGNING_KEY:  # noqa: F405
    raise ImproperlyConfigured("Set CERTIFICATE_SIGNING_KEY: certificates are signed with it.")

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
DEMO_DATA_ALLOWED = False
CERTIFICATE_DEV_KEY_ALLOWED = False
