"""Instructors approve or ask for a revision; the learner hears about it once, in their language."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from tests.refusals import assert_refused
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db

PREFIX = "[Alueagentti] "
TITLE = "Kuvaa kehittämishaasteesi"


@pytest.fixture
def submission(learner, cohort, assignment, experiment):
    return factories.SubmissionFactory(
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        experiment=experiment,
        text="Ensimmäinen versio",
    )


def review(client, submission, decision, feedback=""):
    return client.post(
        reverse("workshops:review", args=[submission.pk]),
        {"decision": decision, "feedback": feedback},
    )


def test_approving_marks_the_submission_approved_and_tells_the_learner(
    client_for, instructor, learner, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = review(client_for(instructor), submission, "approve", "Selkeä haaste.")

    assert response.status_code == 302
    assert response["Location"] == reverse("workshops:review_queue")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
    saved = Review.objects.get(submission=submission)
    assert (saved.reviewer, saved.decision, saved.feedback) == (
        instructor,
        Review.Decision.APPROVE,
        "Selkeä haaste.",
    )
    notification = Notification.objects.get(recipient=learner)
    assert notification.url == reverse("workshops:submission_detail", args=[submission.pk])
    assert notification.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.email]
    assert "Selkeä haaste." in mail.outbox[0].body


def test_the_approval_email_is_in_finnish_by_default(
    client_for, instructor, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review(client_for(instructor), submission, "approve")
    assert mail.outbox[0].subject == f"{PREFIX}Vastauksesi hyväksyttiin: {TITLE}"


def test_asking_for_a_revision_saves_the_feedback_and_tells_the_learner(
    client_for, instructor, learner, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = review(client_for(instructor), submission, "revise", "Rajaa kohderyhmä.")

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REVISION_REQUESTED
    assert submission.review.decision == Review.Decision.REVISE
    assert Notification.objects.filter(recipient=learner).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"{PREFIX}Vastaustasi pyydetään täydentämään: {TITLE}"
    assert "Rajaa kohderyhmä." in mail.outbox[0].body
    # The learner reads the feedback on their submission page.
    page = client_for(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    assert 'data-testid="feedback">Rajaa kohderyhmä.<' in page.content.decode()
    assert 'data-status="revision"' in page.content.decode()


@pytest.mark.parametrize("feedback", ["", "   \n "])
def test_a_revision_without_feedback_is_refused_and_nothing_is_saved(
    client_for, instructor, learner, submission, django_capture_on_commit_callbacks, feedback
):
    with django_capture_on_commit_callbacks(execute=True):
        response = review(client_for(instructor), submission, "revise", feedback)

    assert response.status_code == 400
    assert "feedback" in response.context["form"].errors
    assert 'data-testid="review-form"' in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert not Review.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_review_without_a_decision_is_refused(client_for, instructor, submission):
    response = review(client_for(instructor), submission, "", "Hyvä.")
    assert response.status_code == 400
    assert "decision" in response.context["form"].errors
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED


def test_the_learner_gets_the_email_in_their_own_language(
    client_for, instructor, learner, submission, django_capture_on_commit_callbacks
):
    learner.language = "sv"
    learner.save(update_fields=["language"])

    # The instructor's own interface stays Finnish; the learner's choice decides the email.
    with django_capture_on_commit_callbacks(execute=True):
        review(client_for(instructor), submission, "approve")

    with translation.override("sv"):
        expected_subject = gettext("Your answer was approved: %(title)s") % {"title": TITLE}
        expected_link_text = gettext("Open it in Alueagentti:")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.subject == f"{PREFIX}{expected_subject}"
    assert email.subject != f"{PREFIX}Vastauksesi hyväksyttiin: {TITLE}"
    assert expected_link_text in email.body
    assert Notification.objects.get(recipient=learner).subject == expected_subject


def test_after_a_revision_request_the_learner_sends_version_2_and_version_1_is_kept(
    client_for, instructor, learner, submission, assignment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review(client_for(instructor), submission, "revise", "Lisää mittarit.")

    learner_client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.post(
            reverse("workshops:assignment", args=[assignment.pk]),
            {"text": "Toinen versio, jossa on mittarit."},
        )
    assert response.status_code == 302

    first, second = Submission.objects.filter(learner=learner).order_by("version")
    assert (first.version, first.status, first.text) == (
        1,
        Submission.Status.REVISION_REQUESTED,
        "Ensimmäinen versio",
    )
    assert first.review.feedback == "Lisää mittarit."
    assert (second.version, second.status) == (2, Submission.Status.RECEIVED)
    assert response["Location"] == reverse("workshops:submission_detail", args=[second.pk])

    # Version 2 waits for the instructor; version 1 stays readable from it.
    queue = client_for(instructor).get(reverse("workshops:review_queue"))
    assert [s.pk for s in queue.context["waiting"]] == [second.pk]
    page = client_for(instructor).get(reverse("workshops:review", args=[second.pk]))
    assert reverse("workshops:submission_detail", args=[first.pk]) in page.content.decode()


def test_an_approved_answer_cannot_be_sent_again(
    client_for, instructor, learner, submission, assignment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review(client_for(instructor), submission, "approve")
        response = client_for(learner).post(
            reverse("workshops:assignment", args=[assignment.pk]), {"text": "Uusi versio"}
        )
    html = assert_refused(response, 409, "You cannot send a new version now.")
    assert reverse("workshops:assignment", args=[assignment.pk]) in html
    assert Submission.objects.filter(learner=learner).count() == 1


def test_when_two_instructors_decide_at_once_the_second_gets_409_and_the_first_stands(
    client, instructor, cohort, learner, submission, django_capture_on_commit_callbacks
):
    second_instructor = factories.UserFactory(email="toka@example.fi")
    factories.MembershipFactory(
        cohort=cohort, user=second_instructor, role=Membership.Role.INSTRUCTOR
    )
    url = reverse("workshops:review", args=[submission.pk])
    # Both open the review form while the submission is still waiting.
    client.force_login(instructor)
    assert client.get(url).context["is_open"]
    client.force_login(second_instructor)
    assert client.get(url).context["is_open"]

    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(instructor)
        first = review(client, submission, "approve", "Hyvä.")
        client.force_login(second_instructor)
        second = review(client, submission, "revise", "Korjaa.")

    assert first.status_code == 302
    assert second.status_code == 409
    assert second.context["form"].non_field_errors()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
    saved = Review.objects.get()
    assert (saved.reviewer, saved.decision, saved.feedback) == (instructor, "approve", "Hyvä.")
    assert Notification.objects.filter(recipient=learner).count() == 1
    assert len(mail.outbox) == 1


def test_a_reviewed_submission_shows_no_form_any_more(client_for, instructor, submission):
    client = client_for(instructor)
    review(client, submission, "approve")
    response = client.get(reverse("workshops:review", args=[submission.pk]))
    assert response.status_code == 200
    assert 'data-testid="review-form"' not in response.content.decode()


def test_the_review_queue_lists_only_waiting_work_of_the_instructors_cohorts_oldest_first(
    client_for, instructor, cohort, other_cohort, assignment, outsider_learner
):
    now = timezone.now()
    learners = [factories.MembershipFactory(cohort=cohort).user for _ in range(6)]

    def make(learner, status, hours_ago, target_cohort=cohort):
        s = factories.SubmissionFactory(
            learner=learner, cohort=target_cohort, assignment=assignment, status=status
        )
        Submission.objects.filter(pk=s.pk).update(
            submitted_at=now - datetime.timedelta(hours=hours_ago)
        )
        return s

    newest = make(learners[0], Submission.Status.RECEIVED, 1)
    oldest = make(learners[1], Submission.Status.RECEIVED, 30)
    middle = make(learners[2], Submission.Status.RECEIVED, 5)
    for learner, status in zip(
        learners[3:],
        [
            Submission.Status.PROCESSING,
            Submission.Status.REJECTED,
            Submission.Status.APPROVED,
        ],
        strict=True,
    ):
        make(learner, status, 50)
    make(outsider_learner, Submission.Status.RECEIVED, 100, target_cohort=other_cohort)

    response = client_for(instructor).get(reverse("workshops:review_queue"))

    expected = [oldest.pk, middle.pk, newest.pk]
    assert [s.pk for s in response.context["waiting"]] == expected
    html = response.content.decode()
    table = html[html.index('data-testid="review-queue"') :]
    table = table[: table.index("</table>")]
    review_links = re.findall(r'href="([^"]+/review/)"', table)
    assert review_links == [reverse("workshops:review", args=[pk]) for pk in expected]


def test_the_review_page_is_in_finnish(client_for, instructor, submission):
    html = client_for(instructor).get(reverse("workshops:review", args=[submission.pk])).content
    text = html.decode()
    assert "Hyväksy" in text
    assert "Pyydä täydentämään" in text
    assert "Odottaa arviointia" in text


def test_a_long_review_queue_is_paged_and_the_oldest_come_first(
    client_for, instructor, cohort, assignment
):
    learners = factories.UserFactory.create_batch(51)
    now = timezone.now()
    for n, person in enumerate(learners):
        waiting = factories.SubmissionFactory(cohort=cohort, assignment=assignment, learner=person)
        # The first learner's submission has waited the longest.
        Submission.objects.filter(pk=waiting.pk).update(
            submitted_at=now - datetime.timedelta(hours=100 - n)
        )
    client = client_for(instructor)

    first = client.get(reverse("workshops:review_queue"))
    second = client.get(reverse("workshops:review_queue"), {"page": 2})

    assert [s.learner for s in first.context["waiting"]] == learners[:50]
    assert [s.learner for s in second.context["waiting"]] == learners[50:]
    assert "51 odottaa" in first.content.decode()


def test_the_queue_filters_by_cohort_phase_municipality_state_and_lateness(
    client_for, instructor, learner, other_learner, cohort, assignment, experiment
):
    phase2 = factories.AssignmentFactory(workshop=assignment.workshop, phase=2)
    mine = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, experiment=experiment
    )
    late = factories.SubmissionFactory(
        learner=other_learner, cohort=cohort, assignment=phase2, is_late=True
    )
    done = factories.SubmissionFactory(
        learner=other_learner,
        cohort=cohort,
        assignment=assignment,
        status=Submission.Status.APPROVED,
    )
    client = client_for(instructor)
    url = reverse("workshops:review_queue")

    def shown(**query):
        return [s.pk for s in client.get(url, query).context["waiting"]]

    assert shown() == [mine.pk, late.pk]
    assert shown(phase=2) == [late.pk]
    assert shown(organisation=learner.organisation_id) == [mine.pk]
    assert shown(late="1") == [late.pk]
    assert shown(status="approved") == [done.pk]
    assert shown(cohort=cohort.pk, phase="junk") == [mine.pk, late.pk]
    counts = client.get(url).context["counts"]
    assert (counts["received"], counts["approved"]) == (2, 1)


def test_the_filtered_queue_keeps_a_flat_query_budget(
    client_for, instructor, cohort, assignment, django_assert_num_queries
):
    # The session, and the instructor with the roles and the unread badge (2); filter cohorts
    # with their leads (1) and organisations (1, kept in the cache for ten minutes: read cold
    # here); counts per state, the pager's among them (1); the page with its relations, file
    # counts and marking settings (1) and its learners (1); recently reviewed with their
    # reviewers (1); the lead's instructors to allocate from (1) and workshops (1). See
    # tests/test_query_counts.py. (11 allowed before.)
    client = client_for(instructor)
    url = reverse("workshops:review_queue")

    def add(n):
        for _ in range(n):
            person = factories.UserFactory()
            factories.MembershipFactory(cohort=cohort, user=person)
            s = factories.SubmissionFactory(learner=person, cohort=cohort, assignment=assignment)
            factories.SubmissionFileFactory(submission=s)

    add(5)
    cache.clear()
    with django_assert_num_queries(10):
        assert client.get(url, {"phase": 1}).status_code == 200
    add(50)
    cache.clear()
    with django_assert_num_queries(10):
        response = client.get(url, {"phase": 1})
    assert len(response.context["waiting"]) == 50


def test_the_state_counts_follow_the_other_filters_and_the_tabs_keep_them(
    client_for, instructor, learner, other_learner, cohort, assignment, experiment
):
    phase2 = factories.AssignmentFactory(workshop=assignment.workshop, phase=2)
    factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)
    factories.SubmissionFactory(learner=other_learner, cohort=cohort, assignment=phase2)
    factories.SubmissionFactory(
        learner=other_learner,
        cohort=cohort,
        assignment=phase2,
        version=2,
        status=Submission.Status.APPROVED,
    )
    client = client_for(instructor)
    url = reverse("workshops:review_queue")
    everything = client.get(url).context["counts"]
    assert (everything["received"], everything["approved"]) == (2, 1)
    response = client.get(url, {"phase": 2, "late": "0"})
    counts = response.context["counts"]
    assert (counts["received"], counts["approved"]) == (1, 1)
    html = response.content.decode()
    assert "?status=approved&amp;phase=2&amp;late=0" in html


@pytest.mark.parametrize("n", [10, 5000])
def test_every_queue_filter_keeps_a_flat_query_count_with_10_or_5000_submissions(
    client_for, instructor, cohort, assignment, n, django_assert_num_queries
):
    from tests.workshops.test_rubric_review import _bulk_submissions
    from workshops.models import Marking

    workshop = assignment.workshop
    workshop.marking_workflow = True
    workshop.save()
    subs = _bulk_submissions(cohort, assignment, n)
    Submission.objects.filter(pk__in=[s.pk for s in subs[::2]]).update(is_late=True)
    Marking.objects.bulk_create(
        [Marking(submission=s, reviewer=instructor, state="in-review") for s in subs[::2]]
    )
    client = client_for(instructor)
    url = reverse("workshops:review_queue")
    query = {
        "cohort": cohort.pk,
        "phase": 1,
        "late": "1",
        "mine": "1",
        "marking": "in-review",
        "status": "received",
    }
    # As the queue without filters (10, the organisation filter read cold): every filter is
    # a condition of the same queries. (11 allowed before.)
    cache.clear()
    with django_assert_num_queries(10):
        response = client.get(url, query)
    assert response.status_code == 200
    assert len(response.context["waiting"]) == min((n + 1) // 2, 50)
    assert response.context["counts"]["received"] == (n + 1) // 2
