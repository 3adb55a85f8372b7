"""One log format for the web process, the Celery worker and gunicorn.

`DJANGO_LOG_FORMAT=json` (production's default) writes one JSON object per line with the time,
level, logger, message, request id and any extra fields; `text` (development's default) writes
the same fields as a readable line. Every line carries the request id (core/requestid.py).
"""

from __future__ import annotations

import logging
import os
from typing import Any

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = ["levelname", "name", "message", "request_id"]
JSON_RENAMES = {"levelname": "level", "name": "logger"}
# JSON lines carry the time as ISO 8601 in UTC, under "time".
JSON_TIMESTAMP = "time"


def formatter_config(log_format: str) -> dict[str, Any]:
    if log_format == "json":
        return {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": JSON_RENAMES,
            "timestamp": JSON_TIMESTAMP,
            "json_ensure_ascii": False,
        }
    return {"format": TEXT_FORMAT}


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING dict: every record to stderr, in one format, with its request id."""
    if log_format not in FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"DJANGO_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}."
        )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.requestid.RequestIdFilter"}},
        "formatters": {"platform": formatter_config(log_format)},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "platform",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default handlers (a plain console in DEBUG, mail to ADMINS) would repeat
            # its lines in another format; they reach the one handler above through the root.
            "django": {"handlers": [], "level": level, "propagate": True},
            # Each request is logged once, with its request id, by core.requestid; Django's own
            # request logger would repeat 4xx lines without it, and runserver every request.
            "django.request": {"level": "ERROR"},
            "django.server": {"handlers": [], "propagate": False},
            # gunicorn's own messages (boot, worker restarts) in the same format.
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def celery_formatter() -> logging.Formatter | None:
    """The formatter for the handlers the Celery worker sets up itself."""
    from django.conf import settings

    formatter = settings.LOGGING.get("formatters", {}).get("platform")
    if not formatter:
        return None
    if "()" in formatter:
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            JSON_FIELDS,
            rename_fields=JSON_RENAMES,
            timestamp=JSON_TIMESTAMP,
            json_ensure_ascii=False,
        )
    return logging.Formatter(formatter.get("format", TEXT_FORMAT))


def gunicorn_logconfig() -> dict[str, Any]:
    """gunicorn's logconfig_dict, from the same environment variables as the settings."""
    default = "json" if "production" in os.environ.get("DJANGO_SETTINGS_MODULE", "") else "text"
    config = logging_config(
        log_format=os.environ.get("DJANGO_LOG_FORMAT", default) or default,
        level=os.environ.get("DJANGO_LOG_LEVEL", "INFO") or "INFO",
    )
    # gunicorn's access log is off: core.requestid logs each request with its id instead.
    config["loggers"]["gunicorn.access"] = {"handlers": [], "propagate": False}
    return config
