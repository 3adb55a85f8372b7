"""The knowledge check's feedback: the page says whether an answer was right, so an author's
explanation that starts with the same verdict ("Oikein: …") is shown without it, and the
learner does not read "Oikein. Oikein: …"."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# Verdict words authors start explanations with, in the platform's languages; the page's own
# verdicts ("Right.", "Not right.") in its language are added per call.
AUTHOR_VERDICTS = (
    "oikein",
    "väärin",
    "ei oikein",
    "right",
    "correct",
    "wrong",
    "not right",
    "incorrect",
    "rätt",
    "fel",
    "korrekt",
)


@register.filter
def without_verdict(explanation: str) -> str:
    """'Oikein: kasvukäytävä on verkosto.' -> 'Kasvukäytävä on verkosto.'"""
    text = (explanation or "").strip()
    words = {w.lower() for w in AUTHOR_VERDICTS}
    words |= {_("Right.").rstrip(".").lower(), _("Not right.").rstrip(".").lower()}
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    match = re.match(rf"(?:{pattern})\s*[.:!,;–—-]+\s*", text, re.IGNORECASE)
    if not match or match.end() == len(text):
        return text
    rest = text[match.end() :]
    return rest[0].upper() + rest[1:]
