"""Checks on an uploaded file, judged by its content and never by its name.

`check_file` accepts PDFs, Office (OOXML) and OpenDocument files and common images. It guards
against archive bombs before it opens anything inside a zip, asks clamd for a virus scan when
one is configured, counts PDF pages, renders a preview of the first PDF page and extracts text
for search. Every refusal carries a reason written for the learner: a code with its details
(`FileVerdict.code`, `.params`), stored so on the file and put into words when it is shown
(`reason_text`), in the language of whoever reads it, not of whoever uploaded it.
"""

from __future__ import annotations

import html
import io
import re
import socket
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF_MAGIC = b"%PDF-"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
IMAGE_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]
OOXML_TYPES = [
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
]
ODF_PREFIX = "application/vnd.oasis.opendocument."
# Images are served back as they are, so only these types (never SVG, which can hold script).
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}

# Markup a browser would render or run. A file whose head holds any of it is refused whatever
# follows (an HTML page with a small PDF after it is still an HTML page to a browser). A tag name
# must end there, so Office XML such as <metadata> or <meta:generator> is not taken for HTML.
MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|frame|object|embed|meta|link|style|"
    rb"form|img|\?xml-stylesheet)(?=[\s/>])|javascript:",
    re.IGNORECASE,
)
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# The extension every accepted file is stored and downloaded under, by its detected type.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    ODF_PREFIX + "text": ".odt",
    ODF_PREFIX + "spreadsheet": ".ods",
    ODF_PREFIX + "presentation": ".odp",
    ODF_PREFIX + "graphics": ".odg",
    ODF_PREFIX + "chart": ".odc",
    ODF_PREFIX + "formula": ".odf",
    ODF_PREFIX + "text-master": ".odm",
}

MAX_TEXT_CHARS = 200_000
MAX_TEXT_PAGES = 50
PREVIEW_WIDTH = 480


# --- why a file is refused ------------------------------------------------------------------
#
# A refusal is stored as a code and its details (CheckedFile.reason_code, .reason_params): the
# check often runs in a worker, in nobody's language, and its reason is read later by the
# uploader and by instructors and coordinators in theirs. `reason_text` puts it into words in
# the active language. Codes are kept as they are once stored; a new reason gets a new code.


def _size(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    return filesizeformat(value) if isinstance(value, int) else "?"


REASONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "too-large": lambda p: (
        _("The file is %(size)s; the largest allowed is %(limit)s.")
        % {"size": _size(p, "size"), "limit": _size(p, "limit")}
    ),
    "empty": lambda p: _("The file is empty."),
    "empty-upload": lambda p: _("The file is empty (0 bytes). Check the file and add it again."),
    "markup": lambda p: _(
        "The file contains web page, SVG or script code, which is not accepted whatever "
        "follows it. Attach a PDF, an Office or OpenDocument file, or an image."
    ),
    "unknown-type": lambda p: _(
        "This type of file is not accepted, whatever its name says. Attach a PDF, an "
        "Office or OpenDocument file, or an image (PNG, JPEG, GIF, WebP)."
    ),
    "old-office": lambda p: _(
        "The file is in an old Office format. Save it as .docx, .xlsx or .pptx, or as a "
        "PDF, and attach it again."
    ),
    "virus": lambda p: (
        _("A virus was found in the file (%(name)s). It was not stored for review.")
        % {"name": str(p.get("name", "?"))}
    ),
    "not-pdf": lambda p: _(
        "The file is not a PDF document, whatever its name says. Attach a PDF file."
    ),
    "pdf-password": lambda p: _(
        "The PDF is password-protected. Save it without a password and try again."
    ),
    "pdf-damaged": lambda p: _("The PDF is damaged and cannot be opened. Save it again."),
    "pdf-no-pages": lambda p: _("The PDF has no pages."),
    "damaged": lambda p: _("The file is damaged and cannot be opened. Save it again."),
    "archive-bomb": lambda p: _(
        "The file unpacks to far more data than its size suggests (a possible archive "
        "bomb), so it was not opened."
    ),
    "macros": lambda p: _(
        "The file contains macros, which are not accepted. Save it without macros "
        "(.docx, .xlsx, .pptx) or as a PDF."
    ),
    "zip-archive": lambda p: _(
        "Zip archives are not accepted. Attach the documents themselves (PDF, "
        "Office or OpenDocument files)."
    ),
}


