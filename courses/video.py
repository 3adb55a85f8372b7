"""Turn a pasted YouTube or Vimeo address into a privacy-enhanced embed address.

Only these two hosts are embedded (the CSP's frame-src lists exactly them); anything else is
rejected when the item is saved.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
YOUTUBE_NOCOOKIE = {"youtube-nocookie.com", "www.youtube-nocookie.com"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_ID = re.compile(r"^\d{1,12}$")
VIMEO_HASH = re.compile(r"^[0-9a-f]{6,20}$")


def youtube_id(url: str) -> str | None:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https"):
        return None
    segments = [s for s in parts.path.split("/") if s]
    candidate = None
    if host == "youtu.be" and segments:
        candidate = segments[0]
    elif host in YOUTUBE_HOSTS | YOUTUBE_NOCOOKIE:
        if segments[:1] == ["watch"]:
            candidate = parse_qs(parts.query).get("v", [None])[0]
        elif len(segments) >= 2 and segments[0] in ("embed", "shorts", "live", "v"):
            candidate = segments[1]
    return candidate if candidate and YOUTUBE_ID.match(candidate) else None


def vimeo_id(url: str) -> tuple[str, str] | None:
    """(video id, private hash or "") for a Vimeo address."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host not in VIMEO_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if host == "player.vimeo.com":
        segments = segments[1:] if segments[:1] == ["video"] else []
    if not segments or not VIMEO_ID.match(segments[0]):
        return None
    secret = parse_qs(parts.query).get("h", [""])[0]
    if not secret and len(segments) > 1 and VIMEO_HASH.match(segments[1]):
        secret = segments[1]
    return segments[0], secret if VIMEO_HASH.match(secret or "") else ""


def embed_url(url: str) -> str | None:
    """The privacy-enhanced embed address, or None when the address is not a video we embed."""
    if not url:
        return None
    if video := youtube_id(url):
        # enablejsapi lets static/js/courses-video.js hear the "ended" state by postMessage.
        return f"https://www.youtube-nocookie.com/embed/{video}?enablejsapi=1&rel=0"
    if found := vimeo_id(url):
        video, secret = found
        extra = f"&h={secret}" if secret else ""
        return f"https://player.vimeo.com/video/{video}?dnt=1{extra}"
    return None


def provider(url: str) -> str:
    embed = embed_url(url) or ""
    if "youtube-nocookie" in embed:
        return "youtube"
    if "vimeo" in embed:
        return "vimeo"
    return ""
