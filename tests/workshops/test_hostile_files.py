"""Attachments of every accepted kind pass; hostile ones are refused one by one, with reasons."""

import dataclasses
import io
import socket
import socketserver
import struct
import threading
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from PIL import Image

from tests import factories
from tests.pdfs import corrupted_pdf, executable_named_pdf, pdf_bytes
from workshops.checks import PREVIEW_WIDTH, ScanUnavailable, check_file
from workshops.models import ScanStatus, Submission, SubmissionFile
from workshops.services import submission_file_process

PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def check(data: bytes):
    # The verdict holds the refusal's code; its words are read in English (the msgids), so
    # the assertions do not depend on the translations.
    verdict = check_file(io.BytesIO(data), len(data))
    with translation.override("en"):
        return SimpleNamespace(**dataclasses.asdict(verdict), reason=verdict.reason)


def zipped(entries: dict[str, bytes], *, first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(first, entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx(text: str = "Matkaketjut &amp; kylät", extra: dict[str, bytes] | None = None) -> bytes:
    return zipped(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": (
                f"<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
            ).encode(),
            **(extra or {}),
        }
    )


def odt(text: str = "Monipaikkaisuus") -> bytes:
    return zipped(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": f"<office:text><text:p>{text}</text:p></office:text>".encode(),
        },
        first="mimetype",
    )


def test_a_pdf_gets_its_pages_counted_a_preview_rendered_and_its_text_read():
    verdict = check(pdf_bytes(pages=2))
    assert verdict.accepted
    assert verdict.page_count == 2
    assert verdict.preview_png.startswith(b"\x89PNG\r\n\x1a\n")
    # A real picture of the page: as wide as the preview column, taller than wide (A4).
    preview = Image.open(io.BytesIO(verdict.preview_png))
    assert (preview.width, preview.height > preview.width) == (PREVIEW_WIDTH, True)
    assert verdict.scan == ScanStatus.NOT_SCANNED


