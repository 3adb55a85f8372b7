"""A request body of known length read from gunicorn's socket straight into a file.

Reading a 15 MB upload through gunicorn's body reader copies every byte three times in Python
(the socket read, gunicorn's two buffers) before the write copies it again; what the upload
costs beyond the request was then most of its time (#13: the staged upload against a raw write
of the same bytes). Here the socket fills one reused buffer (`recv_into`) and the buffer is
written to the file: the kernel's two copies and nothing more.

`splice(2)` (socket to pipe to file, no copy into Python at all) was measured too: its CPU was
the same, and one run in three was half again as slow, so the plain read stays.

It is used only where it is exactly what reading the body would do: a plain (not TLS) socket of
gunicorn's, a body of known length that nothing has read yet apart from the bytes gunicorn
already holds, which are written first. Anything else (another server, the test client, TLS,
chunked bodies, a gunicorn whose reader looks different) answers None and the caller reads the
body as before. tests/core/test_direct_body.py holds the layout it relies on for the gunicorn
version in the lock file, so an upgrade that changes it fails there, not in production.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest

# The buffer the socket fills, the most asked of it at once.
STEP = 1024 * 1024


class BodyCut(Exception):
    """The client stopped sending before the body's last byte."""


def _parts(request: HttpRequest) -> tuple[Any, Any, socket.socket] | None:
    try:
        from gunicorn.http.body import Body, LengthReader  # type: ignore[import-untyped]
        from gunicorn.http.unreader import SocketUnreader  # type: ignore[import-untyped]
    except ImportError:
        return None
    body: Any = request.META.get("wsgi.input")
    if type(body) is not Body:
        return None
    reader = body.reader
    if type(reader) is not LengthReader or type(reader.unreader) is not SocketUnreader:
        return None
    sock = reader.unreader.sock
    if not isinstance(sock, socket.socket) or type(sock) is not socket.socket:
        return None  # TLS (ssl.SSLSocket) or something else: the kernel holds ciphertext
    if sock.gettimeout() == 0.0:
        return None  # non-blocking: gunicorn's own reader waits for it
    return body, reader, sock


def read_body_into(request: HttpRequest, out: int, length: int) -> int | None:
    """Write the request's body (`length` bytes, its Content-Length) to the file descriptor
    `out`; None, having read nothing, where the body cannot be read this way. Raises BodyCut
    when the client stops sending (or stays silent past the socket's timeout)."""
    found = _parts(request)
    if found is None:
        return None
    body, reader, sock = found
    # Django has read nothing of it (its stream would be past the start otherwise).
    stream = getattr(request, "_stream", None)
    if getattr(request, "_read_started", False) or getattr(stream, "_pos", 0):
        return None
    if reader.length != length or body.buf.tell():
        return None
    # What gunicorn already received with the headers: the body's first bytes, and beyond
    # them (a pipelined next request) what stays with gunicorn.
    held = reader.unreader.buf.getvalue()
    first, rest = held[:length], held[length:]
    reader.unreader.buf = type(reader.unreader.buf)()
    reader.unreader.buf.write(rest)
    # From here on the body is being read: Django must not read it again.
    request._read_started = True  # type: ignore[attr-defined]
    if isinstance(stream, LimitedStream):
        stream._pos = stream.limit  # type: ignore[attr-defined]
    try:
        _write_all(out, memoryview(first))
        reader.length -= len(first)
        left = length - len(first)
        piece = memoryview(bytearray(min(left, STEP)))
        while left:
            try:
                n = sock.recv_into(piece, min(left, STEP))
            except TimeoutError:
                raise BodyCut from None
            if n == 0:
                raise BodyCut
            left -= n
            reader.length -= n
            _write_all(out, piece[:n])
    except BaseException:
        body.failed = True  # where the next request starts is unknown: close the connection
        raise
    return length


def _write_all(out: int, data: memoryview) -> None:
    done = 0
    while done < len(data):
        done += os.write(out, data[done:])
