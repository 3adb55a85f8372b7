"""What an instructor met on the review page (session 11), through Django's test client:

- A refused feedback file led to a page of its own ("Toimintoa ei voitu tehdä ... Palaa
  takaisin"); the review page now comes back with the reason beside the file field, the
  review's text and the files still waiting.
- The autosave's refusal names the version saved meanwhile, and the page that saved it only
  when it was the same person's, so the page's script can tell its own tab's late page-close
  save from another window's (the browser side: test_s11_browser_review.py).
- An approval with only its strengths written said "Comment: No written feedback." under them.
- The review of version 2 left out the rubric levels given to version 1.
"""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from core.models import StagedUpload
from core.staged_fields import staged_name
from demo.builders.workshops import seed_workshop_translations
from learners.models import Membership
from tests import factories
from tests.pdfs import pdf_bytes
from workshops import services
from workshops.models import ReviewDraft, ReviewFile

pytestmark = pytest.mark.django_db


def _fi(text: str) -> str:
    with translation.override("fi"):
        return escape(translation.gettext(text))


def _part(html: str, testid: str, end: str) -> str:
    """The page from the element with `testid` to the first `end` after it."""
    assert f'data-testid="{testid}"' in html, testid
    return html.split(f'data-testid="{testid}"', 1)[1].split(end, 1)[0]


def _stage(client, name: str) -> str:
    response = client.post(
        "/uploads/",
        data=pdf_bytes(1),
        content_type="application/pdf",
        headers={"X-File-Name": quote(name)},
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


@pytest.fixture
def colleague(cohort):
    """A second instructor of the cohort."""
    user = factories.UserFactory(email="kollega@example.fi", first_name="Kaisa")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.INSTRUCTOR)
    return user


# --- a refused feedback file ------------------------------------------------------------------


def test_attach_without_a_file_shows_the_review_page_with_the_reason_beside_the_field(
    client_for, instructor, submission
):
    services.review_draft_save(
        submission=submission,
        by=instructor,
        base_version=0,
        fields={"strengths": "Selkeä haaste.", "feedback": "Rajaa kohderyhmä nuoriin."},
        levels={},
        writer="sivu",
    )
    client = client_for(instructor)
    response = client.post(reverse("workshops:review_file_add", args=[submission.pk]), {})

    assert response.status_code == 400
    html = response.content.decode()
    # The review page, not a dead end: the review's text is in its form ...
    review_form = _part(html, "review-form", "</form>")
    assert "Rajaa kohderyhmä nuoriin." in review_form
    assert "Selkeä haaste." in review_form
    # ... and the reason is in the files' form, right above the field that refers to it.
    files_form = _part(html, "feedback-files-form", "</form>")
    assert 'role="alert" id="feedback-files-refused"' in files_form
    refused = _part(files_form, "feedback-files-refused", "</div>")
    assert _fi("Choose at least one file.") in refused
    assert 'aria-invalid="true"' in files_form
    assert 'aria-describedby="feedback-files-refused ' in files_form
    assert html.count(_fi("Choose at least one file.")) == 1
    assert not ReviewFile.objects.exists()


def test_an_empty_file_is_refused_beside_the_field_and_the_good_one_waits_to_be_sent_again(
    client_for, instructor, submission
):
    client = client_for(instructor)
    token = _stage(client, "kommentit.pdf")
    response = client.post(
        reverse("workshops:review_file_add", args=[submission.pk]),
        {
            "attachments": SimpleUploadedFile("tyhja.pdf", b"", "application/pdf"),
            staged_name("attachments"): token,
        },
    )

    assert response.status_code == 400
    files_form = _part(response.content.decode(), "feedback-files-form", "</form>")
    refused = _part(files_form, "feedback-files-refused", "</div>")
    assert "tyhja.pdf" in refused
    assert _fi("The file is empty (0 bytes). Check the file and add it again.") in refused
    # The file that was fine is listed with its token, to attach with the next click.
    assert "data-staged-bound" in files_form
    assert f'value="{token}"' in files_form
    assert "kommentit.pdf" in files_form
    assert not ReviewFile.objects.exists()
    assert StagedUpload.objects.filter(token=token).exists()

    attached = client.post(
        reverse("workshops:review_file_add", args=[submission.pk]),
        {staged_name("attachments"): token},
    )
    assert attached.status_code == 302
    assert [f.original_name for f in ReviewFile.objects.all()] == ["kommentit.pdf"]


def test_after_a_refused_file_the_review_page_comes_back_unbound_again(
    client_for, instructor, submission
):
    """The refused form is shown on that one page: the next review page has the plain box."""
    client = client_for(instructor)
    client.post(reverse("workshops:review_file_add", args=[submission.pk]), {})
    html = client.get(reverse("workshops:review", args=[submission.pk])).content.decode()
    assert 'data-testid="feedback-files-refused"' not in html
    assert "data-staged-bound" not in html


def test_who_may_not_review_the_version_still_cannot_attach(
    client_for, other_instructor, learner, submission
):
    url = reverse("workshops:review_file_add", args=[submission.pk])
    assert client_for(other_instructor).post(url, {}).status_code == 404
    assert client_for(learner).post(url, {}).status_code == 403


# --- the autosave's refusal names the version and, for one's own, the page ------------------


