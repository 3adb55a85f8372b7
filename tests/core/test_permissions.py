"""Who may reach what: every role and object that must be turned away, and the ones that may pass.

Objects a person may not reach answer 404 (so nobody can probe for their existence); pages that
are closed to a whole role answer 403; anonymous visitors are sent to the sign-in page.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.views.static import serve

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from workshops.models import Review, Submission, SubmissionFile

pytestmark = pytest.mark.django_db

PDF_CONTENT = b"%PDF-1.4 test"


@pytest.fixture
def submission(learner, cohort, assignment):
    return factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)


@pytest.fixture
def attachment(submission):
    return factories.SubmissionFileFactory(submission=submission)


def submission_url(submission):
    return reverse("workshops:submission_detail", args=[submission.pk])


def review_url(submission):
    return reverse("workshops:review", args=[submission.pk])


def download_url(attachment):
    return reverse("workshops:file_download", args=[attachment.pk])


def download(client, attachment):
    """GET the download view and close the streamed file, returning (status, body)."""
    response = client.get(download_url(attachment))
    body = b""
    if response.status_code == 200:
        # Reading the stream to its end lets the test client close the file safely; calling
        # response.close() here would close the test's database connection on PostgreSQL.
        body = b"".join(response.streaming_content)
    return response.status_code, body


def queue_pks(response):
    return [s.pk for s in response.context["waiting"]]


# --- the owner: the baseline that makes the denials below meaningful -----------------------


def test_it_lets_a_learner_open_and_download_their_own_submission(
    client_for, learner, submission, attachment
):
    client = client_for(learner)
    assert client.get(submission_url(submission)).status_code == 200
    assert download(client, attachment) == (200, PDF_CONTENT)


# --- learners --------------------------------------------------------------------------------


def test_it_hides_a_learners_submission_and_file_from_another_learner_of_the_cohort(
    client_for, other_learner, submission, attachment
):
    client = client_for(other_learner)
    assert client.get(submission_url(submission)).status_code == 404
    assert download(client, attachment)[0] == 404


def test_it_hides_a_submission_from_a_learner_of_another_cohort_of_the_same_course(
    client_for, outsider_learner, submission, attachment
):
    client = client_for(outsider_learner)
    assert client.get(submission_url(submission)).status_code == 404
    assert download(client, attachment)[0] == 404


def test_it_closes_the_review_queue_and_review_pages_to_learners(
    client_for, learner, other_learner, submission
):
    other_submission = factories.SubmissionFactory(
        learner=other_learner, cohort=submission.cohort, assignment=submission.assignment
    )
    client = client_for(learner)
    assert client.get(reverse("workshops:review_queue")).status_code == 403
    # Neither their own work nor a classmate's can be reviewed by a learner.
    assert client.get(review_url(submission)).status_code in (403, 404)
    assert client.get(review_url(other_submission)).status_code in (403, 404)
    response = client.post(review_url(other_submission), {"decision": "approve"})
    assert response.status_code in (403, 404)
    other_submission.refresh_from_db()
    assert other_submission.status == Submission.Status.RECEIVED
    assert not Review.objects.exists()


def test_it_closes_cohort_pages_to_learners(client_for, learner, cohort):
    client = client_for(learner)
    assert client.get(reverse("learners:cohort_list")).status_code == 403
    assert client.get(reverse("learners:cohort_detail", args=[cohort.pk])).status_code == 403


def test_it_hides_another_persons_notification(client_for, learner, other_learner):
    notification = Notification.objects.create(
        recipient=other_learner, category="reviews", key="k", subject="Oma", body="b", url="/"
    )
    response = client_for(learner).post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


# --- instructors -----------------------------------------------------------------------------


def test_it_hides_a_submission_from_an_instructor_who_does_not_teach_its_cohort(
    client_for, other_instructor, submission, attachment
):
    client = client_for(other_instructor)
    assert client.get(submission_url(submission)).status_code == 404
    assert client.get(review_url(submission)).status_code == 404
    assert download(client, attachment)[0] == 404


def test_it_refuses_a_decision_from_an_instructor_who_does_not_teach_the_cohort(
    client_for, other_instructor, submission
):
    response = client_for(other_instructor).post(
        review_url(submission), {"decision": "approve", "feedback": ""}
    )
    assert response.status_code == 404
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert not Review.objects.exists()
    assert not Notification.objects.exists()


def test_it_keeps_other_cohorts_submissions_out_of_an_instructors_queue(
    client_for, instructor, other_instructor, submission, outsider_learner, other_cohort
):
    theirs = factories.SubmissionFactory(
        learner=outsider_learner, cohort=other_cohort, assignment=submission.assignment
    )
    assert queue_pks(client_for(other_instructor).get(reverse("workshops:review_queue"))) == [
        theirs.pk
    ]
    response = client_for(instructor).get(reverse("workshops:review_queue"))
    assert queue_pks(response) == [submission.pk]
    assert review_url(theirs) not in response.content.decode()


def test_it_lets_the_cohorts_instructor_open_review_and_download(
    client_for, instructor, submission, attachment
):
    client = client_for(instructor)
    assert client.get(submission_url(submission)).status_code == 200
    assert client.get(review_url(submission)).status_code == 200
    assert download(client, attachment)[0] == 200


def test_it_closes_another_cohorts_page_to_an_instructor(client_for, other_instructor, cohort):
    response = client_for(other_instructor).get(reverse("learners:cohort_detail", args=[cohort.pk]))
    assert response.status_code == 404


# --- coordinators ----------------------------------------------------------------------------


def test_it_shows_a_coordinator_their_cohorts_submissions_and_files(
    client_for, coordinator, submission, attachment, cohort
):
    client = client_for(coordinator)
    assert client.get(submission_url(submission)).status_code == 200
    assert download(client, attachment)[0] == 200
    assert client.get(reverse("learners:cohort_detail", args=[cohort.pk])).status_code == 200


def test_it_does_not_let_a_coordinator_review(client_for, coordinator, submission):
    client = client_for(coordinator)
    assert client.get(reverse("workshops:review_queue")).status_code == 403
    assert client.get(review_url(submission)).status_code == 403
    response = client.post(review_url(submission), {"decision": "approve", "feedback": ""})
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert not Review.objects.exists()


def test_it_hides_another_cohorts_submissions_from_a_coordinator(
    client_for, coordinator, outsider_learner, other_cohort, assignment
):
    theirs = factories.SubmissionFactory(
        learner=outsider_learner, cohort=other_cohort, assignment=assignment
    )
    attachment = factories.SubmissionFileFactory(submission=theirs)
    client = client_for(coordinator)
    assert client.get(submission_url(theirs)).status_code == 404
    assert download(client, attachment)[0] == 404
    assert client.get(reverse("learners:cohort_detail", args=[other_cohort.pk])).status_code == 404


def test_it_does_not_let_an_instructor_of_one_cohort_review_where_they_coordinate(
    client_for, other_instructor, submission, cohort
):
    """Being an instructor somewhere does not make a coordinator of this cohort a reviewer."""
    factories.MembershipFactory(
        cohort=cohort, user=other_instructor, role=Membership.Role.COORDINATOR
    )
    client = client_for(other_instructor)
    assert client.get(submission_url(submission)).status_code == 200
    assert client.get(review_url(submission)).status_code == 404
    assert submission.pk not in queue_pks(client.get(reverse("workshops:review_queue")))


# --- superuser -------------------------------------------------------------------------------


def test_it_lets_the_superuser_see_everything(
    client_for, superuser, submission, attachment, cohort, other_cohort
):
    client = client_for(superuser)
    assert client.get(submission_url(submission)).status_code == 200
    assert client.get(review_url(submission)).status_code == 200
    assert download(client, attachment)[0] == 200
    assert client.get(reverse("learners:cohort_detail", args=[cohort.pk])).status_code == 200
    assert client.get(reverse("learners:cohort_detail", args=[other_cohort.pk])).status_code == 200
    assert queue_pks(client.get(reverse("workshops:review_queue"))) == [submission.pk]


# --- files that did not pass the check ---------------------------------------------------------


@pytest.mark.parametrize("status", [SubmissionFile.Status.REJECTED, SubmissionFile.Status.PENDING])
@pytest.mark.parametrize("persona", ["instructor", "coordinator", "superuser"])
def test_a_file_that_has_not_passed_the_check_cannot_be_downloaded_by_staff(
    request, client_for, submission, persona, status
):
    """A rejected 'PDF' may be an executable in disguise: staff must not be handed it."""
    attachment = factories.SubmissionFileFactory(submission=submission, status=status)
    client = client_for(request.getfixturevalue(persona))
    assert download(client, attachment)[0] == 404


def test_a_learner_can_still_fetch_their_own_rejected_upload(client_for, learner, submission):
    attachment = factories.SubmissionFileFactory(
        submission=submission, status=SubmissionFile.Status.REJECTED
    )
    assert download(client_for(learner), attachment) == (200, PDF_CONTENT)


# --- anonymous visitors ----------------------------------------------------------------------

PAGES = [
    ("get", "courses:detail", "course"),
    ("get", "courses:item", "item"),
    ("post", "courses:item_complete", "item"),
    ("get", "learners:cohort_list", None),
    ("get", "learners:cohort_detail", "cohort"),
    ("get", "workshops:assignment", "assignment"),
    ("post", "workshops:assignment", "assignment"),
    ("get", "workshops:submission_detail", "submission"),
    ("get", "workshops:review", "submission"),
    ("post", "workshops:review", "submission"),
    ("get", "workshops:file_download", "attachment"),
    ("get", "workshops:review_queue", None),
    ("get", "notifications:list", None),
    ("post", "notifications:open", "notification"),
    ("post", "notifications:read_all", None),
    ("get", "account_email", None),
    ("get", "account_change_password", None),
]


@pytest.mark.parametrize(("method", "name", "arg"), PAGES)
def test_it_sends_an_anonymous_visitor_to_the_sign_in_page(
    client, method, name, arg, course, cohort, assignment, submission, attachment, learner
):
    objects = {
        "course": course,
        "item": course.modules.first().items.first(),
        "cohort": cohort,
        "assignment": assignment,
        "submission": submission,
        "attachment": attachment,
        "notification": Notification.objects.create(
            recipient=learner, category="reviews", key="k", subject="s", body="b"
        ),
    }
    url = reverse(name, args=[objects[arg].pk] if arg else [])
    response = getattr(client, method)(url)
    assert response.status_code == 302
    login = reverse("account_login")
    assert response["Location"].startswith(f"{login}?next=")
    assert Submission.objects.get().status == Submission.Status.RECEIVED


def test_it_sends_an_anonymous_visitor_from_the_front_page_to_sign_in(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- files have no public address --------------------------------------------------------------


def test_a_submitted_file_has_no_url_of_its_own(attachment):
    with pytest.raises(ValueError, match="not accessible via a URL"):
        attachment.file.url  # noqa: B018 - the property access is what is tested
    assert attachment.file.storage.base_url is None


def test_a_submitted_file_is_stored_outside_the_public_media_and_static_folders(attachment):
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    # The stored name is random: the learner's file name cannot be used to guess it.
    assert attachment.original_name not in stored.name


def test_the_media_url_does_not_serve_submitted_files(client, client_for, learner, attachment):
    name = attachment.file.name
    assert client_for(learner).get(f"{settings.MEDIA_URL}{name}").status_code == 404
    # Even the development media server (DEBUG) looks only in MEDIA_ROOT, never private_media.
    with pytest.raises(Http404):
        serve(None, name, document_root=settings.MEDIA_ROOT)


def test_the_submission_page_links_files_only_through_the_checked_download_view(
    client_for, learner, submission, attachment
):
    html = client_for(learner).get(submission_url(submission)).content.decode()
    assert f'href="{download_url(attachment)}"' in html
    assert Path(attachment.file.name).name not in html


def test_a_download_is_private_and_never_shown_inline(client_for, learner, attachment):
    response = client_for(learner).get(download_url(attachment))
    b"".join(response.streaming_content)
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="liite.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
