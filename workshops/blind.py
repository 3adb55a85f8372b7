"""Files without their author's name, for blind review and anonymous peer feedback.

Blind review hides who wrote an answer, but the files themselves remember: a PDF's document
information (/Author, /Creator, /Producer) and XMP, an Office file's docProps (dc:creator,
cp:lastModifiedBy, the company) and the names on its comments and tracked changes, an
OpenDocument file's meta.xml, a photo's EXIF (artist, owner, GPS; JPEG, PNG, WebP), a GIF's
comments and XMP all name a person or place. Whoever may not know the author (a reviewer of a
blind cohort, a peer giving anonymous feedback) gets a copy with those removed; the team itself
always gets the stored bytes.

The file's own name ("Liisa_Virtanen_suunnitelma.pdf") is as telling: those people see and
download each file as "Attachment 1.pdf", numbered by its place in the version
(`neutral_name`, `name_files`, `submission_file_name`).

The copy is made in memory from the stored file (uploads are capped at
SUBMISSION_MAX_FILE_MB). Types that carry no such metadata, and everyone who may see the
original, are served the stored file as it is, streamed. A file that cannot be rewritten is
not served to someone who must not see its author (AnonymousCopyError, a 404 for the view):
refusing is better than revealing.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.http import Http404
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import NameObject

from .checks import extension_for, safe_name
from .cohort_settings import peer_of
from .marking import is_blind

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models.fields.files import FieldFile

    from core.models import User

    from .models import ReviewFile, Submission, SubmissionFile

logger = logging.getLogger(__name__)

PDF = "application/pdf"
OOXML_PREFIX = "application/vnd.openxmlformats-officedocument."
ODF_PREFIX = "application/vnd.oasis.opendocument."
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
GIF = "image/gif"


class AnonymousCopyError(Exception):
    """The file could not be rewritten without its author's name."""


# --- who gets which --------------------------------------------------------------------------


def on_team(user: User, submission: Submission) -> bool:
    """The learner who sent the answer, or anyone on its experiment's team."""
    if submission.learner_id == user.pk:
        return True
    experiment = submission.experiment if submission.experiment_id is not None else None
    return experiment is not None and experiment.members.filter(user=user).exists()


def hides_author(user: User, submission: Submission) -> bool:
    """Whether `user` may not learn who wrote the answer: blind review, and not on the team."""
    return is_blind(submission) and not on_team(user, submission)


def submission_file_for(user: User, attachment: SubmissionFile) -> FieldFile | ContentFile:
    """What to send `user` of an answer's file: under blind review everyone but the team gets
    a copy without the author's name (Http404 when no such copy can be made)."""
    if not hides_author(user, attachment.submission):
        return attachment.file
    return _copy_or_404(attachment.file, attachment.content_type)


# --- file names ------------------------------------------------------------------------------


def neutral_name(attachment: SubmissionFile, *, position: int) -> str:
    """ "Attachment 2.pdf": the file's place in its version and its type's extension (the
    detected type's for a checked file, else the uploaded name's), nothing of the name."""
    if attachment.content_type:
        extension = extension_for(attachment.content_type)
    else:
        extension = _plain_suffix(attachment.original_name)
    return _("Attachment %(n)s") % {"n": position} + extension


