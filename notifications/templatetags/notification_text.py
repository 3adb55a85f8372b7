"""The in-app view of a notification's email text."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import template

from notifications.grouping import group_line as _group_line
from notifications.models import Notification

register = template.Library()

ADDRESS = re.compile(r"https?://\S+")
# What may follow an address in running text without being part of it.
AFTER_ADDRESS = ".,);"


@register.filter
def without_own_link(body: str, url: str) -> str:
    """`body` without the email's line that spells out the notification's own address ("Open
    it in Alueagentti: http://…"): in the app that line is a link of its own."""
    if not url:
        return body
    kept = []
    for line in body.splitlines():
        addresses = ADDRESS.findall(line)
        if any(_path(address) == url for address in addresses):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _path(address: str) -> str:
    parts = urlsplit(address.rstrip(AFTER_ADDRESS))
    return parts.path + (f"?{parts.query}" if parts.query else "")


@register.filter
def is_own_path(url: str) -> bool:
    """A path on this site (never another host), safe to link to."""
    return bool(url) and url.startswith("/") and not url.startswith("//")


@register.filter
def group_line(notification: Notification) -> str:
    """The line of a group of notifications (notifications.grouping.group_line)."""
    return _group_line(notification)
