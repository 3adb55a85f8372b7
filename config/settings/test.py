"""Tests: a reusable SQLite file, fast hashing, outbox email, private files in a temp folder."""

import base64
import secrets
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env_str

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file rather than memory, so that `--reuse-db` keeps the migrated database between runs.
    # Each checkout or engineer may name its own; pytest-xdist appends "_gw0", "_gw1", ... per
    # worker.
    DATABASES["default"]["TEST"] = {
        "NAME": env_str("TEST_SQLITE_PATH", str(BASE_DIR / "test-db.sqlite3"))
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
_TMP = Path(tempfile.mkdtemp(prefix="alueagentti-test-"))
MEDIA_ROOT = _TMP / "media"
PRIVATE_MEDIA_ROOT = _TMP / "private"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# A throwaway Ed25519 key per test run for signing certificates.
CERTIFICATE_SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests sign staff in without a second factor; the MFA tests turn the rule on themselves.
ALUEAGENTTI_REQUIRE_STAFF_MFA = False
# Unit tests run tasks in-process; the end-to-end test switches to a real worker when a broker
# is configured (tests/test_journey_browser.py).
CELERY_TASK_ALWAYS_EAGER = True
