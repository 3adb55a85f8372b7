"""Checks on an uploaded file, judged by its content and never by its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class FileVerdict:
    accepted: bool
    reason: str = ""
    content_type: str = ""
    page_count: int | None = None


def max_file_bytes() -> int:
    return settings.SUBMISSION_MAX_FILE_MB * 1024 * 1024


def too_large_message(size: int) -> str:
    return _("The file is %(size)s; the largest allowed is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(max_file_bytes()),
    }


def check_pdf(stream: BinaryIO, size: int) -> FileVerdict:
    """Accept a readable PDF within the size limit and count its pages."""
    if size > max_file_bytes():
        return FileVerdict(False, too_large_message(size))
    if size == 0:
        return FileVerdict(False, _("The file is empty."))
    stream.seek(0)
    head = stream.read(1024)
    # The PDF header may follow a little junk, which readers tolerate; anything else is not a PDF.
    if PDF_MAGIC not in head:
        return FileVerdict(
            False, _("The file is not a PDF document, whatever its name says. Attach a PDF file.")
        )
    stream.seek(0)
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            return FileVerdict(
                False, _("The PDF is password-protected. Save it without a password and try again.")
            )
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        return FileVerdict(False, _("The PDF is damaged and cannot be opened. Save it again."))
    if pages == 0:
        return FileVerdict(False, _("The PDF has no pages."))
    return FileVerdict(True, content_type="application/pdf", page_count=pages)
