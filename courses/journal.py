"""The learning journal as a download: Markdown always, PDF when WeasyPrint can run here."""

from __future__ import annotations

import logging

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import User

from .models import Reflection

logger = logging.getLogger(__name__)


def journal_markdown(*, user: User, entries: list[Reflection]) -> str:
    lines = [
        f"# {_('Learning journal')} – {user.display_name}",
        "",
        _("Exported on %(date)s") % {"date": date_format(timezone.localdate(), "DATE_FORMAT")},
        "",
    ]
    course_id = None
    for entry in entries:
        course = entry.item.module.course
        if course.pk != course_id:
            lines += [f"## {course.title}", ""]
            course_id = course.pk
        lines += [
            f"### {entry.item.module.title}: {entry.item.title}",
            "",
            f"*{date_format(timezone.localtime(entry.updated_at), 'DATETIME_FORMAT')}*",
            "",
            entry.text,
            "",
        ]
    if not entries:
        lines.append(_("No reflections yet."))
    return "\n".join(lines) + "\n"


def html_to_pdf(html: str) -> bytes | None:
    """Render HTML with WeasyPrint, imported here so the platform runs where pango is missing."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        logger.warning("WeasyPrint cannot be imported; PDF output is unavailable.")
        return None
    return HTML(string=html).write_pdf()


def journal_pdf(*, user: User, entries: list[Reflection]) -> bytes | None:
    html = render_to_string(
        "courses/journal_pdf.html",
        {"person": user, "entries": entries, "today": timezone.localdate()},
    )
    return html_to_pdf(html)