def _plain_suffix(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return f".{suffix}" if suffix.isascii() and suffix.isalnum() and len(suffix) <= 5 else ""


def name_files(files: Iterable[SubmissionFile], *, hide_author: bool) -> None:
    """Give each of a version's files (all of them, in their order) the `shown_name` pages
    show: "Attachment 1.pdf" ... for someone who may not know the author, else the uploaded
    name. Pages list every file, rejected ones too, so the numbers match the downloads'."""
    for position, attachment in enumerate(files, start=1):
        attachment.shown_name = (
            neutral_name(attachment, position=position) if hide_author else attachment.original_name
        )


def file_position(attachment: SubmissionFile) -> int:
    """The file's place among its version's files (one query)."""
    earlier = type(attachment).objects.filter(
        submission_id=attachment.submission_id, pk__lt=attachment.pk
    )
    return earlier.count() + 1


def submission_file_name(user: User, attachment: SubmissionFile) -> str:
    """The name `user` downloads an answer's file under: the neutral one when they may not
    know the author, else the uploaded name with the detected type's extension."""
    if hides_author(user, attachment.submission):
        return neutral_name(attachment, position=file_position(attachment))
    return safe_name(attachment.original_name, attachment.content_type)


def rejection_reasons(files: Iterable[SubmissionFile]) -> str:
    """Why the version's files were refused, one "name: reason" line each, with the names
    the page shows (`name_files` first) and the reasons in the reader's language."""
    return "\n".join(
        f"{f.shown_name}: {f.shown_reason}" for f in files if f.status == f.Status.REJECTED
    )


def status_reason_shown(submission: Submission, *, blind: bool) -> str:
    """Why the version's files were refused, as its page says it (its files read, named by
    `name_files`): from the files, each reason in the reader's language; a version whose files
    were checked before reasons had codes shows the words stored on it then (`status_reason`,
    in its uploader's language), unless its names must be hidden."""
    files = submission.files.all()
    if blind or any(f.reason_code for f in files):
        return rejection_reasons(files)
    return submission.status_reason


def peer_file_for(submission: Submission, attachment: SubmissionFile) -> FieldFile | ContentFile:
    """What an allocated peer gets of an answer's file: without the author's name when the
    phase's peer feedback is anonymous in the cohort."""
    if not peer_of(submission).peer_anonymous:
        return attachment.file
    return _copy_or_404(attachment.file, attachment.content_type)


def review_file_for(attachment: ReviewFile, *, hide_reviewer: bool) -> FieldFile | ContentFile:
    """What the team gets of a feedback file: under blind review a copy without the name of
    the instructor who wrote it (the caller knows whether the person is on the team)."""
    if not hide_reviewer:
        return attachment.file
    return _copy_or_404(attachment.file, attachment.content_type)


def _copy_or_404(stored: FieldFile, content_type: str) -> FieldFile | ContentFile:
    try:
        return anonymous_copy(stored, content_type)
    except AnonymousCopyError:
        logger.warning("no anonymous copy of %s (%s); not served", stored.name, content_type)
        raise Http404 from None


def anonymous_copy(stored: FieldFile, content_type: str) -> FieldFile | ContentFile:
    """The file without author metadata when its type carries any, else `stored` itself."""
    strip = _stripper(content_type)
    if strip is None:
        return stored
    with stored.open("rb") as source:
        data = source.read()
    try:
        cleaned = strip(data)
    except Exception as exc:
        # A file our parsers cannot read may still be served when nothing in its bytes could
        # hold a name (no metadata keys in plain sight, not a compressed archive).
        if _visibly_clean(data, content_type):
            return stored
        if isinstance(exc, AnonymousCopyError):
            raise
        raise AnonymousCopyError(str(exc)) from exc
    return ContentFile(cleaned, name="file")


# Where a name could hide in bytes that could not be parsed: PDF metadata keys, object streams
# (compressed objects), XMP, EXIF and PNG text chunks; a zip's parts are compressed.
METADATA_MARKERS = re.compile(
    rb"/(?:Author|Creator|Producer|Metadata|ObjStm|Info|T)\b|xmpmeta|Exif|[tiz]TXt|eXIf"
)


# WebP's metadata chunks; a GIF's comment and application (XMP) extensions.
WEBP_MARKERS = re.compile(rb"EXIF|XMP ")
GIF_MARKERS = re.compile(rb"\x21[\xfe\xff]")


def _visibly_clean(data: bytes, content_type: str = "") -> bool:
    if data.startswith(b"PK") or METADATA_MARKERS.search(data) is not None:
        return False
    if content_type == WEBP:
        return WEBP_MARKERS.search(data) is None
    if content_type == GIF:
        return GIF_MARKERS.search(data) is None
    return True


def _stripper(content_type: str) -> Any:
    if content_type == PDF:
        return strip_pdf
    if content_type.startswith(OOXML_PREFIX):
        return strip_ooxml
    if content_type.startswith(ODF_PREFIX):
        return strip_odf
    if content_type == JPEG:
        return strip_jpeg
    if content_type == PNG:
        return strip_png
    if content_type == WEBP:
        return strip_webp
    if content_type == GIF:
        return strip_gif
    return None


# --- PDF -------------------------------------------------------------------------------------


def strip_pdf(data: bytes) -> bytes:
    """The PDF rewritten without its document information dictionary (/Author, /Creator,
    /Producer, /Title ...), its XMP streams (the document's and each page's) and the authors
    of its annotations (/T). Only the objects still referenced are written, so the earlier
    revisions of an incrementally saved file (and their /Info) are gone too."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AnonymousCopyError("encrypted PDF")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        writer.xmp_metadata = None
        for page in writer.pages:
            if "/Metadata" in page:
                del page[NameObject("/Metadata")]
            for ref in page.get("/Annots", None) or []:
                annotation = ref.get_object()
                if "/T" in annotation:
                    del annotation[NameObject("/T")]
        # The removed XMP streams would still be written as orphans: drop what nothing uses.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise AnonymousCopyError(str(exc)) from exc
    return out.getvalue()


# --- Office (OOXML) and OpenDocument ---------------------------------------------------------


def _element(*names: bytes) -> re.Pattern[bytes]:
    """An XML element of one of these local names (any namespace prefix), empty or not."""
    alternatives = b"|".join(names)
    return re.compile(
        rb"<((?:[\w.-]+:)?(?:" + alternatives + rb"))\b[^>]*?(?:/>|>.*?</\1\s*>)", re.DOTALL
    )


def _attribute(*names: bytes) -> re.Pattern[bytes]:
    """An attribute of one of these qualified names, with its value (quoted either way)."""
    alternatives = b"|".join(re.escape(n) for n in names)
    return re.compile(rb"(\s(?:" + alternatives + rb")\s*=\s*)(\"[^\"]*\"|'[^']*')")


# The document's properties: who created and last saved it, their company and manager.
CORE_PEOPLE = _element(b"creator", b"lastModifiedBy")
APP_PEOPLE = _element(b"Company", b"Manager")
# Names on comments and tracked changes (Word), comment authors (Excel, PowerPoint) and the
# people parts of modern comments (display names, user ids that are often email addresses).
AUTHOR_ATTRIBUTES = _attribute(
    b"w:author",
    b"w:initials",
    b"w15:author",
    b"w15:userId",
    b"w15:providerId",
    b"displayName",
    b"userId",
    b"providerId",
    b"initials",
)
EXCEL_AUTHORS = re.compile(rb"(<(?:\w+:)?author>)[^<]*(</(?:\w+:)?author>)")
PPT_AUTHOR_NAME = _attribute(b"name")
COMMENT_PARTS = re.compile(
    r"^(word/(document|comments\w*|people|footnotes|endnotes|header\d*|footer\d*)\.xml"
    r"|xl/(comments\d*|threadedComments/[^/]+|persons/[^/]+)\.xml"
    r"|ppt/(commentAuthors|authors)\.xml|ppt/comments/[^/]+\.xml)$"
)


def _strip_ooxml_part(name: str, data: bytes) -> bytes:
    if name == "docProps/core.xml":
        return CORE_PEOPLE.sub(b"", data)
    if name == "docProps/app.xml":
        return APP_PEOPLE.sub(b"", data)
    if COMMENT_PARTS.match(name):
        data = AUTHOR_ATTRIBUTES.sub(rb'\1""', data)
        if name.startswith("xl/comments"):
            data = EXCEL_AUTHORS.sub(rb"\1\2", data)
        if name in ("ppt/commentAuthors.xml", "ppt/authors.xml"):
            data = PPT_AUTHOR_NAME.sub(rb'\1""', data)
    return data


ODF_PEOPLE = _element(b"initial-creator", b"creator", b"printed-by")
ODF_AUTHORS = _element(b"creator")  # in content.xml: annotations and tracked changes


def _strip_odf_part(name: str, data: bytes) -> bytes:
    if name == "meta.xml":
        return ODF_PEOPLE.sub(b"", data)
    if name in ("content.xml", "styles.xml"):
        return ODF_AUTHORS.sub(b"", data)
    return data


def _rewrite_zip(data: bytes, strip_part: Any) -> bytes:
    """The archive with each entry passed through `strip_part(name, bytes)`, entries kept in
    order with their compression (an OpenDocument file's stored `mimetype` stays first)."""
    out = io.BytesIO()
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as source,
            zipfile.ZipFile(out, "w") as target,
        ):
            for info in source.infolist():
                content = source.read(info)
                if info.filename.endswith(".xml"):
                    content = strip_part(info.filename, content)
                target.writestr(info, content)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise AnonymousCopyError(str(exc)) from exc
    return out.getvalue()


def strip_ooxml(data: bytes) -> bytes:
    """A .docx, .xlsx or .pptx without the names in its properties and on its comments."""
    return _rewrite_zip(data, _strip_ooxml_part)


def strip_odf(data: bytes) -> bytes:
    """An OpenDocument file without the names in its meta.xml and on its annotations."""
    return _rewrite_zip(data, _strip_odf_part)


# --- images ----------------------------------------------------------------------------------

ORIENTATION = 0x0112
# JPEG segments that hold metadata: APP1 (EXIF, XMP), APP13 (IPTC), COM (comments).
JPEG_METADATA = {0xE1, 0xED, 0xFE}


def strip_jpeg(data: bytes) -> bytes:
    """A JPEG without EXIF (artist, owner, camera serial, GPS), XMP, IPTC and comments, losslessly
    (the image data is copied as it is); only the EXIF orientation is kept, so the photo still
    shows the right way up."""
    if not data.startswith(b"\xff\xd8"):
        raise AnonymousCopyError("not a JPEG")
    out = [b"\xff\xd8"]
    orientation = None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise AnonymousCopyError("damaged JPEG")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA or 0xD0 <= marker <= 0xD9:  # start of scan: image data follows
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos : pos + 2 + length]
        if marker == 0xE1 and segment[4:10] == b"Exif\x00\x00" and orientation is None:
            exif = Image.Exif()
            exif.load(segment[4:])
            orientation = exif.get(ORIENTATION)
        if marker not in JPEG_METADATA:
            out.append(segment)
        pos += 2 + length
    if orientation is not None:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        payload = exif.tobytes()
        # Right after SOI (and after the JFIF APP0, when there is one).
        at = 2 if len(out) > 1 and out[1][1] == 0xE0 else 1
        out.insert(at, b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload)
    out.append(data[pos:])
    return b"".join(out)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_METADATA = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def strip_png(data: bytes) -> bytes:
    """A PNG without its text chunks (Author, Comment ...), EXIF and time stamp."""
    if not data.startswith(PNG_SIGNATURE):
        raise AnonymousCopyError("not a PNG")
    out = [PNG_SIGNATURE]
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind not in PNG_METADATA:
            out.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            break
    return b"".join(out)


