"""Real, small PDF files made with pypdf, and hostile look-alikes, for upload tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter


def pdf_bytes(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "haaste.pdf", pages: int = 2) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages), content_type="application/pdf")


def executable_named_pdf() -> SimpleUploadedFile:
    """A Windows executable header renamed to .pdf: the name lies, the content does not."""
    return SimpleUploadedFile(
        "haaste.pdf", b"MZ\x90\x00" + b"\x00" * 2000, content_type="application/pdf"
    )


def corrupted_pdf() -> SimpleUploadedFile:
    """Starts like a PDF but its body is garbage."""
    return SimpleUploadedFile(
        "rikki.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 300, content_type="application/pdf"
    )


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF made by the platform (WeasyPrint), for assertions."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, its whitespace collapsed to single spaces."""
    return " ".join(" ".join(pdf_pages(data)).split())
