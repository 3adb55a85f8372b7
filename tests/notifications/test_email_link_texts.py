"""An HTML email's link says where it leads: a sentence that introduces a link ("… from the
course page:") stays outside it, with the address after it as in the plain-text part (two
emails linked the introducing sentence itself, colon and all, and nothing after it)."""

import re
from pathlib import Path

from django.conf import settings

LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.DOTALL)


def test_no_html_email_links_a_sentence_that_ends_in_a_colon():
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    found = [
        f"{path.name}: {text.strip()[:60]}"
        for path in sorted(folder.glob("**/*.html"))
        for text in LINK.findall(path.read_text())
        if re.search(r':\s*"\s*%}\s*$|:\s*{%\s*endblocktranslate\s*%}\s*$|:\s*$', text.strip())
    ]
    assert found == []


def test_the_check_finds_such_a_link():
    text = LINK.findall('<p><a href="x">{% translate "Open it here:" %}</a></p>')[0]
    assert re.search(r':\s*"\s*%}\s*$', text.strip())
