"""Feedback files (#16 item 5): an instructor attaches files to a review, in the direct review
and in the marking workflow (files on the draft go with the release). Checked by content
through the learners' file outbox; downloadable by the team, the cohort's instructors and the
reviewer only; listed in the review email."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tests.pdfs import pdf_bytes
from tests.refusals import assert_refused
from tests.responses import body
from workshops import marking, outbox, services
from workshops.models import Marking, ReviewFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(assignment):
    workshop = assignment.workshop
    workshop.marking_workflow = True
    workshop.save()
    return workshop


def _attach(client, submission, name="kommentit.pdf", data=None):
    return client.post(
        reverse("workshops:review_file_add", args=[submission.pk]),
        {"attachments": SimpleUploadedFile(name, data if data is not None else pdf_bytes())},
    )


def _review(client, submission, **extra):
    return client.post(
        reverse("workshops:review", args=[submission.pk]),
        {"decision": "revise", "feedback": "Tarkenna kohderyhmä.", **extra},
    )


def test_a_direct_review_carries_the_checked_file_to_the_team_and_the_email(
    client_for,
    instructor,
    learner,
    teammate,
    submission,
    django_capture_on_commit_callbacks,
    settings,
):
    client = client_for(instructor)
    data = pdf_bytes(pages=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = _attach(client, submission, data=data)
    assert response.status_code == 302
    attachment = ReviewFile.objects.get(submission=submission)
    assert attachment.status == ReviewFile.Status.ACCEPTED
    assert attachment.page_count == 2
    assert attachment.review is None
    # Before the decision the learners see nothing, and cannot download it.
    url = reverse("workshops:review_file_download", args=[attachment.pk])
    assert client_for(learner).get(url).status_code == 404
    page = client_for(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert url not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert _review(client_for(instructor), submission).status_code == 302
    attachment.refresh_from_db()
    assert attachment.review is not None
    for person in (learner, teammate):
        page = client_for(person).get(reverse("workshops:submission_detail", args=[submission.pk]))
        assert url in page.content.decode()
        response = client_for(person).get(url)
        assert response.status_code == 200
        assert body(response) == data
        assert response["Content-Disposition"].startswith("attachment;")
        assert "kommentit.pdf" in response["Content-Disposition"]
    # The email lists the file with an address that works after signing in.
    note = Notification.objects.get(recipient=learner, key__startswith="submission-reviewed-")
    assert settings.SITE_URL + url in note.body
    assert "kommentit.pdf" in note.body
    assert settings.SITE_URL + url in note.html_body
    client = client_for(learner)
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_a_feedback_file_is_refused_to_everyone_outside_the_team_and_the_cohorts_staff(
    client_for,
    client,
    instructor,
    learner,
    other_learner,
    outsider_learner,
    other_instructor,
    coordinator,
    submission,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _attach(client_for(instructor), submission)
        _review(client_for(instructor), submission)
    attachment = ReviewFile.objects.get()
    url = reverse("workshops:review_file_download", args=[attachment.pk])
    response = client_for(instructor).get(url)
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF")
    for person in (other_learner, outsider_learner, other_instructor, coordinator):
        assert client_for(person).get(url).status_code == 404, person
    client.logout()
    assert client.get(url).status_code == 302
    # The coordinator reads the feedback on the version's page, and its file by name only,
    # never as a link that answers 404.
    page = (
        client_for(coordinator)
        .get(reverse("workshops:submission_detail", args=[submission.pk]))
        .content.decode()
    )
    assert 'data-testid="review-file-closed"' in page
    assert url not in page
    page = (
        client_for(instructor)
        .get(reverse("workshops:submission_detail", args=[submission.pk]))
        .content.decode()
    )
    assert f'href="{url}"' in page


def test_only_the_cohorts_instructors_attach_or_remove_files(
    client_for, learner, other_instructor, instructor, submission
):
    for person in (learner,):
        assert _attach(client_for(person), submission).status_code == 403
    assert _attach(client_for(other_instructor), submission).status_code == 404
    assert not ReviewFile.objects.exists()
    _attach(client_for(instructor), submission)
    attachment = ReviewFile.objects.get()
    delete = reverse("workshops:review_file_delete", args=[attachment.pk])
    assert client_for(other_instructor).post(delete).status_code == 404
    assert client_for(learner).post(delete).status_code == 403
    assert client_for(instructor).post(delete).status_code == 302
    assert not ReviewFile.objects.exists()


def test_a_file_that_is_not_what_its_name_says_is_rejected_and_never_reaches_the_learner(
    client_for, instructor, learner, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _attach(client_for(instructor), submission, name="kommentit.pdf", data=b"MZ\x90\x00exe")
    with django_capture_on_commit_callbacks(execute=True):
        _review(client_for(instructor), submission)
    attachment = ReviewFile.objects.get()
    assert attachment.status == ReviewFile.Status.REJECTED
    assert attachment.shown_reason
    url = reverse("workshops:review_file_download", args=[attachment.pk])
    for person in (instructor, learner):
        assert client_for(person).get(url).status_code == 404
    note = Notification.objects.get(recipient=learner, key__startswith="submission-reviewed-")
    assert url not in note.body


def test_an_empty_upload_is_refused_with_its_reason_and_nothing_is_saved(
    client_for, instructor, submission
):
    response = _attach(client_for(instructor), submission, data=b"")
    assert_refused(response, 400, "The file is empty (0 bytes). Check the file and add it again.")
    assert not ReviewFile.objects.exists()


def test_no_file_is_attached_to_a_version_already_decided(
    client_for, instructor, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _review(client_for(instructor), submission)
    response = _attach(client_for(instructor), submission)
    assert_refused(
        response,
        409,
        "Files can be attached to the review only while the version waits for review.",
    )
    assert not ReviewFile.objects.exists()


def test_in_the_workflow_the_files_go_with_the_release_and_not_before(
    client_for,
    instructor,
    learner,
    submission,
    workflow,
    django_capture_on_commit_callbacks,
):
    client = client_for(instructor)
    with django_capture_on_commit_callbacks(execute=True):
        _attach(client, submission)
    attachment = ReviewFile.objects.get()
    assert Marking.objects.get(submission=submission).state == Marking.State.IN_REVIEW
    url = reverse("workshops:review_file_download", args=[attachment.pk])
    assert _review(client, submission).status_code == 302  # ready for release
    # Frozen while ready: no new file, no removal.
    assert _attach(client, submission).status_code == 409
    delete = reverse("workshops:review_file_delete", args=[attachment.pk])
    assert client.post(delete).status_code == 409
    assert client_for(learner).get(url).status_code == 404
    page = client_for(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert url not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        released = client_for(instructor).post(
            reverse("workshops:marking_release", args=[submission.pk])
        )
    assert released.status_code == 302
    attachment.refresh_from_db()
    assert attachment.review is not None
    response = client_for(learner).get(url)
    assert response.status_code == 200
    body(response)
    note = Notification.objects.get(recipient=learner, key__startswith="submission-reviewed-")
    assert url in note.body


def test_with_blind_review_the_download_does_not_reveal_the_reviewer(
    client_for,
    instructor,
    learner,
    submission,
    workflow,
    django_capture_on_commit_callbacks,
):
    workflow.blind_review = True
    workflow.save()
    with django_capture_on_commit_callbacks(execute=True):
        _attach(client_for(instructor), submission, name="Ohjaaja Olavin kommentit.pdf")
    marking.marking_mark_ready(
        submission=submission, by=instructor, decision="approve", feedback="Hyvä."
    )
    with django_capture_on_commit_callbacks(execute=True):
        marking.marking_release(submission=submission, by=instructor)
    attachment = ReviewFile.objects.get()
    url = reverse("workshops:review_file_download", args=[attachment.pk])
    response = client_for(learner).get(url)
    assert response.status_code == 200
    assert "Olavin" not in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.pdf"')
    page = client_for(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert "Olavin" not in page.content.decode()
    assert url in page.content.decode()
    note = Notification.objects.get(recipient=learner, key__startswith="submission-reviewed-")
    assert "Olavin" not in note.body
    assert url in note.body
    body(response)
    # The reviewer still sees the name they gave it.
    staff = client_for(instructor).get(url)
    assert "Olavin" in staff["Content-Disposition"]
    body(staff)


def test_a_lost_check_is_published_again_by_the_files_sweeper(
    client_for, instructor, submission, django_capture_on_commit_callbacks
):
    # The task published after commit is lost (callbacks not run): the row waits, pending.
    with django_capture_on_commit_callbacks(execute=False):
        _attach(client_for(instructor), submission)
    attachment = ReviewFile.objects.get()
    assert attachment.status == ReviewFile.Status.PENDING
    later = timezone.now() + datetime.timedelta(days=1)
    result = outbox.submission_files_sweep(now=later)
    assert result["files"] >= 1
    attachment.refresh_from_db()
    # Without a broker the published task runs in-process: the file is checked.
    assert attachment.status == ReviewFile.Status.ACCEPTED
    # Running the check again changes nothing.
    assert services.review_file_process(file_id=attachment.pk).status == "accepted"


def test_the_review_page_lists_the_draft_files_within_its_query_budget(
    client_for, instructor, submission, django_assert_num_queries
):
    # The session, and the instructor with the navigation's roles and unread badge (2); the
    # version with everything the review page prints (1); the draft feedback files (1), one
    # or seven. (60 allowed before.)
    budget = 4
    client = client_for(instructor)
    url = reverse("workshops:review", args=[submission.pk])
    _attach(client, submission)
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
    for i in range(6):
        _attach(client, submission, name=f"liite{i}.pdf")
    with django_assert_num_queries(budget):
        response = client.get(url)
    assert response.content.decode().count('data-testid="feedback-file"') == 7
