"""Files are judged by what they are, from their first byte (#12, item 3).

A PDF must start with %PDF-; markup a browser would render or run refuses a file whatever
follows it; every accepted file is stored and downloaded under its detected type's extension,
never the uploaded one.
"""

import dataclasses
import datetime
import io
from pathlib import Path, PurePath
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from tests.pdfs import pdf_bytes
from workshops import services, sessions
from workshops.checks import check_file, looks_like_markup, safe_name, sniff
from workshops.models import RunLogEntry, SessionMaterial, SubmissionFile, WorkshopSession

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
HTML_HEAD = b"<!DOCTYPE html><html><body><script>fetch('/admin/')</script></body></html>\n"
MARKUP_REASON = "The file contains web page, SVG or script code"


def check(data: bytes):
    # The verdict holds the refusal's code; its words are read in English (the msgids), so
    # the assertions do not depend on the translations.
    verdict = check_file(io.BytesIO(data), len(data))
    with translation.override("en"):
        return SimpleNamespace(**dataclasses.asdict(verdict), reason=verdict.reason)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(HTML_HEAD + pdf_bytes(pages=1), id="html-then-pdf"),
        pytest.param(b"\xef\xbb\xbf" + HTML_HEAD + pdf_bytes(pages=1), id="bom-html-then-pdf"),
        pytest.param(
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(1)</script></svg>" + pdf_bytes(pages=1),
            id="svg-then-pdf",
        ),
        pytest.param(
            "<html><script>alert(1)</script>".encode("utf-16") + pdf_bytes(pages=1),
            id="utf16-html-then-pdf",
        ),
        pytest.param(
            b"%PDF-1.7\n<script>alert(1)</script>\n" + pdf_bytes(pages=1), id="pdf-script"
        ),
        pytest.param(
            PNG[:33] + b"\x00\x00\x00\x20tEXt<script>alert(1)</script>" + PNG[33:], id="png"
        ),
        pytest.param(b"   \n\t<iframe src=//evil>" + pdf_bytes(pages=1), id="whitespace-iframe"),
    ],
)
def test_a_file_whose_head_holds_markup_is_refused_whatever_follows(data):
    verdict = check(data)
    assert not verdict.accepted
    assert verdict.reason.startswith(MARKUP_REASON)
    assert sniff(data[:1024]) is None


def test_a_pdf_must_start_with_its_header():
    assert sniff(pdf_bytes(pages=1)) == "pdf"
    assert sniff(b"junk" + pdf_bytes(pages=1)) is None
    verdict = check(b"garbage line\n" + pdf_bytes(pages=1))
    assert not verdict.accepted
    assert check(pdf_bytes(pages=1)).accepted


def test_real_files_are_not_taken_for_markup():
    assert not looks_like_markup(pdf_bytes(pages=3)[:1024])
    assert not looks_like_markup(PNG)
    assert check(PNG).accepted


