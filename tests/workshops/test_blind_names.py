"""Blind review hides the files' names too: a reviewer of a blind cohort sees and downloads
"Liisa_Virtanen_suunnitelma.pdf" as "Attachment 1.pdf" ("Liite 1.pdf" in Finnish), numbered by
the file's place in the version; the team, and everyone without blind review, see the uploaded
name. WebP and GIF files lose their author metadata like the other types; a review's copy of
the rubric texts is the Finnish one whatever language the reviewer works in."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from tests import factories
from tests.responses import body
from workshops import blind, peer, services
from workshops.models import (
    PeerReview,
    ReviewScore,
    Submission,
    SubmissionFile,
)

pytestmark = pytest.mark.django_db

AUTHOR = "Liisa_Virtanen"
NAME = b"Liisa Virtanen"
PDF_NAME = f"{AUTHOR}_suunnitelma.pdf"
PHOTO_NAME = f"{AUTHOR}_kuva.png"


def neutral(n: int, extension: str, language: str = "fi") -> str:
    """The neutral name in `language` ("Liite 1.pdf" once the catalogue has it)."""
    with translation.override(language):
        name = gettext("Attachment %(n)s") % {"n": n} + extension
    assert re.fullmatch(r"(Liite|Bilaga|Attachment) \d+\.\w+", name)
    return name


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, "PNG")
    return out.getvalue()


def attach(submission, name: str, data: bytes, content_type: str, **fields) -> SubmissionFile:
    return factories.SubmissionFileFactory(
        submission=submission,
        file=ContentFile(data, name=name),
        original_name=name,
        size=len(data),
        content_type=content_type,
        **fields,
    )


@pytest.fixture
def files(submission):
    """A PDF and a photo named after their author, in this order."""
    return [
        attach(submission, PDF_NAME, b"%PDF-1.4 test", "application/pdf"),
        attach(submission, PHOTO_NAME, png_bytes(), "image/png"),
    ]


def pages(client, submission) -> dict[str, str]:
    urls = {
        "review": reverse("workshops:review", args=[submission.pk]),
        "detail": reverse("workshops:submission_detail", args=[submission.pk]),
        "status": reverse("workshops:submission_detail", args=[submission.pk]) + "?part=status",
    }
    out = {}
    for key, url in urls.items():
        headers = {"HTTP_HX_REQUEST": "true"} if key == "status" else {}
        response = client.get(url, **headers)
        assert response.status_code == 200, key
        out[key] = response.content.decode()
    return out


def disposition(client, attachment) -> str:
    response = client.get(reverse("workshops:file_download", args=[attachment.pk]))
    assert response.status_code == 200
    body(response)
    return response["Content-Disposition"]


def test_the_blind_reviewer_sees_and_downloads_neutral_names(
    client_for, instructor, submission, files, blind_cohort
):
    client = client_for(instructor)
    for key, html in pages(client, submission).items():
        assert AUTHOR not in html, key
        assert neutral(1, ".pdf") in html, key
        assert neutral(2, ".png") in html, key
    assert disposition(client, files[0]) == f'attachment; filename="{neutral(1, ".pdf")}"'
    assert disposition(client, files[1]) == f'attachment; filename="{neutral(2, ".png")}"'
    # The queue names no file and no learner.
    queue = client.get(reverse("workshops:review_queue")).content.decode()
    assert AUTHOR not in queue
    assert "Oona" not in queue


def test_a_swedish_speaking_blind_reviewer_gets_the_names_in_swedish(
    client_for, instructor, submission, files, blind_cohort
):
    instructor.language = "sv"
    instructor.save(update_fields=["language"])
    client = client_for(instructor)
    html = pages(client, submission)["review"]
    assert neutral(1, ".pdf", "sv") in html
    assert disposition(client, files[1]).endswith(f'filename="{neutral(2, ".png", "sv")}"')


def test_the_team_sees_the_real_names_under_blind_review(
    client_for, learner, teammate, submission, files, blind_cohort
):
    for person in (learner, teammate):
        client = client_for(person)
        html = client.get(reverse("workshops:submission_detail", args=[submission.pk]))
        assert PDF_NAME in html.content.decode()
        assert PHOTO_NAME in html.content.decode()
        assert PDF_NAME in disposition(client, files[0])


def test_without_blind_review_the_reviewer_sees_the_real_names(
    client_for, instructor, submission, files
):
    client = client_for(instructor)
    for key, html in pages(client, submission).items():
        assert PDF_NAME in html, key
        assert neutral(1, ".pdf") not in html, key
    assert disposition(client, files[0]) == f'attachment; filename="{PDF_NAME}"'


def test_rejected_files_and_their_reasons_stay_nameless_for_the_blind_reviewer(
    client_for, instructor, learner, submission, blind_cohort
):
    attach(
        submission,
        f"{AUTHOR}.exe",
        b"MZ",
        "",
        status=SubmissionFile.Status.REJECTED,
        reason="Tätä tiedostotyyppiä ei voi lähettää.",
    )
    attach(submission, PDF_NAME, b"%PDF-1.4 test", "application/pdf")
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.REJECTED,
        status_reason=f"{AUTHOR}.exe: Tätä tiedostotyyppiä ei voi lähettää.",
    )
    url = reverse("workshops:submission_detail", args=[submission.pk])
    html = client_for(instructor).get(url).content.decode()
    assert AUTHOR not in html
    assert f"{neutral(1, '.exe')}: Tätä tiedostotyyppiä ei voi lähettää." in html
    assert neutral(2, ".pdf") in html
    own = client_for(learner).get(url).content.decode()
    assert f"{AUTHOR}.exe: Tätä tiedostotyyppiä ei voi lähettää." in own


def test_the_anonymous_peer_sees_the_same_numbering(
    client_for, learner, cohort, assignment, peer_answers
):
    answers = peer_answers(anonymous=True)
    answer = answers[learner.pk]
    attach(answer, f"{AUTHOR}.exe", b"MZ", "", status=SubmissionFile.Status.REJECTED)
    attach(answer, PDF_NAME, b"%PDF-1.4 test", "application/pdf")
    peer.peer_allocate(assignment_id=assignment.pk, cohort_id=cohort.pk)
    review = PeerReview.objects.get(submission=answer)
    client = client_for(review.reviewer)
    html = client.get(reverse("workshops:peer_review", args=[review.pk])).content.decode()
    assert AUTHOR not in html
    assert neutral(2, ".pdf") in html  # the rejected file is not offered, but keeps number 1
    assert reverse("workshops:peer_file", args=[review.pk, 2]) in html
    response = client.get(reverse("workshops:peer_file", args=[review.pk, 2]))
    body(response)
    assert response["Content-Disposition"].endswith(f'filename="{neutral(2, ".pdf")}"')
    assert client.get(reverse("workshops:peer_file", args=[review.pk, 1])).status_code == 404


# --- WebP and GIF ----------------------------------------------------------------------------


def authored_webp() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Liisa Virtanen"  # Artist
    exif[0x0112] = 6  # Orientation: rotated
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(
        out, "WEBP", exif=exif.tobytes(), xmp=b"<x:xmpmeta>Liisa Virtanen</x:xmpmeta>"
    )
    data = out.getvalue()
    assert data.count(NAME) == 2
    return data


def authored_gif() -> bytes:
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        loop=0,
        comment=NAME,
        xmp=b"<x:xmpmeta>Liisa Virtanen</x:xmpmeta>",
    )
    data = out.getvalue()
    assert NAME in data
    assert Image.open(io.BytesIO(data)).n_frames == 2
    return data


def test_a_webp_loses_its_exif_author_and_keeps_its_orientation(
    client_for, instructor, learner, submission, blind_cohort
):
    original = authored_webp()
    attachment = attach(submission, PHOTO_NAME, original, "image/webp")
    client = client_for(instructor)
    for url in ("workshops:file_download", "workshops:file_preview"):
        response = client.get(reverse(url, args=[attachment.pk]))
        assert response.status_code == 200
        copy = body(response)
        assert NAME not in copy
        image = Image.open(io.BytesIO(copy))
        image.load()
        assert image.size == (8, 8)
        assert dict(image.getexif()) == {0x0112: 6}
        assert "xmp" not in image.info
    client = client_for(learner)
    assert body(client.get(reverse("workshops:file_download", args=[attachment.pk]))) == original


def test_a_gif_loses_its_comment_and_xmp_and_keeps_its_frames():
    copy = blind.strip_gif(authored_gif())
    assert NAME not in copy
    image = Image.open(io.BytesIO(copy))
    assert image.n_frames == 2
    assert image.info.get("loop") == 0
    assert "comment" not in image.info


def test_images_without_metadata_pass_unchanged_and_damaged_ones_are_refused():
    plain = io.BytesIO()
    Image.new("RGB", (4, 4)).save(plain, "WEBP")
    assert blind.strip_webp(plain.getvalue()) == plain.getvalue()
    gif = io.BytesIO()
    Image.new("P", (4, 4)).save(gif, "GIF")
    assert blind.strip_gif(gif.getvalue()) == gif.getvalue()
    for strip, data in ((blind.strip_webp, authored_webp()), (blind.strip_gif, authored_gif())):
        with pytest.raises(blind.AnonymousCopyError):
            strip(data[: len(data) // 2])
    truncated = ContentFile(authored_gif()[:40], name="x.gif")
    with pytest.raises(blind.AnonymousCopyError):
        blind.anonymous_copy(truncated, "image/gif")


# --- the review's copy of the rubric ---------------------------------------------------------


def test_the_rubric_copy_is_finnish_when_the_reviewer_works_in_swedish(
    client_for, instructor, learner, submission, rubric
):
    criterion = rubric[0]
    criterion.title_sv = "Avgränsning av utmaningen"
    criterion.save()
    for level in criterion.levels.all():
        level.label_sv = f"Nivå {level.points}"
        level.descriptor_sv = f"Beskrivning {level.points}"
        level.save()
    instructor.language = "sv"
    instructor.save(update_fields=["language"])
    levels = {f"criterion_{c.pk}": str(c.levels.all()[0].pk) for c in rubric}
    response = client_for(instructor).post(
        reverse("workshops:review", args=[submission.pk]),
        {**levels, "decision": "revise", "feedback": "Tarkenna.", "draft_version": "0"},
    )
    assert response.status_code == 302
    assert response.wsgi_request.LANGUAGE_CODE == "sv"
    first = ReviewScore.objects.filter(criterion=criterion).get()
    level = criterion.levels.all()[0]
    assert first.criterion_title == criterion.title_fi
    assert first.level_label == level.label_fi
    assert first.descriptor == level.descriptor_fi
    assert first.level_label != f"Nivå {level.points}"

    # Each reader still gets their own language from the Finnish copy.
    url = reverse("workshops:submission_detail", args=[submission.pk])

    def table(html: str) -> str:
        return html[html.index('data-testid="rubric-scores"') :].split("</table>")[0]

    finnish = table(client_for(learner).get(url).content.decode())
    assert criterion.title_fi in finnish
    assert "Avgränsning av utmaningen" not in finnish
    learner.language = "sv"
    learner.save(update_fields=["language"])
    swedish = table(client_for(learner).get(url).content.decode())
    assert "Avgränsning av utmaningen" in swedish
    assert f"Nivå {level.points}" in swedish


def test_the_rubric_copy_does_not_depend_on_the_active_language(instructor, submission, rubric):
    rubric[0].title_en = "Scope of the challenge"
    rubric[0].save()
    with translation.override("en"):
        scores = services._rubric_scores(submission, {c.pk: c.levels.all()[0].pk for c in rubric})
    assert [s.criterion_title for s in scores] == [c.title_fi for c in rubric]
