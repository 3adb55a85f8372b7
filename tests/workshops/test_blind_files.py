"""Blind review reaches into the files (#16): a reviewer of a blind cohort, and a peer giving
anonymous feedback, get a copy of the answer's files without the author's name in their
metadata (PDF /Info and XMP, Office docProps and comment authors, photo EXIF); the team gets
the stored bytes, and without blind review everyone does, streamed."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from tests import factories
from tests.responses import body
from workshops import blind, peer
from workshops.models import (
    PeerReview,
    ReviewFile,
    SubmissionFile,
)

pytestmark = pytest.mark.django_db

NAME = b"Liisa Learner"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def authored_pdf() -> bytes:
    """A one-page PDF that names its author everywhere a PDF can: /Info, XMP, an annotation."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    writer.add_metadata(
        {
            "/Author": "Liisa Learner",
            "/Creator": "Microsoft Word (Liisa Learner)",
            "/Producer": "Liisa Learner's laptop",
            "/Title": "Haaste",
        }
    )
    writer.xmp_metadata = (
        b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>'
        b"Liisa Learner</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF>"
        b'</x:xmpmeta><?xpacket end="w"?>'
    )
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, 50, 80, 80)]),
            NameObject("/Contents"): TextStringObject("Tarkenna tätä."),
            NameObject("/T"): TextStringObject("Liisa Learner"),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(note)])
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert NAME in data
    return data


def authored_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "docProps/core.xml",
            '<cp:coreProperties xmlns:cp="cp" xmlns:dc="dc"><dc:title>Haaste</dc:title>'
            "<dc:creator>Liisa Learner</dc:creator><cp:lastModifiedBy>Liisa Learner"
            "</cp:lastModifiedBy><cp:revision>3</cp:revision></cp:coreProperties>",
        )
        z.writestr(
            "docProps/app.xml",
            "<Properties><Company>Liisa Learner Oy</Company><Pages>1</Pages></Properties>",
        )
        z.writestr(
            "word/document.xml",
            '<w:document xmlns:w="w"><w:body><w:p><w:ins w:id="1" w:author="Liisa Learner" '
            'w:date="2026-10-01T10:00:00Z"><w:r><w:t>Kyläkyydit</w:t></w:r></w:ins></w:p>'
            "</w:body></w:document>",
        )
        z.writestr(
            "word/comments.xml",
            '<w:comments xmlns:w="w"><w:comment w:id="0" w:author="Liisa Learner" '
            'w:initials="LL"><w:p><w:r><w:t>Huom</w:t></w:r></w:p></w:comment></w:comments>',
        )
    return out.getvalue()


def authored_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Liisa Learner"  # Artist
    exif[0x0112] = 6  # Orientation: rotated
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert NAME in data
    return data


def attach(submission, data: bytes, content_type: str, name="haaste.pdf") -> SubmissionFile:
    return factories.SubmissionFileFactory(
        submission=submission,
        file=ContentFile(data, name=name),
        original_name=name,
        size=len(data),
        content_type=content_type,
    )


def download(client, attachment):
    response = client.get(reverse("workshops:file_download", args=[attachment.pk]))
    assert response.status_code == 200
    return body(response)


def test_the_blind_reviewer_gets_the_pdf_without_its_author_and_the_team_the_original(
    client_for, instructor, learner, teammate, submission, blind_cohort
):
    original = authored_pdf()
    attachment = attach(submission, original, "application/pdf")

    copy = download(client_for(instructor), attachment)
    assert NAME not in copy
    assert b"Liisa" not in copy
    reader = PdfReader(io.BytesIO(copy))
    assert reader.metadata is None or reader.metadata.author is None
    assert reader.xmp_metadata is None
    assert len(reader.pages) == 1
    # The note itself stays; only the name on it goes.
    note = reader.pages[0]["/Annots"][0].get_object()
    assert note["/Contents"] == "Tarkenna tätä."

    assert download(client_for(learner), attachment) == original
    assert download(client_for(teammate), attachment) == original