def test_office_xml_stored_uncompressed_is_not_taken_for_html():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/docProps/core.xml"/></Types>',
        )
        archive.writestr(
            "docProps/core.xml",
            "<cp:coreProperties><metadata/><meta:generator>Word</meta:generator>"
            "<header/><styles/></cp:coreProperties>",
        )
        archive.writestr("word/document.xml", "<w:document><w:p>Hei</w:p></w:document>")
    data = buffer.getvalue()
    assert not looks_like_markup(data[:1024])
    verdict = check(data)
    assert verdict.accepted, verdict.reason
    assert verdict.content_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize(
    ("uploaded", "content_type", "expected"),
    [
        ("raportti.html", "application/pdf", "raportti.pdf"),
        ("x.pdf.exe", "application/pdf", "x.pdf"),
        ("kuva.svg", "image/png", "kuva.png"),
        ("Raportti v1.2 final.PDF", "application/pdf", "Raportti v1.2 final.pdf"),
        ("ilman-paatetta", "image/jpeg", "ilman-paatetta.jpg"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\oona\\kuva.gif.js", "image/gif", "kuva.gif"),
        (".pdf", "application/pdf", "file.pdf"),
    ],
)
def test_the_name_takes_the_detected_types_extension(uploaded, content_type, expected):
    assert safe_name(uploaded, content_type) == expected


def _submit_with(learner, cohort, assignment, experiment, upload, capture):
    with capture(execute=True):
        submission = services.submission_submit(
            learner=learner,
            assignment=assignment,
            cohort=cohort,
            experiment=experiment,
            text="Vastaus liitteineen",
            upload=upload,
        )
    return SubmissionFile.objects.get(submission=submission)


def test_a_pdf_named_like_an_executable_is_stored_and_downloaded_as_a_pdf(
    learner,
    instructor,
    other_learner,
    cohort,
    assignment,
    experiment,
    client_for,
    django_capture_on_commit_callbacks,
):
    data = pdf_bytes(pages=1)
    upload = SimpleUploadedFile("suunnitelma.pdf.exe", data, content_type="application/x-msdos")
    attachment = _submit_with(
        learner, cohort, assignment, experiment, upload, django_capture_on_commit_callbacks
    )
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    assert attachment.content_type == "application/pdf"
    assert PurePath(attachment.file.name).suffix == ".pdf"
    assert attachment.file.storage.exists(attachment.file.name)
    # Nothing else is left behind under another name.
    folder = Path(attachment.file.path).parent
    assert [p.name for p in folder.iterdir()] == [PurePath(attachment.file.name).name]
    url = reverse("workshops:file_download", args=[attachment.pk])
    response = client_for(instructor).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert 'filename="suunnitelma.pdf"' in response["Content-Disposition"]
    assert ".exe" not in response["Content-Disposition"]
    assert client_for(other_learner).get(url).status_code == 404


def test_an_html_page_with_a_pdf_after_it_is_refused_and_never_served_as_html(
    learner, cohort, assignment, experiment, client_for, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("report.html", HTML_HEAD + pdf_bytes(pages=1))
    with translation.override("en"):
        attachment = _submit_with(
            learner, cohort, assignment, experiment, upload, django_capture_on_commit_callbacks
        )
    assert attachment.status == SubmissionFile.Status.REJECTED
    assert PurePath(attachment.file.name).suffix == ""  # not kept as .html
    response = client_for(learner).get(reverse("workshops:file_download", args=[attachment.pk]))
    if response.status_code == 200:
        b"".join(response.streaming_content)
        assert response["Content-Type"] == "application/octet-stream"
        assert ".html" not in response["Content-Disposition"]


def test_a_pdf_renamed_html_is_accepted_as_a_pdf(
    learner, cohort, assignment, experiment, client_for, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("report.html", pdf_bytes(pages=1))
    attachment = _submit_with(
        learner, cohort, assignment, experiment, upload, django_capture_on_commit_callbacks
    )
    assert attachment.status == SubmissionFile.Status.ACCEPTED
    assert attachment.file.name.endswith(".pdf")
    response = client_for(learner).get(reverse("workshops:file_download", args=[attachment.pk]))
    b"".join(response.streaming_content)
    assert 'filename="report.pdf"' in response["Content-Disposition"]


def test_a_session_material_is_stored_and_downloaded_under_its_detected_type(
    assignment, cohort, instructor, learner, outsider_learner, client_for
):
    session = WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=cohort,
        title="Työpaja",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        ends_at=timezone.now() + datetime.timedelta(days=2, hours=2),
    )
    data = pdf_bytes(pages=1)
    [material] = sessions.session_materials_add(
        session=session, by=instructor, uploads=[SimpleUploadedFile("diat.pdf.exe", data)]
    )
    assert material.original_name == "diat.pdf"
    assert material.file.name.endswith(".pdf")
    url = reverse("workshops:session_material", args=[material.pk])
    response = client_for(learner).get(url)
    assert b"".join(response.streaming_content) == data
    assert 'filename="diat.pdf"' in response["Content-Disposition"]
    assert client_for(outsider_learner).get(url).status_code == 404
    with pytest.raises(sessions.SessionError):
        sessions.session_materials_add(
            session=session,
            by=instructor,
            uploads=[SimpleUploadedFile("diat.pdf", HTML_HEAD + data)],
        )
    assert SessionMaterial.objects.count() == 1


def test_a_run_log_photo_is_stored_under_its_detected_type_and_markup_is_refused(
    experiment, learner
):
    entry = services.runlog_add(
        experiment=experiment,
        author=learner,
        happened_on=timezone.localdate(),
        kind="photo",
        text="Pysäkki",
        photo=SimpleUploadedFile("kuva.html", PNG),
    )
    assert entry.photo.name.endswith(".png")
    assert entry.kind == "photo"
    with pytest.raises(services.ExperimentError):
        services.runlog_add(
            experiment=experiment,
            author=learner,
            happened_on=timezone.localdate(),
            kind="photo",
            text="Pysäkki",
            photo=SimpleUploadedFile("kuva.png", b"<svg onload=alert(1)>" + PNG),
        )
    assert RunLogEntry.objects.count() == 1