def test_the_preview_shows_what_is_on_the_first_page():
    from weasyprint import HTML

    # A black block over the top-left quarter of an otherwise white page.
    block = (
        '<style>@page{margin:0}</style><div style="background:#000;width:50%;height:10cm"></div>'
    )
    pdf = HTML(string=block).write_pdf()
    preview = Image.open(io.BytesIO(check(pdf).preview_png)).convert("L")
    assert preview.getpixel((preview.width // 8, preview.height // 8)) < 20
    assert preview.getpixel((preview.width * 7 // 8, preview.height * 7 // 8)) > 235


def test_a_word_document_is_accepted_and_its_text_extracted():
    verdict = check(docx())
    assert verdict.accepted
    assert verdict.content_type.endswith("wordprocessingml.document")
    assert "Matkaketjut & kylät" in verdict.text


def test_an_opendocument_text_is_accepted_and_its_text_extracted():
    verdict = check(odt())
    assert verdict.accepted
    assert verdict.content_type == "application/vnd.oasis.opendocument.text"
    assert "Monipaikkaisuus" in verdict.text


def test_an_image_is_accepted_by_its_content():
    verdict = check(PNG_1PX)
    assert verdict.accepted
    assert verdict.content_type == "image/png"


def test_it_rejects_a_renamed_executable():
    verdict = check(executable_named_pdf().read())
    assert not verdict.accepted
    assert "not accepted, whatever its name says" in verdict.reason


def test_it_rejects_a_corrupted_pdf():
    verdict = check(corrupted_pdf().read())
    assert not verdict.accepted
    assert "damaged" in verdict.reason


def test_it_rejects_an_oversized_file(settings):
    settings.SUBMISSION_MAX_FILE_MB = 0
    verdict = check(docx())
    assert not verdict.accepted
    assert "largest allowed" in verdict.reason


def test_it_refuses_a_zip_bomb_without_unpacking_it():
    # 200 MB of zeros compress to about 200 kB: far beyond any sane ratio.
    bomb = docx(extra={"word/media/zeros.bin": b"\0" * (200 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    verdict = check(bomb)
    assert not verdict.accepted
    assert "archive bomb" in verdict.reason


def test_it_refuses_an_archive_with_too_many_entries(settings):
    settings.SUBMISSION_ZIP_MAX_ENTRIES = 50
    verdict = check(docx(extra={f"word/x{i}.xml": b"<x/>" for i in range(60)}))
    assert not verdict.accepted
    assert "archive bomb" in verdict.reason


def test_it_refuses_a_document_with_macros():
    verdict = check(docx(extra={"word/vbaProject.bin": b"macro"}))
    assert not verdict.accepted
    assert "macros" in verdict.reason


def test_it_refuses_a_plain_zip_and_an_old_office_file():
    assert "Zip archives" in check(zipped({"a.txt": b"hello"})).reason
    old_office = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert "old Office format" in check(old_office).reason


# --- clamd -----------------------------------------------------------------------------------


class FakeClamd(socketserver.BaseRequestHandler):
    """Speaks enough of clamd's INSTREAM protocol: finds 'EICAR' in the stream."""

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            command += self.request.recv(1)
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            (length,) = struct.unpack(">I", self._read(4))
            if length == 0:
                break
            data += self._read(length)
        answer = b"stream: Eicar-Test-Signature FOUND\0" if b"EICAR" in data else b"stream: OK\0"
        self.request.sendall(answer)

    def _read(self, n):
        buffer = b""
        while len(buffer) < n:
            buffer += self.request.recv(n - len(buffer))
        return buffer


@pytest.fixture
def clamd(settings, tmp_path):
    path = str(tmp_path / "clamd.sock")
    server = socketserver.UnixStreamServer(path, FakeClamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMD_SOCKET = path
    yield path
    server.shutdown()
    server.server_close()


def test_with_clamd_a_clean_file_is_marked_scanned(clamd):
    verdict = check(pdf_bytes())
    assert verdict.accepted
    assert verdict.scan == ScanStatus.CLEAN


def test_with_clamd_an_infected_file_is_rejected_with_the_virus_name(clamd):
    verdict = check(PNG_1PX + b"EICAR")
    assert not verdict.accepted
    assert verdict.scan == ScanStatus.INFECTED
    assert "Eicar-Test-Signature" in verdict.reason


def test_when_clamd_is_configured_but_down_the_check_is_retried_not_passed(settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody-listens.sock")
    with pytest.raises(ScanUnavailable):
        check(pdf_bytes())


def test_without_clamd_the_file_says_not_scanned():
    assert socket  # the module is used by the fake server above
    assert check(pdf_bytes()).scan == "not-scanned"


# --- processing per file ---------------------------------------------------------------------


@pytest.mark.django_db
def test_each_file_is_judged_alone_and_the_good_ones_keep_a_preview_and_text(
    learner, cohort, assignment, django_capture_on_commit_callbacks
):
    submission = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, status=Submission.Status.PROCESSING
    )
    files = [
        factories.SubmissionFileFactory(
            submission=submission,
            file=ContentFile(content, name=name),
            original_name=name,
            status=SubmissionFile.Status.PENDING,
        )
        for name, content in [
            ("suunnitelma.pdf", pdf_bytes(pages=1)),
            ("virus.docx", executable_named_pdf().read()),
            ("muistio.docx", docx()),
        ]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for f in files:
            submission_file_process(file_id=f.pk)
        # Twice is the same as once.
        submission_file_process(file_id=files[0].pk)
    pdf, bad, word = (SubmissionFile.objects.get(pk=f.pk) for f in files)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert (pdf.status, bad.status, word.status) == ("accepted", "rejected", "accepted")
    with pdf.preview.open("rb") as preview:
        assert preview.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "Matkaketjut" in word.extracted_text
    assert bad.original_name == "virus.docx"
    assert bad.reason_code == "unknown-type"
