"""Settings for the benches that serve the site over gunicorn (`tests/bench_traffic.py`,
`tests/bench_upload.py`); never used by the suite.

The test settings (fast hashing, private files in a throwaway folder) with what production
changes for speed: DEBUG off (the cached template loader, as Django uses whenever no loaders
are named), persistent database connections as compose sets them (DATABASE_CONN_MAX_AGE=60),
whitenoise without its per-request refresh, the Redis cache and cached-database sessions when
REDIS_URL is set, and tasks published to an in-memory broker that nobody consumes (a file check
runs on a worker in production, never inside the learner's request). The benches' two floors
are served beside the site (tests/bench_urls.py).
"""

import os
from pathlib import Path

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, REDIS_URL

ROOT_URLCONF = "tests.bench_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
WHITENOISE_AUTOREFRESH = False
DATABASES["default"]["CONN_MAX_AGE"] = 60
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = False
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
if os.environ.get("BENCH_PRIVATE_ROOT"):
    PRIVATE_MEDIA_ROOT = Path(os.environ["BENCH_PRIVATE_ROOT"])
