"""Logs: one format, a request id from the request into its tasks and every line, Sentry."""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

from config.logging import TEXT_FORMAT, formatter_config, logging_config
from core import requestid
from notifications.models import Notification
from notifications.tasks import notification_send_email
from tests.conftest import skip_or_fail
from tests.e2e_support import celery_worker, worker_unavailable_reason


@pytest.fixture
def json_log():
    """The production handler (JSON formatter + request id filter) on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = formatter_config("json")
    factory = config.pop("()")
    assert factory == "pythonjsonlogger.json.JsonFormatter"
    from pythonjsonlogger.json import JsonFormatter

    handler.setFormatter(JsonFormatter(**config))
    handler.addFilter(requestid.RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)

    def records() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield records
    root.removeHandler(handler)
    root.setLevel(previous)


def test_every_response_carries_a_fresh_request_id(client, db):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")
    assert re.fullmatch(r"[0-9a-f]{32}", first[requestid.HEADER])
    assert first[requestid.HEADER] != second[requestid.HEADER]


def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(client, db):
    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert kept[requestid.HEADER] == "lb-7f3a9c2e-0001"
    for bad in ("short", "x" * 200, "evil\nINFO fake line", "<script>alert(1)</script>"):
        replaced = client.get("/accounts/login/", HTTP_X_REQUEST_ID=bad)
        assert re.fullmatch(r"[0-9a-f]{32}", replaced[requestid.HEADER]), bad


def test_request_lines_are_json_with_the_request_id(client, db, json_log, learner):
    client.force_login(learner)
    response = client.get("/", HTTP_X_REQUEST_ID="support-case-4711")
    records = json_log()
    access = [r for r in records if r["logger"] == "alueagentti.requests"]
    assert access[-1]["request_id"] == "support-case-4711" == response[requestid.HEADER]
    assert access[-1]["status"] == response.status_code
    assert access[-1]["method"] == "GET"
    assert access[-1]["path"] == "/"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", access[-1]["time"])
    assert access[-1]["level"] == "INFO"
    # Outside a request the id is "-", never missing.
    logging.getLogger("alueagentti.test").info("between requests")
    assert json_log()[-1]["request_id"] == "-"


def test_a_line_logged_by_the_code_a_request_runs_carries_its_id(client, db, json_log, learner):
    """A failed publish logged by the outbox inside a request names the request."""
    from core.outbox import publish

    class Unreachable:
        name = "notifications.tasks.notification_send_email"

        def apply_async(self, **_):
            raise ConnectionError("broker down")

    token = requestid._request_id.set("req-from-view-0001")
    try:
        assert publish(Unreachable(), 1) is False
    finally:
        requestid._request_id.reset(token)
    warning = [r for r in json_log() if r["logger"] == "alueagentti.outbox"][-1]
    assert warning["request_id"] == "req-from-view-0001"
    assert warning["level"] == "WARNING"
    assert "ConnectionError: broker down" in warning["exc_info"]


def test_the_request_id_travels_in_the_task_headers():
    headers: dict = {}
    requestid._before_task_publish(headers=headers)
    assert headers == {}  # nothing to carry outside a request
    token = requestid._request_id.set("req-abcdef-123")
    try:
        requestid._before_task_publish(headers=headers)
    finally:
        requestid._request_id.reset(token)
    assert headers[requestid.TASK_HEADER] == "req-abcdef-123"

    # In the worker the task runs with the id it was published with, and without it after.
    task = SimpleNamespace(request=SimpleNamespace(**{requestid.TASK_HEADER: "req-abcdef-123"}))
    requestid._task_prerun(task_id="t-1", task=task)
    assert requestid.current() == "req-abcdef-123"
    requestid._task_postrun(task_id="t-1")
    assert requestid.current() is None
    # A task published outside any request (beat) gets an id of its own.
    requestid._task_prerun(task_id="t-2", task=SimpleNamespace(request=SimpleNamespace()))
    assert re.fullmatch(r"[0-9a-f]{32}", requestid.current())
    requestid._task_postrun(task_id="t-2")
    assert requestid.current() is None


def test_an_unknown_log_format_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="DJANGO_LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")
    assert logging_config(log_format="text", level="INFO")["formatters"]["platform"] == {
        "format": TEXT_FORMAT
    }


def test_the_workers_own_handlers_get_the_json_format_and_the_request_id(settings):
    settings.LOGGING = logging_config(log_format="json", level="INFO")
    stream = io.StringIO()
    celery_logger = logging.getLogger("test.celery.worker")
    celery_logger.addHandler(logging.StreamHandler(stream))
    celery_logger.propagate = False
    try:
        requestid._after_setup_logger(logger=celery_logger)
        token = requestid._request_id.set("req-json-worker-1")
        try:
            celery_logger.warning("Task %s succeeded", "notifications.tasks.x")
        finally:
            requestid._request_id.reset(token)
    finally:
        celery_logger.handlers.clear()
    line = json.loads(stream.getvalue())
    assert line["message"] == "Task notifications.tasks.x succeeded"
    assert line["request_id"] == "req-json-worker-1"
    assert line["level"] == "WARNING"
    assert line["logger"] == "test.celery.worker"


@pytest.mark.worker
def test_a_real_worker_logs_the_task_with_the_publishing_requests_id(
    transactional_db, settings, tmp_path, learner
):
    reason = worker_unavailable_reason()
    if reason:
        skip_or_fail(reason)
    notification = Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="request-id-into-worker",
        subject="Vastauksesi on arvioitu",
        body="Ohjaaja on antanut palautetta.",
        url="/notifications/",
    )
    with celery_worker(tmp_path=tmp_path, site_url=settings.SITE_URL) as worker:
        token = requestid._request_id.set("req-worker-0042")
        try:
            notification_send_email.delay(notification.pk)
        finally:
            requestid._request_id.reset(token)
        worker.wait_for_log(r"\[req-worker-0042\] celery\.app\.trace: Task .* succeeded")
        assert "[-] celery.app.trace: Task" not in worker.log()


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        _Collector.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


SENTRY_PROBE = """
import django, json, sentry_sdk
django.setup()
client = sentry_sdk.get_client()
print(json.dumps({"active": client.is_active(),
                  "integrations": sorted(client.integrations)}))
