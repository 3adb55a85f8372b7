"""The learning journal as a download: Markdown always, PDF when WeasyPrint can run here."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import User
from core.pdf import html_to_pdf

from .models import Reflection


def journal_markdown(*, user: User, entries: list[Reflection]) -> str:
    lines = [
        "# " + _("Learning journal") + f" – {user.display_name}",
        "",
        _("Exported on %(date)s") % {"date": date_format(timezone.localdate(), "DATE_FORMAT")},
        "",
    ]
    course_id: int | None = 0  # None: the sections removed from their course
    for entry in entries:
        when = date_format(timezone.localtime(entry.updated_at), "DATETIME_FORMAT")
        if entry.item is None:
            # The author removed the item: the entry stays, with the titles kept for it.
            if course_id is not None:
                lines += ["## " + _("From removed sections"), ""]
                course_id = None
            kept = entry.kept
            title = kept.get("item") or _("A removed section")
            heading = f"{kept['module']}: {title}" if kept.get("module") else title
            where = " · ".join(
                part for part in (kept.get("course", ""), _("Removed section"), when) if part
            )
            lines += [f"### {heading}", "", f"*{where}*", "", entry.text, ""]
            continue
        course = entry.item.module.course
        if course.pk != course_id:
            lines += [f"## {course.title}", ""]
            course_id = course.pk
        lines += [
            f"### {entry.item.module.title}: {entry.item.title}",
            "",
            f"*{when}*",
            "",
            entry.text,
            "",
        ]
    if not entries:
        lines.append(_("No reflections yet."))
    return "\n".join(lines) + "\n"


def journal_pdf(*, user: User, entries: list[Reflection]) -> bytes | None:
    html = render_to_string(
        "courses/journal_pdf.html",
        {"person": user, "entries": entries, "today": timezone.localdate()},
    )
    return html_to_pdf(html)
