"""The Celery app. Without CELERY_BROKER_URL tasks run eagerly in the web process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("alueagentti")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id travels from the publishing request into the task's log lines, and the worker's
# own log handlers get the platform's format (core/requestid.py).
from core.requestid import connect_celery_signals  # noqa: E402

connect_celery_signals()