def test_office_files_lose_their_authors_and_keep_their_content(
    client_for, instructor, learner, submission, blind_cohort
):
    original = authored_docx()
    attachment = attach(submission, original, DOCX, name="haaste.docx")
    copy = download(client_for(instructor), attachment)
    assert NAME not in copy
    with zipfile.ZipFile(io.BytesIO(copy)) as z:
        assert [i.filename for i in z.infolist()] == [
            "[Content_Types].xml",
            "docProps/core.xml",
            "docProps/app.xml",
            "word/document.xml",
            "word/comments.xml",
        ]
        parts = {name: z.read(name).decode() for name in z.namelist()}
    assert "Liisa" not in "".join(parts.values())
    assert "<dc:title>Haaste</dc:title>" in parts["docProps/core.xml"]
    assert "<cp:revision>3</cp:revision>" in parts["docProps/core.xml"]
    assert "<Pages>1</Pages>" in parts["docProps/app.xml"]
    assert "<w:t>Kyläkyydit</w:t>" in parts["word/document.xml"]
    assert 'w:author=""' in parts["word/comments.xml"]
    assert download(client_for(learner), attachment) == original


def test_a_photo_loses_its_exif_artist_but_keeps_its_orientation(
    client_for, instructor, submission, blind_cohort
):
    attachment = attach(submission, authored_jpeg(), "image/jpeg", name="kuva.jpg")
    client = client_for(instructor)
    for url in ("workshops:file_download", "workshops:file_preview"):
        response = client.get(reverse(url, args=[attachment.pk]))
        assert response.status_code == 200
        copy = body(response)
        assert NAME not in copy
        image = Image.open(io.BytesIO(copy))
        assert image.size == (8, 8)
        assert dict(image.getexif()) == {0x0112: 6}


def test_without_blind_review_everyone_gets_the_stored_file_streamed(
    client_for, instructor, submission
):
    original = authored_pdf()
    attachment = attach(submission, original, "application/pdf")
    response = client_for(instructor).get(reverse("workshops:file_download", args=[attachment.pk]))
    assert response.streaming
    assert body(response) == original


def test_a_file_that_cannot_be_rewritten_is_not_served_to_the_blind_reviewer(
    client_for, instructor, learner, submission, blind_cohort
):
    # Looks like a PDF naming its author, but pypdf cannot read it: refusing beats revealing.
    broken = b"%PDF-1.4\n1 0 obj << /Author (Liisa Learner) >>\n" + b"\x00garbage" * 50
    attachment = attach(submission, broken, "application/pdf")
    response = client_for(instructor).get(reverse("workshops:file_download", args=[attachment.pk]))
    assert response.status_code == 404
    assert download(client_for(learner), attachment) == broken


def test_the_team_gets_a_blind_reviewers_feedback_file_without_the_reviewers_name(
    client_for, instructor, learner, submission, blind_cohort
):
    review = factories.ReviewFactory(submission=submission, reviewer=instructor, decision="revise")
    data = authored_pdf().replace(b"Liisa Learner", b"Olavi Ohjaaj")
    assert b"Olavi" in data
    feedback = ReviewFile.objects.create(
        submission=submission,
        review=review,
        uploaded_by=instructor,
        file=ContentFile(data, name="kommentit.pdf"),
        original_name="kommentit.pdf",
        size=len(data),
        content_type="application/pdf",
        status=ReviewFile.Status.ACCEPTED,
    )
    url = reverse("workshops:review_file_download", args=[feedback.pk])
    copy = body(client_for(learner).get(url))
    assert b"Olavi" not in copy
    assert len(PdfReader(io.BytesIO(copy)).pages) == 1
    assert body(client_for(instructor).get(url)) == data


@pytest.mark.parametrize("anonymous", [True, False])
def test_an_anonymous_peer_gets_the_file_without_its_author(
    client_for, learner, cohort, assignment, peer_answers, anonymous
):
    answers = peer_answers(anonymous=anonymous)
    original = authored_pdf()
    attach(answers[learner.pk], original, "application/pdf")
    peer.peer_allocate(assignment_id=assignment.pk, cohort_id=cohort.pk)
    review = PeerReview.objects.get(submission=answers[learner.pk])
    response = client_for(review.reviewer).get(reverse("workshops:peer_file", args=[review.pk, 1]))
    assert response.status_code == 200
    copy = body(response)
    if anonymous:
        assert NAME not in copy
        assert len(PdfReader(io.BytesIO(copy)).pages) == 1
    else:
        assert copy == original


def test_the_strippers_leave_files_without_metadata_alone():
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    assert blind.strip_png(png.getvalue()) == png.getvalue()
    plain = io.BytesIO()
    Image.new("RGB", (4, 4)).save(plain, "JPEG")
    assert Image.open(io.BytesIO(blind.strip_jpeg(plain.getvalue()))).size == (4, 4)