if client.is_active():
    sentry_sdk.set_tag("request_id", "req-sentry-0001")
    sentry_sdk.capture_message("smoke from the settings")
    sentry_sdk.flush(5)
"""


def _run_sentry_probe(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_PROBE],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sentry_is_off_without_a_dsn():
    assert _run_sentry_probe() == {"active": False, "integrations": []}


def test_sentry_reports_with_django_and_celery_integrations_when_a_dsn_is_set():
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Collector.received = []
    try:
        port = server.server_address[1]
        state = _run_sentry_probe(
            SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42", SENTRY_ENVIRONMENT="staging"
        )
    finally:
        server.shutdown()
        server.server_close()
    assert state["active"] is True
    assert {"django", "celery"} <= set(state["integrations"])
    envelope = b"".join(_Collector.received)
    assert b"smoke from the settings" in envelope
    assert b'"environment":"staging"' in envelope.replace(b" ", b"")
    assert b"req-sentry-0001" in envelope


def test_the_error_page_names_the_request_id_that_the_log_line_carries(settings, db, json_log):
    settings.ROOT_URLCONF = "tests.core.urls_failing"
    client = Client(raise_request_exception=False)
    response = client.get("/failing/", HTTP_X_REQUEST_ID="support-case-0500")
    assert response.status_code == 500
    assert response[requestid.HEADER] == "support-case-0500"
    assert b'<code id="request-id">support-case-0500</code>' in response.content
    error = [r for r in json_log() if r["logger"] == "django.request"][-1]
    assert error["request_id"] == "support-case-0500"
    assert "RuntimeError: a bug" in error["exc_info"]
