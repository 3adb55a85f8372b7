"""The review of a phase version, three leftovers of the last round.

- A decided version's feedback files (approved, sent back, or released in the marking
  workflow) are listed read-only: the review page offers no attaching or removing, and the
  server refuses an attach with the reason (409), even when the upload itself was faulty.
- In the marking workflow, the review page of a released version says who reviewed it, when
  and how (as a version decided without the workflow does); the learner's and the team mate's
  version page name the reviewer too, except under blind review.
- A file a team mate added that the file check refuses is told to that team mate as well as to
  the version's sender: each once, in their own language, nothing twice on a retry.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.timezone import localtime

from notifications.models import Notification, NotificationPreference
from tests.pdfs import pdf_bytes
from tests.refusals import assert_refused
from tests.workshops.helpers import signed_in
from workshops import marking, services
from workshops.models import ReviewFile, SubmissionFile

pytestmark = pytest.mark.django_db

CLOSED = "Files can be attached to the review only while the version waits for review."


def fi(text: str) -> str:
    """`text` as the Finnish pages show it (escaped as in the HTML)."""
    with translation.override("fi"):
        return escape(translation.gettext(text))


@pytest.fixture
def workflow(assignment):
    workshop = assignment.workshop
    workshop.marking_workflow = True
    workshop.save()
    return workshop


def _levels(rubric):
    return {c.pk: c.levels.all()[0].pk for c in rubric}


def _attach(client, submission, *, name="kommentit.pdf", data=None):
    upload = SimpleUploadedFile(name, pdf_bytes() if data is None else data)
    return client.post(
        reverse("workshops:review_file_add", args=[submission.pk]), {"attachments": upload}
    )


def _attach_nothing(client, submission):
    return client.post(reverse("workshops:review_file_add", args=[submission.pk]), {})


def _decide(how, *, submission, instructor, rubric, request):
    """Decide the version `how`: approve or revise directly, or release in the workflow."""
    if how == "released":
        request.getfixturevalue("workflow")
        marking.marking_mark_ready(
            submission=submission,
            by=instructor,
            decision="approve",
            feedback="Selkeä rajaus.",
            levels=_levels(rubric),
        )
        marking.marking_release(submission=submission, by=instructor)
    else:
        services.submission_review(
            submission=submission,
            reviewer=instructor,
            decision=how,
            feedback="Rajaa kohderyhmä tarkemmin.",
            levels=_levels(rubric),
        )


def _files_card(html: str) -> str:
    return html.split('data-testid="feedback-files"')[1].split("</section>")[0]


# --- 1. a decided version's feedback files ---------------------------------------------------


@pytest.mark.parametrize("how", ["approve", "revise", "released"])
def test_a_decided_versions_feedback_files_are_listed_read_only(
    client_for, instructor, submission, rubric, how, request, django_capture_on_commit_callbacks
):
    client = client_for(instructor)
    with django_capture_on_commit_callbacks(execute=True):
        assert _attach(client, submission).status_code == 302
    _decide(how, submission=submission, instructor=instructor, rubric=rubric, request=request)

    card = _files_card(client.get(reverse("workshops:review", args=[submission.pk])).text)
    # The file is listed with its download, and nothing offers to change the list.
    assert "kommentit.pdf" in card
    assert 'data-testid="feedback-files-form"' not in card
    attached = ReviewFile.objects.get(submission=submission)
    assert reverse("workshops:review_file_delete", args=[attached.pk]) not in card
    assert fi("The review has been decided: its files can no longer be changed.") in card


@pytest.mark.parametrize("how", ["approve", "revise", "released"])
def test_a_decided_version_without_feedback_files_does_not_invite_attaching(
    client_for, instructor, submission, rubric, how, request
):
    _decide(how, submission=submission, instructor=instructor, rubric=rubric, request=request)
    card = _files_card(
        client_for(instructor).get(reverse("workshops:review", args=[submission.pk])).text
    )
    assert 'data-testid="feedback-files-form"' not in card
    invitation = (
        "No files yet. You can attach, for example, the learners' document with your comments."
    )
    assert fi(invitation) not in card
    assert fi("No feedback files were attached to this review.") in card


@pytest.mark.parametrize("how", ["approve", "revise", "released"])
def test_attaching_to_a_decided_version_is_refused_with_the_reason(
    client_for, instructor, submission, rubric, how, request
):
    _decide(how, submission=submission, instructor=instructor, rubric=rubric, request=request)
    client = client_for(instructor)
    # A page left open before the decision: a good file, and a send the form itself refuses
    # (no file in it), are both refused because the version was decided, and say so in
    # Finnish (the page has no file field left to show the form's reason beside).
    assert_refused(_attach(client, submission), 409, CLOSED)
    assert_refused(_attach_nothing(client, submission), 409, CLOSED)
    assert not ReviewFile.objects.filter(submission=submission).exists()


def test_a_review_ready_for_release_keeps_its_files_until_sent_back(
    client_for, instructor, submission, rubric, workflow
):
    marking.marking_mark_ready(
        submission=submission,
        by=instructor,
        decision="approve",
        feedback="Selkeä rajaus.",
        levels=_levels(rubric),
    )
    client = client_for(instructor)
    card = _files_card(client.get(reverse("workshops:review", args=[submission.pk])).text)
    assert 'data-testid="feedback-files-form"' not in card
    assert (
        fi("The review is ready for release: send it back to review to attach or remove files.")
        in card
    )
    refused = "This review is ready for release; send it back to review to change it."
    assert_refused(_attach(client, submission), 409, refused)
    assert_refused(_attach_nothing(client, submission), 409, refused)
    assert not ReviewFile.objects.filter(submission=submission).exists()


def test_the_open_review_still_offers_attaching(client_for, instructor, submission):
    card = _files_card(
        client_for(instructor).get(reverse("workshops:review", args=[submission.pk])).text
    )
    assert 'data-testid="feedback-files-form"' in card
    # A send with no file, on an open review, is answered beside the field, as before.
    response = _attach_nothing(client_for(instructor), submission)
    assert response.status_code == 400
    assert 'data-testid="feedback-files-refused"' in response.text


def test_someone_outside_the_cohort_cannot_attach(client_for, other_instructor, submission):
    assert _attach(client_for(other_instructor), submission).status_code == 404


# --- 2. a released version names its reviewer ------------------------------------------------


def test_the_review_page_of_a_released_version_says_who_reviewed_it_and_when(
    client_for, instructor, submission, rubric, workflow
):
    instructor.first_name, instructor.last_name = "Irja", "Ohjaaja"
    instructor.save()
    marking.marking_mark_ready(
        submission=submission,
        by=instructor,
        decision="revise",
        feedback="Rajaa kohderyhmä.",
        levels=_levels(rubric),
    )
    review = marking.marking_release(submission=submission, by=instructor)
    html = client_for(instructor).get(reverse("workshops:review", args=[submission.pk])).text
    decided = html.split('data-testid="review-decided"')[1].split("</div>")[0]
    assert "Irja Ohjaaja" in decided
    with translation.override("fi"):
        assert date_format(localtime(review.created_at), "SHORT_DATETIME_FORMAT") in decided
    assert reverse("workshops:submission_detail", args=[submission.pk]) in decided


@pytest.mark.parametrize("blind", [False, True])
def test_the_team_sees_who_reviewed_a_released_version_unless_blind(
    client_for, instructor, learner, teammate, submission, rubric, workflow, blind, request
):
    if blind:
        request.getfixturevalue("blind_cohort")
    instructor.first_name, instructor.last_name = "Irja", "Ohjaaja"
    instructor.save()
    _decide(
        "released", submission=submission, instructor=instructor, rubric=rubric, request=request
    )
    url = reverse("workshops:submission_detail", args=[submission.pk])
    for person in (learner, teammate):
        card = client_for(person).get(url).text.split('data-testid="feedback-card"')[1]
        header = card.split("</p>")[0]
        assert ("Irja Ohjaaja" in header) is not blind
        assert (fi("Your instructor") in header) is blind
    # The cohort's instructors always see who reviewed it.
    card = client_for(instructor).get(url).text.split('data-testid="feedback-card"')[1]
    assert "Irja Ohjaaja" in card.split("</p>")[0]


# --- 3. a team mate's file refused by the check ----------------------------------------------


def _told(submission):
    return Notification.objects.filter(key__startswith=f"submission-rejected-{submission.pk}-")


def test_a_team_mate_whose_added_file_is_refused_is_told_once_in_their_language(
    learner, teammate, submission, django_capture_on_commit_callbacks, settings
):
    teammate.language = "sv"
    teammate.save()
    NotificationPreference.objects.create(user=teammate, email_modes={"reviews": "immediately"})
    detail = reverse("workshops:submission_detail", args=[submission.pk])
    # Tiina adds a "PDF" that is not one: refused by the check after upload.
    fake = SimpleUploadedFile("budjetti.pdf", b"<html><body>ei pdf</body></html>")
    with django_capture_on_commit_callbacks(execute=False):
        assert signed_in(teammate).post(detail, {"attachments": fake}).status_code == 302
    added = SubmissionFile.objects.get(submission=submission, original_name="budjetti.pdf")
    assert added.added_by == teammate
    # The check runs, and runs again (a retried task): nobody is told twice.
    for _attempt in range(2):
        services.submission_file_process(file_id=added.pk)
    added.refresh_from_db()
    assert added.status == SubmissionFile.Status.REJECTED

    told = _told(submission)
    assert sorted(told.values_list("recipient__email", flat=True)) == [
        learner.email,
        teammate.email,
    ]
    tiinas = told.get(recipient=teammate)
    assert "budjetti.pdf" in tiinas.body
    # In Swedish, Tiina's language (the sender's stays Finnish).
    with translation.override("sv"):
        assert translation.gettext("Hello %(name)s,") % {"name": "Tiina"} in tiinas.body
    with translation.override("fi"):
        oonas = told.get(recipient=learner)
        assert translation.gettext("Hello %(name)s,") % {"name": learner.first_name} in oonas.body
    assert tiinas.email_status != Notification.EmailStatus.SKIPPED
    assert tiinas.url == detail


def test_the_senders_own_refused_file_is_told_to_the_sender_only(
    learner, teammate, assignment, cohort, experiment
):
    version = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio.",
        experiment=experiment,
        uploads=[SimpleUploadedFile("suunnitelma.pdf", b"<html>ei pdf</html>")],
    )
    refused = version.files.get()
    for _attempt in range(2):
        services.submission_file_process(file_id=refused.pk)
    assert list(_told(version).values_list("recipient__email", flat=True)) == [learner.email]
