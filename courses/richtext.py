"""Text pages: the HTML the editor writes, sanitised with nh3, and the images in it.

core.html.clean_html is the platform's sanitiser; text pages use the same tags and also keep
`<img>`, but only with a `src` that is one of our own course images
(`/courses/images/<random name>`): no remote, `data:` or `javascript:` image can slip in.
"""

from __future__ import annotations

import re

import nh3

from core.html import ALLOWED_TAGS

IMAGE_PATH = "/courses/images/"
IMAGE_NAME = r"[0-9a-f]{32}\.(?:png|jpg)"
_IMAGE_SRC = re.compile(rf"^{re.escape(IMAGE_PATH)}({IMAGE_NAME})$")
_IMAGE_IN_HTML = re.compile(rf"{re.escape(IMAGE_PATH)}({IMAGE_NAME})")

COURSE_TAGS = ALLOWED_TAGS | {"img"}
COURSE_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "img": {"src", "alt"}}


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if _IMAGE_SRC.match(value) else None
    return value


def clean_course_html(value: str) -> str:
    """Sanitise a text page's HTML: on save, on import and again at render."""
    return nh3.clean(
        value or "",
        tags=COURSE_TAGS,
        attributes=COURSE_ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def image_names(html: str) -> list[str]:
    """The stored names of our images that the HTML shows, in order, each once."""
    return list(dict.fromkeys(_IMAGE_IN_HTML.findall(html or "")))


def image_url(name: str) -> str:
    return f"{IMAGE_PATH}{name}"
