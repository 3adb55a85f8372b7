"""A staged upload's body read from gunicorn's socket straight into the file
(core/direct_body.py): the same bytes as reading it, the request after it on the same connection
untouched, a body cut short refused, and every case it does not cover left to the reader.

The requests are parsed by the gunicorn in the lock file, from a real TCP connection on
loopback, into the environ its workers give Django: if an upgrade changes the reader's layout,
the first test fails here (the body is then read the slow way, still correctly)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.handlers.wsgi import WSGIRequest
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from gunicorn.http.wsgi import create

from core.direct_body import BodyCut, read_body_into

MB = 1024 * 1024


def _payload(size: int) -> bytes:
    # Not a repeating pattern: a piece written twice or left out changes the digest.
    return b"".join(i.to_bytes(4, "big") for i in range(size // 4)) + b"\x01" * (size % 4)


def _head(length: int, path: str = "/uploads/") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: testserver\r\nContent-Type: application/pdf\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@contextmanager
def _connection(
    send: bytes, *, close_after: bool = True
) -> Iterator[tuple[socket.socket, RequestParser]]:
    """The server's side of a loopback TCP connection whose client sends `send` from a thread
    (in pieces, as a browser's upload arrives), and gunicorn's parser over it."""
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _peer = listener.accept()
    listener.close()

    def sender() -> None:
        for start in range(0, len(send), 256 * 1024):
            client.sendall(send[start : start + 256 * 1024])
        if close_after:
            client.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        yield server, RequestParser(Config(), server, ("127.0.0.1", 0))
    finally:
        thread.join(timeout=10)
        client.close()
        server.close()


def _request(server: socket.socket, parser: RequestParser) -> WSGIRequest:
    req = next(parser)
    _response, environ = create(req, server, ("127.0.0.1", 0), ("127.0.0.1", 8000), Config())
    return WSGIRequest(environ)


def _direct(request: WSGIRequest, length: int, tmp_path) -> tuple[int | None, bytes]:
    path = tmp_path / "staged.bin"
    with open(path, "wb") as out:  # noqa: PTH123
        moved = read_body_into(request, out.fileno(), length)
    return moved, path.read_bytes()


def test_a_15_mb_body_arrives_whole_and_the_next_request_is_untouched(tmp_path):
    body = _payload(15 * MB + 3)
    pipelined = b"GET /seuraava/ HTTP/1.1\r\nHost: testserver\r\n\r\n"
    with _connection(_head(len(body)) + body + pipelined) as (server, parser):
        request = _request(server, parser)
        moved, written = _direct(request, len(body), tmp_path)
        assert moved == len(body)
        assert written == body
        # Django reads nothing more of it, and the connection's next request parses.
        assert request.read() == b""
        following = next(parser)
        assert following.method == "GET"
        assert following.path == "/seuraava/"


def test_a_small_body_that_came_with_the_headers_is_written_too(tmp_path):
    body = _payload(3000)
    with _connection(_head(len(body)) + body) as (server, parser):
        request = _request(server, parser)
        moved, written = _direct(request, len(body), tmp_path)
    assert moved == len(body)
    assert written == body


def test_a_body_cut_short_is_refused(tmp_path):
    body = _payload(2 * MB)
    # The browser says 2 MB more than it sends, then the connection ends.
    with _connection(_head(len(body) + 2 * MB) + body) as (server, parser):
        request = _request(server, parser)
        with pytest.raises(BodyCut):
            _direct(request, len(body) + 2 * MB, tmp_path)
        # gunicorn is told that the connection can carry no further request.
        assert request.META["wsgi.input"].failed


def test_what_it_does_not_cover_is_left_to_the_reader(tmp_path, rf):
    body = _payload(4096)
    # Django's test client (no gunicorn): nothing is read.
    request = rf.post("/uploads/", data=body, content_type="application/pdf")
    assert _direct(request, len(body), tmp_path)[0] is None
    assert request.read() == body
    with _connection(_head(len(body)) + body) as (server, parser):
        started = _request(server, parser)
        # Django has begun reading the body: the rest is not moved under it.
        assert started.read(10) == body[:10]
        assert _direct(started, len(body), tmp_path)[0] is None
        assert started.read() == body[10:]
    with _connection(_head(len(body)) + body) as (server, parser):
        request = _request(server, parser)
        # A length that is not the body's own: read as before.
        assert _direct(request, len(body) - 1, tmp_path)[0] is None
        assert request.read() == body


@pytest.mark.django_db
def test_a_staged_upload_through_gunicorns_reader_is_stored_whole(tmp_path, learner, settings):
    from core.models import StagedUpload
    from core.staged_uploads import _local_path, staged_upload_receive

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    body = _payload(5 * MB + 1)
    with _connection(_head(len(body)) + body) as (server, parser):
        request = _request(server, parser)
        staged = staged_upload_receive(
            owner=learner,
            stream=request,
            length=len(body),
            name="vaikutussuunnitelma.pdf",
            content_type="application/pdf",
        )
    assert StagedUpload.objects.get(pk=staged.pk).size == len(body)
    assert _local_path(staged.stored_name).read_bytes() == body
