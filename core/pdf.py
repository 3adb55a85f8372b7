"""PDF output for every part of the platform (certificates, journals, reports, plans)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def html_to_pdf(html: str) -> bytes | None:
    """Render HTML with WeasyPrint, or None where WeasyPrint's system libraries (Pango) are missing.

    WeasyPrint is imported here, not at module level, so the platform still runs without Pango.
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        logger.warning("WeasyPrint cannot be imported; PDF output is unavailable.")
        return None
    return HTML(string=html).write_pdf()