def reason_text(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The refusal `code` with its `params` in words, in the active language ("" for none)."""
    if not code:
        return ""
    words = REASONS.get(code)
    if words is None:
        # A code this version does not know (written by a newer one): still a refusal.
        return _("The file did not pass the check.")
    return words(params or {})


@dataclass(frozen=True)
class FileVerdict:
    accepted: bool
    code: str = ""
    content_type: str = ""
    page_count: int | None = None
    preview_png: bytes | None = None
    text: str = ""
    scan: str = "not-scanned"
    # The refusal's details (sizes in bytes, a virus's name), as reason_text needs them.
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """Why it was refused, in the active language (for an answer given at once)."""
        return reason_text(self.code, self.params)


class ScanUnavailable(OSError):
    """clamd is configured but did not answer: a transient error, worth retrying."""


# --- limits ----------------------------------------------------------------------------------


def max_file_bytes() -> int:
    return settings.SUBMISSION_MAX_FILE_MB * 1024 * 1024


def too_large_params(size: int) -> dict[str, int]:
    """The details of a "too-large" refusal: the file's size and the limit, in bytes."""
    return {"size": size, "limit": max_file_bytes()}


def too_large_message(size: int) -> str:
    return reason_text("too-large", too_large_params(size))


def zip_limits() -> tuple[int, int, int]:
    """(max entries, max total uncompressed bytes, max compression ratio) for zip-based files."""
    return (
        getattr(settings, "SUBMISSION_ZIP_MAX_ENTRIES", 2000),
        getattr(settings, "SUBMISSION_ZIP_MAX_UNCOMPRESSED_MB", 200) * 1024 * 1024,
        getattr(settings, "SUBMISSION_ZIP_MAX_RATIO", 100),
    )


# --- the entry point -------------------------------------------------------------------------


def check_file(stream: IO[bytes], size: int) -> FileVerdict:
    """Judge one stored upload; raises ScanUnavailable when clamd should but cannot answer."""
    if size > max_file_bytes():
        return FileVerdict(False, "too-large", params=too_large_params(size))
    if size == 0:
        return FileVerdict(False, "empty")
    stream.seek(0)
    head = stream.read(1024)
    if looks_like_markup(head):
        return FileVerdict(False, "markup")
    kind = sniff(head)
    if kind is None:
        return FileVerdict(False, "unknown-type")
    if kind == "ole2":
        return FileVerdict(False, "old-office")
    scan, virus = scan_stream(stream)
    if virus:
        return FileVerdict(False, "virus", scan="infected", params={"name": virus})
    if kind == "pdf":
        verdict = _check_pdf(stream)
    elif kind == "zip":
        verdict = _check_zip(stream)
    else:
        verdict = FileVerdict(True, content_type=kind)
    return FileVerdict(
        verdict.accepted,
        verdict.code,
        verdict.content_type,
        verdict.page_count,
        verdict.preview_png,
        verdict.text,
        scan,
        verdict.params,
    )


def check_pdf(stream: IO[bytes], size: int) -> FileVerdict:
    """Accept a readable PDF within the size limit, and nothing else."""
    if 0 < size <= max_file_bytes():
        stream.seek(0)
        if sniff(stream.read(1024)) != "pdf":
            return FileVerdict(False, "not-pdf")
    return check_file(stream, size)


def looks_like_markup(head: bytes) -> bool:
    """True when the first bytes are, or hold, HTML, SVG or script a browser would act on."""
    start = head
    for bom in BOMS:
        start = start.removeprefix(bom)
    # UTF-16 text shows its markup with a zero byte between the characters.
    narrow = start.replace(b"\x00", b"") if start[1:2] == b"\x00" or start[:1] == b"\x00" else start
    if narrow.lstrip().startswith(b"<"):
        return True
    return MARKUP.search(head) is not None or MARKUP.search(narrow) is not None


def sniff(head: bytes) -> str | None:
    """'pdf', 'zip', 'ole2', an image content type, or None, from the first bytes.

    A PDF must start with its header: readers tolerate junk before it, which is exactly what
    lets an HTML page with a PDF after it pass for a PDF. Markup anywhere in the head is None.
    """
    if looks_like_markup(head):
        return None
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    for magic, content_type in IMAGE_MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def extension_for(content_type: str) -> str:
    """The extension a file of this detected type is stored and downloaded under."""
    return EXTENSIONS.get(content_type, ".bin")


def safe_name(name: str, content_type: str) -> str:
    """The uploaded name with its extension replaced by the detected type's: `raportti.html`
    holding a PDF becomes `raportti.pdf`, `x.pdf.exe` becomes `x.pdf`."""
    path = PurePath(name.replace("\\", "/")).name or "file"
    stem = PurePath(path).stem if PurePath(path).suffix else path
    extension = extension_for(content_type)
    if stem.lower().endswith(extension):
        stem = stem[: -len(extension)]
    return f"{(stem.strip() or 'file')[:200]}{extension}"


# --- PDF -------------------------------------------------------------------------------------


def _check_pdf(stream: IO[bytes]) -> FileVerdict:
    stream.seek(0)
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            return FileVerdict(False, "pdf-password")
        pages = len(reader.pages)
        text = _pdf_text(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        return FileVerdict(False, "pdf-damaged")
    except RecursionError:
        return FileVerdict(False, "pdf-damaged")
    if pages == 0:
        return FileVerdict(False, "pdf-no-pages")
    stream.seek(0)
    return FileVerdict(
        True,
        content_type="application/pdf",
        page_count=pages,
        preview_png=pdf_preview_png(stream.read()),
        text=text,
    )


def _pdf_text(reader: PdfReader) -> str:
    parts: list[str] = []
    length = 0
    for page in reader.pages[:MAX_TEXT_PAGES]:
        try:
            chunk = page.extract_text() or ""
        except Exception:  # noqa: BLE001, S112 - text is a bonus; a page that fails is skipped
            continue
        parts.append(chunk)
        length += len(chunk)
        if length > MAX_TEXT_CHARS:
            break
    return "\n".join(parts)[:MAX_TEXT_CHARS]


def pdf_preview_png(data: bytes) -> bytes | None:
    """A PNG of the first page, PREVIEW_WIDTH wide; None when PDFium cannot render it."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
        try:
            page = document[0]
            width, height = page.get_size()
            scale = PREVIEW_WIDTH / max(width, 1)
            # A freakishly tall page would make a huge bitmap; cap the height too.
            scale = min(scale, 2000 / max(height, 1))
            bitmap = page.render(scale=scale, rev_byteorder=True)
            if bitmap.n_channels != 3:
                return None
            out = io.BytesIO()
            bitmap.to_pil().save(out, format="PNG", optimize=False, compress_level=6)
            return out.getvalue()
        finally:
            document.close()
    except (pdfium.PdfiumError, ValueError, IndexError, OSError):
        return None


# --- Office and OpenDocument (zip) -----------------------------------------------------------


def _check_zip(stream: IO[bytes]) -> FileVerdict:
    stream.seek(0)
    damaged = "damaged"
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return FileVerdict(False, damaged)
    with archive:
        entries = archive.infolist()
        max_entries, max_total, max_ratio = zip_limits()
        bomb = "archive-bomb"
        if len(entries) > max_entries:
            return FileVerdict(False, bomb)
        total = 0
        for entry in entries:
            total += entry.file_size
            ratio = entry.file_size / max(entry.compress_size, 1)
            if total > max_total or (entry.file_size > 1024 * 1024 and ratio > max_ratio):
                return FileVerdict(False, bomb)
        names = {entry.filename for entry in entries}
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            return FileVerdict(False, "macros")
        try:
            content_type = _zip_content_type(archive, names)
            if content_type is None:
                return FileVerdict(False, "zip-archive")
            text = _zip_text(archive, names, content_type)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError):
            return FileVerdict(False, damaged)
    return FileVerdict(True, content_type=content_type, text=text)


def _zip_content_type(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    if "mimetype" in names:
        mimetype = archive.open("mimetype").read(200).decode("ascii", "replace").strip()
        if mimetype.startswith(ODF_PREFIX):
            return mimetype
    if "[Content_Types].xml" in names:
        for marker, content_type in OOXML_TYPES:
            if marker in names:
                return content_type
    return None


TAG = re.compile(r"<[^>]*>")
PARAGRAPH_END = re.compile(r"</(w:p|a:p|text:p|text:h|si)>")


def _xml_text(archive: zipfile.ZipFile, name: str, budget: int) -> str:
    # Tags are stripped with a regular expression rather than parsed, so no entity (and no
    # "billion laughs" expansion) is ever resolved; reading stops at the budget.
    raw = archive.open(name).read(budget * 4).decode("utf-8", "replace")
    raw = PARAGRAPH_END.sub("\n", raw)
    text = html.unescape(TAG.sub("", raw))
    return re.sub(r"[ \t]+", " ", text).strip()[:budget]


def _zip_text(archive: zipfile.ZipFile, names: set[str], content_type: str) -> str:
    if content_type.startswith(ODF_PREFIX):
        parts = ["content.xml"] if "content.xml" in names else []
    elif "word/document.xml" in names:
        parts = ["word/document.xml"]
    elif "xl/sharedStrings.xml" in names:
        parts = ["xl/sharedStrings.xml"]
    else:
        parts = sorted(
            (n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
            key=lambda n: int(re.findall(r"\d+", n)[-1]),
        )
    texts: list[str] = []
    budget = MAX_TEXT_CHARS
    for name in parts:
        if budget <= 0:
            break
        chunk = _xml_text(archive, name, budget)
        texts.append(chunk)
        budget -= len(chunk)
    return "\n".join(texts)[:MAX_TEXT_CHARS]


# --- virus scan ------------------------------------------------------------------------------

CHUNK = 64 * 1024


def clamd_address() -> tuple[int, str | tuple[str, int]] | None:
    """The socket family and address of clamd, or None when no scanner is configured."""
    path = getattr(settings, "CLAMD_SOCKET", "")
    if path:
        return socket.AF_UNIX, path
    host = getattr(settings, "CLAMD_HOST", "")
    if host:
        return socket.AF_INET, (host, getattr(settings, "CLAMD_PORT", 3310))
    return None


def scan_stream(stream: IO[bytes]) -> tuple[str, str]:
    """('clean' | 'infected' | 'not-scanned', virus name) using clamd's INSTREAM command."""
    address = clamd_address()
    if address is None:
        return "not-scanned", ""
    family, target = address
    stream.seek(0)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(getattr(settings, "CLAMD_TIMEOUT", 60))
            connection.connect(target)
            connection.sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK):
                connection.sendall(struct.pack(">I", len(chunk)) + chunk)
            connection.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = connection.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as exc:
        raise ScanUnavailable(f"clamd did not answer: {exc}") from exc
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith("FOUND"):
        name = answer.removeprefix("stream:").removesuffix("FOUND").strip()
        return "infected", name or "?"
    if answer.endswith("OK"):
        return "clean", ""
    raise ScanUnavailable(f"clamd answered {answer!r}")
