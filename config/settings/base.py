"""Settings for every environment, read from the environment with local-development defaults.

`test.py` and `production.py` only override what differs. Every variable is listed in the README.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from config.logging import logging_config
from config.sentry import init_sentry

from .env import env_bool, env_float, env_int, env_list, env_proxy_ssl_header, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
# Local development gets a throwaway key; production.py insists on a real one.
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# The address in links that leave the page (emails, notifications, certificates, calendar
# feeds): SITE_URL when set, else the local server on PORT (`PORT=8080 make run`).
PORT = env_int("PORT", 8000)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Sign-in with the organisation's own account: OpenID Connect per organisation (core/oidc.py).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    # Only its static files: the rich-text editor of course pages (static/js/editor-courses.js).
    "django_prose_editor",
    # Course and workshop texts per language (courses/translation.py, workshops/translation.py).
    "modeltranslation",
    "core",
    "courses",
    "learners",
    "workshops",
    "notifications",
    "impact",
    "portfolio",
    "discussions",
    "privacy",
    # The REST API (api/): Django REST framework with drf-spectacular's OpenAPI schema.
    "rest_framework",
    "drf_spectacular",
    "api",
    # The top layer (dashboard/): the home page and the navigation, composed from the domain apps.
    "dashboard",
    # Beside the dashboard on top: the scores overview composes courses, workshops and learners.
    "scores",
    # The demo data (demo/, `seed_demo` for `make run`); production.py leaves it out.
    "demo",
]

MIDDLEWARE = [
    # First: the health probe is answered before the host check and the HTTPS redirect, so a
    # probe inside the container gets 200 under production settings (core/middleware.py).
    "core.middleware.HealthCheckMiddleware",
    # A request id for every log line and the X-Request-ID response header (core/requestid.py).
    "core.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, carrying sessions signed in through the backends dashboard/auth.py replaced.
    "dashboard.auth.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff without a second factor are sent to set one up first (core/mfa.py).
    "core.mfa.StaffMfaMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "dashboard.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a web server and an in-process worker at once: WAL lets
    # readers run beside the writer, IMMEDIATE takes the write lock when a transaction starts
    # (so two writers queue instead of failing with "database is locked" halfway through) and
    # the timeout is how long a writer waits for its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT off for every connection: its compile step cost seconds on the cohort-wide aggregates
    # (summary, at risk, phases, the similar-cards ranking) that run in milliseconds without it,
    # and short web queries never gain from it. core.db.no_jit relies on this.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "core.User"
# Django's and allauth's backends, reading the signed-in person with the navigation's roles and
# unread count in one query (dashboard/auth.py, which carries sessions of the old ones over).
AUTHENTICATION_BACKENDS = [
    "dashboard.auth.ModelBackend",
    "dashboard.auth.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
# What `core:home` answers with: the top app's page (core imports no app above it).
HOME_VIEW = "dashboard.views.home"

# django-allauth: email is the login, verification is mandatory, sign-up is by invitation.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# The sign-up form asks for the name too (optional; the profile page changes it later).
ACCOUNT_SIGNUP_FORM_CLASS = "core.forms.SignupNameForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "learners.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Alueagentti] "
ACCOUNT_OPEN_SIGNUP = env_bool("ACCOUNT_OPEN_SIGNUP", default=False)
# An invitation's link works until the end of this many days after its cohort starts (and at
# least 30 days from sending), so one sent weeks ahead does not expire before the start.
INVITATION_VALID_DAYS_AFTER_COHORT_START = env_int("INVITATION_VALID_DAYS_AFTER_COHORT_START", 14)
# Rate limits are allauth's defaults made explicit; they live in the cache (Redis in production).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "signup": "20/m/ip",
}
# Behind a proxy every client seems to come from the proxy's address, and one failed-login limit
# would be shared by everyone. allauth takes the client's address from X-Forwarded-For, counting
# this many proxies (that each append the address they saw) from the right; 0 = no proxy, the
# connection's own address. A client cannot spoof it: what it sends itself stays on the left.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
# The header with which the TLS proxy says a request came in over HTTPS; production.py defaults
# it to X-Forwarded-Proto. Set it only when a proxy that overwrites the header is in front.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER")
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# Security keys need HTTPS, except on the development server.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Instructors, coordinators and superusers must have an authenticator app or a security key
# before any other page (core/mfa.py). Off here for `make run`'s demo; production.py turns it on.
ALUEAGENTTI_REQUIRE_STAFF_MFA = env_bool("ALUEAGENTTI_REQUIRE_STAFF_MFA", default=False)
MFA_TOTP_ISSUER = "Alueagentti"
# Organisations' identity providers are allauth apps built from their rows (core/oidc.py). The
# adapter refuses any address the provider does not vouch for (email_verified, the
# organisation's own domains), so no second confirmation email is sent; a person already here is
# linked by that vouched-for address.
SOCIALACCOUNT_ADAPTER = "core.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
# Seconds a call to an identity provider (discovery, token, userinfo, keys) may take.
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("ALUEAGENTTI_OIDC_TIMEOUT", 10)

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Course content per language: a column per language, the Finnish text where one is missing.
MODELTRANSLATION_DEFAULT_LANGUAGE = "fi"
MODELTRANSLATION_LANGUAGES = ("fi", "sv", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fi",)
LANGUAGE_COOKIE_NAME = "alueagentti_language"
TIME_ZONE = "Europe/Helsinki"
# Dates, times and numbers per language over Django's own (config/formats/__init__.py): Finnish
# 6.12.2026 klo 7.06, day-first English, and ISO first for the browser's date inputs.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development whitenoise serves straight from the source folders, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Learners' uploads live outside MEDIA_ROOT and have no URL: they are served only by views
# that check permissions first.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))
# Private files on an S3-compatible object store (AWS S3, MinIO, Ceph, UpCloud, ...) instead of
# PRIVATE_MEDIA_ROOT when a bucket is named, so several web and worker machines share them. They
# are still served only by the permission-checking views, streamed from the bucket (README,
# "Files on several machines"); the bucket itself stays private.
ALUEAGENTTI_S3_BUCKET = env_str("ALUEAGENTTI_S3_BUCKET", "")
if ALUEAGENTTI_S3_BUCKET:
    _s3_endpoint = env_str("ALUEAGENTTI_S3_ENDPOINT_URL", "") or None
    STORAGES["private"] = {
        "BACKEND": "core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": ALUEAGENTTI_S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": env_str("ALUEAGENTTI_S3_REGION", "") or None,
            "access_key": env_str("ALUEAGENTTI_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("ALUEAGENTTI_S3_SECRET_ACCESS_KEY", "") or None,
            # MinIO and most self-hosted stores want path-style addresses (host/bucket/key).
            "addressing_style": env_str(
                "ALUEAGENTTI_S3_ADDRESSING_STYLE", "path" if _s3_endpoint else "auto"
            ),
            "signature_version": "s3v4",
            "location": env_str("ALUEAGENTTI_S3_PREFIX", "").strip("/"),
        },
    }
else:
    STORAGES["private"] = {"BACKEND": "core.storage.PrivateFileSystemStorage"}
# `manage.py backup` writes its archives here unless told otherwise (core/backup.py).
BACKUP_ROOT = Path(env_str("BACKUP_ROOT", str(BASE_DIR / "backups")))
SUBMISSION_MAX_FILE_MB = env_int("SUBMISSION_MAX_FILE_MB", 20)
# Course certificates are signed with this Ed25519 private key (PEM, or base64 of a PEM, DER or
# raw 32-byte seed). Unset with DEBUG, a development key is generated once into the file below
# (git-ignored); production.py requires a real one. See courses/credentials.py.
CERTIFICATE_SIGNING_KEY = env_str("CERTIFICATE_SIGNING_KEY", "")
CERTIFICATE_DEV_KEY_PATH = BASE_DIR / "private_media" / "certificate-signing-key.pem"
# Outside production a missing key is generated once into CERTIFICATE_DEV_KEY_PATH.
CERTIFICATE_DEV_KEY_ALLOWED = True
CERTIFICATE_ISSUER_NAME = env_str("CERTIFICATE_ISSUER_NAME", "Alueagentti")
# Virus scanning of uploads through clamd (a Unix socket or host:port); empty = not scanned.
CLAMD_SOCKET = env_str("CLAMD_SOCKET", "")
CLAMD_HOST = env_str("CLAMD_HOST", "")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
FILE_UPLOAD_PERMISSIONS = 0o640
# Uploads are read 1 MB at a time instead of 64 kB and a large one is spooled under
# PRIVATE_MEDIA_ROOT/.incoming when the private files are on this disk, so storing it is a
# rename, not a second copy (core/uploads.py; README, "Performance").
FILE_UPLOAD_HANDLERS = ["core.uploads.MemoryUploadHandler", "core.uploads.TemporaryUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent_emails"))
# Seconds any one step with the mail server may take (connect, each command, the final reply), so
# a hung server cannot hold a worker slot. Email rows are retried with growing intervals for
# EMAIL_RETRY_HOURS before they are marked failed; a batch task stops starting new messages after
# EMAIL_BATCH_SECONDS and leaves the rest to a task of its own (core/mail.py).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
EMAIL_RETRY_HOURS = env_int("EMAIL_RETRY_HOURS", 48)
EMAIL_BATCH_SECONDS = env_int("EMAIL_BATCH_SECONDS", 60)
# Recipients per task when one notification goes to many people (an announcement).
NOTIFICATION_CHUNK_SIZE = env_int("NOTIFICATION_CHUNK_SIZE", 250)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Alueagentti <noreply@alueagentti.fi>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. Without a broker the same task code runs in-process after the transaction commits.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that cannot reach the broker gives up within about three seconds: the row written
# with the user's action is the source of truth and a sweeper publishes it again (core/outbox.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Redis hands an unacknowledged message (acks_late: its worker died) to another worker after the
# visibility timeout. It must be longer than the longest retry countdown (RETRY_TASK_OPTIONS and
# EMAIL_TASK_OPTIONS wait at most 30 min) and the longest time limit (30 min), or a message
# waiting for its countdown would be delivered twice; a test checks it. Work of a worker killed
# outright is found sooner by the sweepers, which look at the rows, not at the broker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
# Queues by kind, so a slow mail server never delays a learner's file check (README: Outbox).
CELERY_TASK_DEFAULT_QUEUE = "default"
TASK_QUEUES = ("files", "email", "bulk", "default")
# Declared, so a worker started without -Q consumes them all and a purge empties them all.
CELERY_TASK_QUEUES = [Queue(name) for name in TASK_QUEUES]
CELERY_TASK_ROUTES = {
    "workshops.tasks.submission_file_process": {"queue": "files"},
    "workshops.tasks.submission_process": {"queue": "files"},
    "learners.tasks.invitation_send_email": {"queue": "email"},
    "learners.tasks.invitation_send_emails": {"queue": "email"},
    "learners.tasks.invitation_import_check": {"queue": "bulk"},
    "learners.tasks.invitation_import_apply": {"queue": "bulk"},
    "learners.tasks.export_build": {"queue": "bulk"},
    "privacy.tasks.data_export_build": {"queue": "bulk"},
    "privacy.tasks.erasures_carry_out_due": {"queue": "bulk"},
    "privacy.tasks.retention_apply": {"queue": "bulk"},
    "notifications.tasks.*email*": {"queue": "email"},
    "notifications.tasks.announcement_send*": {"queue": "bulk"},
    "notifications.tasks.*chunk*": {"queue": "bulk"},
}
# Workers replace their pool children now and then, so a leak cannot grow without bound.
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 512_000  # KiB
# Outbox sweepers (core/outbox.py): seconds between runs of each kind's beat sweeper, which is
# also how long a row may wait before it is published again (then twice as long each time, at
# most OUTBOX_MAX_BACKOFF); after OUTBOX_MAX_ATTEMPTS sweeps a row waits for a person on the
# stuck-work page. /healthz says "degraded" when a row has waited a period past its sweep.
OUTBOX_PERIODS = {
    "files": env_int("OUTBOX_FILES_PERIOD", 60),
    "completion": env_int("OUTBOX_COMPLETION_PERIOD", 120),
    "peer": env_int("OUTBOX_PEER_PERIOD", 120),
    "imports": env_int("OUTBOX_IMPORTS_PERIOD", 120),
    "exports": env_int("OUTBOX_EXPORTS_PERIOD", 300),
    "data_exports": env_int("OUTBOX_EXPORTS_PERIOD", 300),
    "certificates": 5 * 60,
}
OUTBOX_MAX_BACKOFF = env_int("OUTBOX_MAX_BACKOFF", 60 * 60)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10)
# A beat task writes this heartbeat; /healthz reports the worker late after three periods.
WORKER_HEARTBEAT_PERIOD = 60
CELERY_BEAT_SCHEDULE = {
    # Outbox sweepers: rows whose task was lost (broker down at publish, a worker killed) are
    # published again; a second run, or a doubled beat, publishes nothing twice.
    "sweep-submission-files": {
        "task": "workshops.tasks.submission_files_sweep",
        "schedule": OUTBOX_PERIODS["files"],
    },
    "sweep-completion-checks": {
        "task": "courses.tasks.completion_checks_sweep",
        "schedule": OUTBOX_PERIODS["completion"],
    },
    "sweep-peer-allocations": {
        "task": "workshops.tasks.peer_allocations_sweep",
        "schedule": OUTBOX_PERIODS["peer"],
    },
    "sweep-invitation-imports": {
        "task": "learners.tasks.invitation_imports_sweep",
        "schedule": OUTBOX_PERIODS["imports"],
    },
    "sweep-exports": {
        "task": "learners.tasks.exports_sweep",
        "schedule": OUTBOX_PERIODS["exports"],
    },
    "sweep-personal-data-exports": {
        "task": "privacy.tasks.data_exports_sweep",
        "schedule": OUTBOX_PERIODS["data_exports"],
    },
    # Personal data (privacy/): archives past PRIVACY_EXPORT_KEEP_DAYS are removed, erasure
    # requests past their grace period carried out, and the retention periods applied.
    "remove-expired-personal-data-archives": {
        "task": "privacy.tasks.data_exports_expire",
        "schedule": 60 * 60,
    },
    "carry-out-due-erasures": {
        "task": "privacy.tasks.erasures_carry_out_due",
        "schedule": 60 * 60,
    },
    "apply-retention": {
        "task": "privacy.tasks.retention_apply",
        "schedule": 24 * 60 * 60,
    },
    "worker-heartbeat": {
        "task": "core.tasks.worker_heartbeat",
        "schedule": WORKER_HEARTBEAT_PERIOD,
    },
    # Files sent ahead of a form (core/staged_uploads.py) and not used within a day.
    "remove-unused-staged-uploads": {
        "task": "core.tasks.staged_uploads_expire",
        "schedule": 60 * 60,
    },
    # Email sweepers (core/mail.py): due retries, stuck `sending` rows, the 48-hour limit.
    "retry-stalled-notification-emails": {
        "task": "notifications.tasks.notification_retry_stalled",
        "schedule": 60,
    },
    "retry-stalled-invitation-emails": {
        "task": "learners.tasks.invitation_emails_sweep",
        "schedule": 60,
    },
    "build-notification-digests": {
        "task": "notifications.tasks.notification_build_digests",
        "schedule": 15 * 60,
    },
    "send-due-announcements": {
        "task": "notifications.tasks.announcement_send_due",
        "schedule": 60,
    },
    # The progress rollup (learners/rollup.py): touched rows and figures every minute, the
    # whole rollup from scratch once a day.
    "sweep-progress-rollup": {"task": "learners.tasks.rollup_sweep", "schedule": 60},
    "rebuild-progress-rollup": {"task": "learners.tasks.rollup_rebuild", "schedule": 24 * 60 * 60},
    # A certificate whose holder was renamed outside the profile page (or whose refresh was
    # lost) prints the new name (courses.services.certificate_names_sweep).
    "refresh-renamed-certificates": {
        "task": "courses.tasks.certificate_names_sweep",
        "schedule": OUTBOX_PERIODS["certificates"],
    },
    "retry-stalled-certificates": {
        "task": "courses.tasks.certificate_retry_stalled",
        "schedule": 5 * 60,
    },
    # Hourly scans; the notification keys make a second run (or a double beat) a no-op.
    "send-deadline-reminders": {
        "task": "workshops.tasks.deadline_reminders_send",
        "schedule": 60 * 60,
    },
    "send-review-notices": {
        "task": "workshops.tasks.review_notices_send",
        "schedule": 60 * 60,
    },
    # Reallocates peer reviews left undone and reminds peer reviewers (keys dedupe).
    "peer-review-starvation-guard": {
        "task": "workshops.tasks.peer_starvation_guard",
        "schedule": 60 * 60,
    },
}
# Hours before an undone peer review is reallocated, and before its reviewer is reminded.
PEER_REVIEW_WAIT_HOURS = 72
PEER_REVIEW_REMIND_HOURS = 24
# Personal data (privacy/, README "Personal data"). Days a person's data archive is kept after it
# is ready; days between an erasure request and its automatic erasure (the superuser may erase
# sooner; the person may cancel until then). Retention, counted from the end of a cohort (files,
# drafts) or from when the row was written (notifications, access logs); 0 = kept forever.
PRIVACY_EXPORT_KEEP_DAYS = env_int("PRIVACY_EXPORT_KEEP_DAYS", 7)
PRIVACY_ERASURE_GRACE_DAYS = env_int("PRIVACY_ERASURE_GRACE_DAYS", 30)
RETENTION_SUBMISSION_FILES_DAYS = env_int("RETENTION_SUBMISSION_FILES_DAYS", 365)
RETENTION_DRAFTS_DAYS = env_int("RETENTION_DRAFTS_DAYS", 90)
RETENTION_NOTIFICATIONS_DAYS = env_int("RETENTION_NOTIFICATIONS_DAYS", 365)
RETENTION_LOGS_DAYS = env_int("RETENTION_LOGS_DAYS", 730)
# Who answers for the personal data, named on the privacy notice.
PRIVACY_CONTROLLER = env_str("PRIVACY_CONTROLLER", "Careeria Oy")
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", "tietosuoja@alueagentti.fi")
# Days before a phase's due date on which its learners get a reminder.
DEADLINE_REMINDER_DAYS = (3, 1)

# The REST API (api/): personal access tokens or the session; cursor pages; limits per token.
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    # Every endpoint's errors are JSON in the caller's language: a 404 says "Not found."
    # translated, never Django's English message naming the model.
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.PerTokenThrottle",
        "api.throttling.AnonymousThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_RATE_PER_TOKEN", "600/hour"),
        "anon": env_str("API_RATE_ANONYMOUS", "60/hour"),
    },
    # Proxies in front of the app whose X-Forwarded-For is trusted for the anonymous limit;
    # 0 reads the connecting address, so a caller cannot pick its own address in a header.
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Alueagentti API",
    "DESCRIPTION": "Cohorts, progress, experiments, submissions' status, the gallery and "
    "certificates, read with a personal access token and the same permissions as the pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SubmissionStatusEnum": "workshops.models.Submission.Status",
        "ExperimentStatusEnum": "workshops.models.Experiment.Status",
        "InvitationStatusEnum": "learners.models.Invitation.Status",
        "InvitationEmailStatusEnum": "learners.models.Invitation.EmailStatus",
        "AnnouncementStatusEnum": "notifications.models.Announcement.Status",
    },
}

# Content-Security-Policy: no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # Course videos: privacy-enhanced YouTube and Vimeo embeds only (courses/video.py).
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# One format everywhere (config/logging.py): readable lines here, JSON lines in production.
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO")
LOGGING = logging_config(log_format=env_str("DJANGO_LOG_FORMAT", "text"), level=LOG_LEVEL)

# Errors to Sentry (with the Django and Celery integrations) when SENTRY_DSN is set; off if not.
SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if SENTRY_DSN:
    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
DEMO_DATA_ALLOWED = True

# Search (core.search): the analyser that turns Finnish text into lemmas and compound parts.
# core.search.analysers.Voikko uses libvoikko with its Finnish dictionary where both are
# installed (Debian: python3-libvoikko voikko-fi) and simplemma otherwise; after a change run
# `manage.py search_rebuild`.
SEARCH_ANALYSER = env_str("SEARCH_ANALYSER", "core.search.analysers.Simplemma")
