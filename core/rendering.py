"""Work a page's loops would repeat per row, done once per process: a URL reversed once per
URL prefix as a format pattern, and the digest of the templates a kept fragment was rendered
from (a deploy that changes them must not serve fragments rendered by the old ones); and what
`{% csrf_token %}` prints, for rows written in Python."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape

# Stand-ins for the integer arguments of a reversed URL: no real primary key is this large.
_PLACEHOLDERS = (999999991, 999999992, 999999993)


def url_format(name: str, args: int = 1) -> str:
    """The URL named `name` as a `str.format` pattern of its `args` integer arguments
    (`url_format("courses:item").format(pk)`), reversed once per URL prefix and URLconf
    instead of once per row."""
    return _url_format(name, args, get_script_prefix(), get_urlconf())


def html_url_format(name: str, args: int = 1) -> str:
    """`url_format`, escaped as `{% url %}` prints it into a page."""
    return escape(url_format(name, args))


def csrf_input(token: object) -> str:
    """What `{% csrf_token %}` prints for the page's token (nothing without one)."""
    if not token or token == "NOTPROVIDED":  # noqa: S105 - CsrfTokenNode's marker, no secret
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


@functools.cache
def _url_format(name: str, args: int, _prefix: str, _urlconf: str | None) -> str:
    url = reverse(name, args=_PLACEHOLDERS[:args])
    pattern = url.replace("{", "{{").replace("}", "}}")
    for n, placeholder in enumerate(_PLACEHOLDERS[:args]):
        pattern = pattern.replace(str(placeholder), "{" + str(n) + "}")
    return pattern


@functools.cache
def templates_digest(names: tuple[str, ...], files: tuple[str, ...] = ()) -> str:
    """A digest of the sources of the templates `names` and of the `files` (a module that
    writes markup itself), read once per process."""
    from django.template.loader import get_template

    digest = hashlib.blake2b(digest_size=8)
    for path in files:
        digest.update(Path(path).read_bytes())
    for name in names:
        digest.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]
    return digest.hexdigest()