def test_a_refused_autosave_names_the_newer_version_and_only_ones_own_page(
    client_for, instructor, colleague, submission
):
    url = reverse("workshops:review_draft", args=[submission.pk])
    client = client_for(instructor)
    first = client.post(url, {"draft_version": "0", "draft_writer": "sivu1", "feedback": "A"})
    assert first.status_code == 200
    # The same person's page that was rendered before that save: told which page saved it.
    own = client.post(url, {"draft_version": "0", "draft_writer": "sivu2", "feedback": "B"})
    assert own.status_code == 409
    conflict = _part(own.content.decode(), "review-conflict", ">")
    assert 'data-conflict-version="1"' in conflict
    assert 'data-conflict-writer="sivu1"' in conflict

    saved = client_for(colleague).post(
        url, {"draft_version": "1", "draft_writer": "kollegan-sivu", "feedback": "C"}
    )
    assert saved.status_code == 200
    theirs = client_for(instructor).post(
        url, {"draft_version": "1", "draft_writer": "sivu1", "feedback": "D"}
    )
    assert theirs.status_code == 409
    conflict = _part(theirs.content.decode(), "review-conflict", ">")
    assert 'data-conflict-version="2"' in conflict
    assert "data-conflict-writer" not in conflict
    assert ReviewDraft.objects.get(submission=submission).feedback == "C"


def test_the_review_page_names_the_browsers_copy_and_its_restored_note(
    client_for, instructor, submission
):
    html = (
        client_for(instructor)
        .get(reverse("workshops:review", args=[submission.pk]))
        .content.decode()
    )
    draft_url = reverse("workshops:review_draft", args=[submission.pk])
    assert f'data-review-copy="{draft_url}" data-review-owner="{instructor.pk}"' in html
    restored = _part(html, "review-restored", ">")
    assert f'data-msg-restored="{_fi("Your latest text from this browser was restored.")}"' in (
        restored
    )


# --- the learner's feedback -------------------------------------------------------------------


def test_an_approval_with_only_strengths_does_not_say_there_is_no_written_feedback(
    client_for, instructor, learner, submission
):
    services.submission_review(
        submission=submission,
        reviewer=instructor,
        decision="approve",
        feedback="",
        strengths="Selkeä ja hyvin rajattu haaste.",
    )
    html = (
        client_for(learner)
        .get(reverse("workshops:submission_detail", args=[submission.pk]))
        .content.decode()
    )
    card = _part(html, "feedback-card", "</dl>")
    assert "Selkeä ja hyvin rajattu haaste." in card
    assert _fi("No written feedback.") not in card
    assert 'data-testid="feedback"' not in card


def test_an_approval_with_no_words_at_all_still_says_so(
    client_for, instructor, learner, submission
):
    services.submission_review(
        submission=submission, reviewer=instructor, decision="approve", feedback=""
    )
    html = (
        client_for(learner)
        .get(reverse("workshops:submission_detail", args=[submission.pk]))
        .content.decode()
    )
    card = _part(html, "feedback-card", "</dl>")
    assert _fi("No written feedback.") in _part(card, "feedback", "</dd>")


# --- the previous round's rubric on the review of the next version ---------------------------


def _two_rounds(instructor, learner, cohort, assignment, experiment, rubric):
    first = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=experiment, text="A"
    )
    given = {c.pk: list(c.levels.all())[1] for c in rubric}
    services.submission_review(
        submission=first,
        reviewer=instructor,
        decision="revise",
        feedback="Rajaa kohderyhmä.",
        levels={pk: level.pk for pk, level in given.items()},
    )
    second = services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, experiment=experiment, text="A ja B"
    )
    return second, given


@pytest.mark.parametrize("with_draft", [False, True])
def test_the_review_of_version_2_shows_the_rubric_levels_given_to_version_1(
    client_for, instructor, learner, cohort, assignment, experiment, rubric, with_draft
):
    second, given = _two_rounds(instructor, learner, cohort, assignment, experiment, rubric)
    if with_draft:
        # The form then starts from the draft, not from the previous levels.
        services.review_draft_save(
            submission=second,
            by=instructor,
            base_version=0,
            fields={"strengths": "Parempi."},
            levels={},
            writer="sivu",
        )
    html = (
        client_for(instructor).get(reverse("workshops:review", args=[second.pk])).content.decode()
    )
    shown = _part(html, "previous-feedback", "</section>")
    rows = shown.split('data-testid="previous-rubric-score"')[1:]
    assert len(rows) == len(rubric)
    for row, criterion in zip(rows, rubric, strict=True):
        level = given[criterion.pk]
        assert escape(criterion.title) in row
        assert f"{level.points} · {escape(level.label)}" in row
    assert _fi("Rubric") in shown
    assert "Rajaa kohderyhmä." in shown


def test_the_previous_rubric_levels_are_in_the_readers_language(
    client_for, instructor, learner, cohort, assignment, experiment, rubric
):
    seed_workshop_translations(assignment.workshop)
    second, given = _two_rounds(instructor, learner, cohort, assignment, experiment, rubric)
    instructor.language = "sv"
    instructor.save()
    html = (
        client_for(instructor).get(reverse("workshops:review", args=[second.pk])).content.decode()
    )
    shown = _part(html, "previous-feedback", "</section>")
    criterion = rubric[0]
    criterion.refresh_from_db()
    level = given[criterion.pk]
    level.refresh_from_db()
    assert criterion.title_sv
    assert criterion.title_sv != criterion.title_fi
    assert escape(criterion.title_sv) in shown
    assert escape(criterion.title_fi) not in shown
    assert f"{level.points} · {escape(level.label_sv)}" in shown


def test_a_first_version_has_no_previous_rubric(client_for, instructor, submission, rubric):
    html = (
        client_for(instructor)
        .get(reverse("workshops:review", args=[submission.pk]))
        .content.decode()
    )
    assert 'data-testid="previous-rubric-scores"' not in html