# WebP (RIFF): the EXIF and XMP chunks go; VP8X's flags say they are gone.
WEBP_METADATA = {b"EXIF", b"XMP "}
VP8X_EXIF = 0x08
VP8X_XMP = 0x04


def strip_webp(data: bytes) -> bytes:
    """A WebP without its EXIF (artist, owner, GPS) and XMP chunks, losslessly (the image
    chunks are copied as they are); only the EXIF orientation is kept, as for a JPEG."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise AnonymousCopyError("not a WebP")
    chunks: list[tuple[bytes, bytes]] = []
    orientation = None
    pos = 12
    end = min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    while pos < end:
        if pos + 8 > end:
            raise AnonymousCopyError("damaged WebP")
        kind = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        payload = data[pos + 8 : pos + 8 + size]
        if len(payload) != size:
            raise AnonymousCopyError("damaged WebP")
        if kind == b"EXIF" and orientation is None:
            exif = Image.Exif()
            exif.load(payload)
            orientation = exif.get(ORIENTATION)
        if kind not in WEBP_METADATA:
            chunks.append((kind, payload))
        pos += 8 + size + (size & 1)
    if orientation is not None and chunks and chunks[0][0] == b"VP8X":
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        tiff = exif.tobytes()
        chunks.append((b"EXIF", tiff[6:] if tiff.startswith(b"Exif\x00\x00") else tiff))
    else:
        orientation = None
    if chunks and chunks[0][0] == b"VP8X" and len(chunks[0][1]) >= 1:
        header = bytearray(chunks[0][1])
        header[0] &= ~(VP8X_XMP | VP8X_EXIF) & 0xFF
        if orientation is not None:
            header[0] |= VP8X_EXIF
        chunks[0] = (b"VP8X", bytes(header))
    body = b"".join(
        kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)
        for kind, payload in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


# GIF: comment extensions and application extensions other than the animation's loop count.
GIF_KEPT_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    """Where the data sub-blocks starting at `pos` end (after their zero terminator)."""
    while True:
        if pos >= len(data):
            raise AnonymousCopyError("damaged GIF")
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos


def _gif_color_table(packed: int) -> int:
    return 3 * (2 ** ((packed & 0x07) + 1)) if packed & 0x80 else 0


def strip_gif(data: bytes) -> bytes:
    """A GIF without its comments and its XMP and other application blocks (the animation's
    loop count stays), losslessly: the frames are copied as they are."""
    if len(data) < 13 or data[:6] not in (b"GIF87a", b"GIF89a"):
        raise AnonymousCopyError("not a GIF")
    pos = 13 + _gif_color_table(data[10])
    out = [data[:pos]]
    while True:
        if pos >= len(data):
            raise AnonymousCopyError("damaged GIF")
        block = data[pos]
        if block == 0x3B:  # trailer
            out.append(b"\x3b")
            return b"".join(out)
        if block == 0x2C:  # image: descriptor, local colour table, LZW code size, data
            if pos + 10 > len(data):
                raise AnonymousCopyError("damaged GIF")
            start = pos
            pos += 10 + _gif_color_table(data[pos + 9]) + 1
            pos = _gif_sub_blocks(data, pos)
            out.append(data[start:pos])
            continue
        if block != 0x21 or pos + 2 > len(data):
            raise AnonymousCopyError("damaged GIF")
        start = pos
        label = data[pos + 1]
        pos = _gif_sub_blocks(data, pos + 2)
        if label == 0xFE:  # comment
            continue
        if label == 0xFF and data[start + 3 : start + 14] not in GIF_KEPT_APPLICATIONS:
            continue
        out.append(data[start:pos])
