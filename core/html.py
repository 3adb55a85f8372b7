"""The one HTML sanitiser: course text is kept as structure, scripts and styles are dropped."""

import nh3

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i", "blockquote",
    "a", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def clean_html(value: str) -> str:
    """Sanitise HTML written by people; used on save and again at render."""
    return nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
