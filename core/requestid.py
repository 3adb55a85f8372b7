"""A request id in every log line, from the web request into the Celery tasks it publishes.

The id is the caller's `X-Request-ID` when it looks like one (a proxy or load balancer in front
may set it), else a fresh one; it is returned in the response's `X-Request-ID` header, so a
person reporting a problem can quote it and the logs of the web process and of the worker can be
searched for it. It travels to a task in the message headers (`before_task_publish`) and is set
again in the worker around the task (`task_prerun` / `task_postrun`).

Nothing here imports Django models: the Celery app imports it before Django is set up.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "alueagentti_request_id"
# A caller's id is taken as it is only when it cannot disturb a log line or a header.
_VALID = re.compile(r"^[A-Za-z0-9._:@/+=-]{8,128}$")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_logger = logging.getLogger("alueagentti.requests")


def current() -> str | None:
    """The request id of the request or task being handled here, if any."""
    return _request_id.get()


def new_id() -> str:
    return uuid.uuid4().hex


def accept_or_create(candidate: str | None) -> str:
    """The caller's id when it is well formed, otherwise a fresh one."""
    if candidate and _VALID.match(candidate):
        return candidate
    return new_id()


class RequestIdFilter(logging.Filter):
    """Give every log record a `request_id` attribute ("-" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _request_id.get() or "-"
        return True


class RequestIdMiddleware:
    """Set the request id for the request, return it in `X-Request-ID`, and write one access
    log line per request (method, path, status, duration) carrying it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_or_create(request.headers.get(HEADER))
        token = _request_id.set(request_id)
        # An attribute of our own on Django's request, for views that quote it.
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.monotonic()
        try:
            _sentry_tag(request_id)
            response = self.get_response(request)
            response.headers[HEADER] = request_id
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            access_logger.info(
                "%s %s %s %sms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            _request_id.reset(token)


def _sentry_tag(request_id: str) -> None:
    """Tag Sentry events with the request id (a no-op when Sentry is not configured)."""
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover - sentry-sdk is a dependency
        return
    sentry_sdk.set_tag("request_id", request_id)


# --- Celery ------------------------------------------------------------------------------------


def _before_task_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = _request_id.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, contextvars.Token[str | None]] = {}


def _task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    carried = getattr(getattr(task, "request", None), TASK_HEADER, None)
    if not carried and _request_id.get():
        # A task run in-process (no broker) keeps the id of the request it runs in.
        return
    request_id = carried if isinstance(carried, str) and _VALID.match(carried) else new_id()
    if task_id:
        _task_tokens[task_id] = _request_id.set(request_id)
    _sentry_tag(request_id)


def _task_postrun(task_id: str | None = None, **_: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        _request_id.reset(token)


def _after_setup_logger(logger: logging.Logger | None = None, **_: Any) -> None:
    """Celery configures its own handlers in the worker; give them the platform's format."""
    from config.logging import celery_formatter

    if logger is None:
        return
    formatter = celery_formatter()
    for handler in logger.handlers:
        handler.addFilter(RequestIdFilter())
        if formatter is not None:
            handler.setFormatter(formatter)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_before_task_publish, weak=False)
    signals.task_prerun.connect(_task_prerun, weak=False)
    signals.task_postrun.connect(_task_postrun, weak=False)
    signals.after_setup_logger.connect(_after_setup_logger, weak=False)
    signals.after_setup_task_logger.connect(_after_setup_logger, weak=False)
