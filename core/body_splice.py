"""A request body of known length moved from gunicorn's socket into a file by the kernel.

Reading a 15 MB upload through gunicorn's body reader copies every byte three times in Python
(the socket read, gunicorn's two buffers) before the write copies it a fourth time; what the
upload costs beyond the request is then most of the time (#13: the staged upload against a raw
write of the same bytes). On Linux, `splice(2)` moves the bytes from the socket into a pipe
without copying them and from the pipe into the file with the one copy a write makes.

It is used only where it is exactly what reading the body would do: a plain (not TLS) socket of
gunicorn's, a body of known length that nothing has read yet apart from the bytes gunicorn
already holds, which are written first. Anything else (another server, the test client, TLS,
chunked bodies, a gunicorn whose reader looks different) answers None and the caller reads the
body as before. tests/core/test_body_splice.py holds the layout it relies on for the gunicorn
version in the lock file, so an upgrade that changes it fails there, not in production.
"""

from __future__ import annotations

import os
import select
import socket
from typing import Any

from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest

# At most this much is asked of the socket at once; the pipe keeps its default size (64 kB):
# a pipe of 1 MB held the socket's buffers long enough that the sender stalled, and every
# second run took twice as long.
STEP = 1024 * 1024


class BodyCut(Exception):
    """The client stopped sending before the body's last byte."""


def _parts(request: HttpRequest) -> tuple[Any, Any, socket.socket] | None:
    if not hasattr(os, "splice"):
        return None
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
    return body, reader, sock


def splice_body(request: HttpRequest, out: int, length: int) -> int | None:
    """Write the request's body (`length` bytes, its Content-Length) to the file descriptor
    `out`; None, having read nothing, where the body cannot be moved this way. Raises BodyCut
    when the client stops sending."""
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
    done = 0
    while done < len(first):
        done += os.write(out, first[done:])
    reader.length -= done
    left = length - done
    if not left:
        return length
    r, w = os.pipe()
    try:
        fd = sock.fileno()
        # A socket with a timeout is non-blocking underneath: wait for it as Python would.
        wait = sock.gettimeout() or None
        while left:
            try:
                moved = os.splice(fd, w, min(left, STEP))
            except BlockingIOError:
                if not select.select([fd], [], [], wait)[0]:
                    raise BodyCut from None
                continue
            if moved == 0:
                raise BodyCut
            left -= moved
            reader.length -= moved
            while moved:
                moved -= os.splice(r, out, moved)
    except BaseException:
        body.failed = True  # where the next request starts is unknown: close the connection
        raise
    finally:
        os.close(r)
        os.close(w)
    return length
