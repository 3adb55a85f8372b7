"""Peer feedback: allocation fairness and preferences, anonymity, the starvation guard,
reminders, the short form, "useful", and who may see what."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from workshops import peer, services
from workshops.cohort_settings import peer_for
from workshops.models import PeerReview, Submission, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer_phase(assignment):
    assignment.peer_review = True
    assignment.save()
    return assignment


def _answer(cohort, assignment, *, user=None, org=None, themes=(), minutes_ago=0):
    user = user or factories.UserFactory(**({"organisation": org} if org else {}))
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    experiment = services.experiment_create(
        learner=user,
        workshop=assignment.workshop,
        cohort=cohort,
        title=f"Kokeilu {user.pk}",
        challenge="Haaste",
    )
    if themes:
        experiment.themes.set(Theme.objects.filter(code__in=themes))
    sub = factories.SubmissionFactory(
        learner=user, cohort=cohort, assignment=assignment, experiment=experiment
    )
    if minutes_ago:
        Submission.objects.filter(pk=sub.pk).update(
            submitted_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
        )
    return sub


def _themes():
    for code in ("mobility", "networks"):
        Theme.objects.get_or_create(code=code)


def test_each_answer_gets_n_reviewers_and_each_learner_gives_at_most_m(cohort, peer_phase):
    subs = [_answer(cohort, peer_phase) for _ in range(6)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    for sub in subs:
        reviewers = list(
            PeerReview.objects.filter(submission=sub).values_list("reviewer_id", flat=True)
        )
        assert len(reviewers) == 2
        assert sub.learner_id not in reviewers
    for sub in subs:
        assert PeerReview.objects.filter(reviewer=sub.learner).count() == 2
    # Running again allocates nothing more.
    assert peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk) == []


def test_allocation_prefers_a_shared_theme_from_another_municipality(cohort, peer_phase):
    _themes()
    here = factories.OrganisationFactory(name="Sotkamo")
    there = factories.OrganisationFactory(name="Kajaani")
    author = _answer(cohort, peer_phase, org=here, themes=["mobility"], minutes_ago=60)
    same_place = _answer(cohort, peer_phase, org=here, themes=["mobility"])
    other_theme = _answer(cohort, peer_phase, org=there, themes=["networks"])
    best = _answer(cohort, peer_phase, org=there, themes=["mobility"])
    peer_phase.peer_reviewers = 1
    peer_phase.save()
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    assert PeerReview.objects.get(submission=author).reviewer == best.learner
    assert {same_place.pk, other_theme.pk}.isdisjoint({author.pk})


def test_a_learner_is_never_allocated_their_teams_answer(cohort, peer_phase):
    sub = _answer(cohort, peer_phase)
    teammate = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=teammate, role=Membership.Role.LEARNER)
    services.experiment_add_member(experiment=sub.experiment, by=sub.learner, email=teammate.email)
    others = [_answer(cohort, peer_phase) for _ in range(3)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    assert not PeerReview.objects.filter(
        submission=sub, reviewer__in=[sub.learner, teammate]
    ).exists()
    assert others


def test_allocation_runs_as_a_task_when_an_answer_is_received(
    cohort, learner, peer_phase, django_capture_on_commit_callbacks
):
    for _ in range(2):
        _answer(cohort, peer_phase)
    with django_capture_on_commit_callbacks(execute=True):
        sub = services.submission_submit(
            learner=learner, assignment=peer_phase, cohort=cohort, text="Vastaukseni", uploads=[]
        )
    sub.refresh_from_db()
    assert sub.status == Submission.Status.RECEIVED
    assert PeerReview.objects.filter(submission=sub).count() == 2


def test_the_starvation_guard_reallocates_reviews_left_undone(cohort, peer_phase):
    subs = [_answer(cohort, peer_phase) for _ in range(4)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    lazy = PeerReview.objects.filter(submission=subs[0]).first()
    PeerReview.objects.filter(pk=lazy.pk).update(
        assigned_at=timezone.now() - datetime.timedelta(days=4)
    )
    result = peer.peer_starvation_guard()
    lazy.refresh_from_db()
    assert lazy.status == PeerReview.Status.WITHDRAWN
    assert result["withdrawn"] == 1
    active = PeerReview.objects.filter(submission=subs[0]).exclude(
        status=PeerReview.Status.WITHDRAWN
    )
    assert active.count() == 2
    assert lazy.reviewer_id not in active.values_list("reviewer_id", flat=True)


def test_the_starvation_guard_gives_the_last_submitter_reviewers_beyond_the_quota(
    cohort, peer_phase
):
    early = [_answer(cohort, peer_phase, minutes_ago=10_000) for _ in range(3)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    late = _answer(cohort, peer_phase, minutes_ago=5000)
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    # Everyone else already gives M = 2 reviews, so the late answer waits.
    assert PeerReview.objects.filter(submission=late).count() == 0
    peer.peer_starvation_guard()
    assert PeerReview.objects.filter(submission=late).count() == 2
    assert early


def test_reviewers_are_reminded_once(cohort, peer_phase):
    [_answer(cohort, peer_phase) for _ in range(3)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    PeerReview.objects.update(assigned_at=timezone.now() - datetime.timedelta(hours=30))
    assert peer.peer_starvation_guard()["reminded"] == 6
    assert peer.peer_starvation_guard()["reminded"] == 0
    assert Notification.objects.filter(key__startswith="peer-review-reminder-").count() == 6


def test_names_never_leak_in_pages_emails_or_file_names(client_for, cohort, peer_phase):
    author = _answer(cohort, peer_phase)
    factories.SubmissionFileFactory(
        submission=author, original_name=f"{author.learner.last_name}-suunnitelma.pdf"
    )
    from workshops.models import SubmissionFile

    SubmissionFile.objects.filter(submission=author).update(
        status=SubmissionFile.Status.ACCEPTED, content_type="application/pdf"
    )
    others = [_answer(cohort, peer_phase) for _ in range(2)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    review = PeerReview.objects.filter(submission=author).first()
    reviewer = review.reviewer
    names = [
        author.learner.first_name,
        author.learner.last_name,
        author.learner.email,
        author.learner.organisation.name,
    ]
    client = client_for(reviewer)
    pages = [
        client.get(reverse("workshops:peer_review_list")),
        client.get(reverse("workshops:peer_review", args=[review.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for name in names:
            assert name not in html
    download = client.get(reverse("workshops:peer_file", args=[review.pk, 1]))
    # Reading the stream to its end lets the test client close the file without dropping the
    # test's database connection, whatever the assertions below find.
    body = b"".join(download.streaming_content)
    assert download.status_code == 200
    assert body.startswith(b"%PDF")
    disposition = download["Content-Disposition"]
    assert author.learner.last_name not in disposition
    # A neutral, translated name, as a blind reviewer sees it ("Liite 1.pdf" in Finnish).
    with translation.override("fi"):
        assert f'filename="{gettext("Attachment %(n)s") % {"n": 1}}.pdf"' in disposition

    client.post(reverse("workshops:peer_review", args=[review.pk]), {"works": "Selkeä idea"})
    page = client_for(author.learner).get(reverse("workshops:submission_detail", args=[author.pk]))
    assert "Selkeä idea" in page.content.decode()
    for name in (reviewer.first_name, reviewer.last_name, reviewer.email):
        assert name not in page.content.decode().split('data-testid="peer-feedback"')[1]
    notes = Notification.objects.filter(category=Notification.Category.PEER_REVIEW)
    assert {n.key.rsplit("-", 1)[0] for n in notes} == {"peer-review-assigned", "peer-feedback"}
    for note in notes:
        text = note.subject + note.body + note.html_body
        if note.recipient != author.learner:
            for name in names:
                assert name not in text
        if note.recipient != reviewer:
            for name in (reviewer.first_name, reviewer.last_name, reviewer.email):
                assert name not in text
    assert others


def test_a_learner_sees_only_their_own_allocated_peer_work(client_for, cohort, peer_phase):
    subs = [_answer(cohort, peer_phase) for _ in range(4)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    mine = PeerReview.objects.filter(reviewer=subs[0].learner).first()
    not_mine = PeerReview.objects.exclude(reviewer=subs[0].learner).first()
    client = client_for(subs[0].learner)
    assert client.get(reverse("workshops:peer_review", args=[mine.pk])).status_code == 200
    assert client.get(reverse("workshops:peer_review", args=[not_mine.pk])).status_code == 404
    assert client.get(reverse("workshops:peer_file", args=[not_mine.pk, 1])).status_code == 404
    # The peer still cannot open the author's submission page itself.
    assert (
        client.get(reverse("workshops:submission_detail", args=[mine.submission_id])).status_code
        == 404
    )


def test_the_form_needs_some_text_and_is_given_once(client_for, cohort, peer_phase):
    [_answer(cohort, peer_phase) for _ in range(3)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    review = PeerReview.objects.first()
    client = client_for(review.reviewer)
    url = reverse("workshops:peer_review", args=[review.pk])
    assert client.post(url, {"works": " "}).status_code == 409
    review.refresh_from_db()
    assert review.status == PeerReview.Status.ASSIGNED
    assert client.post(url, {"question": "Miten mittaatte?"}).status_code == 302
    assert client.post(url, {"question": "Toinen"}).status_code == 409
    review.refresh_from_db()
    assert review.question == "Miten mittaatte?"


def test_the_receiver_marks_feedback_useful_and_others_cannot(client_for, cohort, peer_phase):
    subs = [_answer(cohort, peer_phase) for _ in range(3)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    review = PeerReview.objects.filter(submission=subs[0]).first()
    peer.peer_review_give(
        review=review, by=review.reviewer, works="Hyvä", question="", suggestion=""
    )
    url = reverse("workshops:peer_useful", args=[review.pk])
    assert client_for(review.reviewer).post(url, {"useful": "1"}).status_code == 404
    assert client_for(subs[0].learner).post(url, {"useful": "1"}).status_code == 302
    review.refresh_from_db()
    assert review.useful


def test_only_a_lead_instructor_turns_peer_feedback_on(
    client_for, instructor, learner, cohort, assignment
):
    colleague = factories.UserFactory()
    factories.MembershipFactory(cohort=cohort, user=colleague, role=Membership.Role.INSTRUCTOR)
    url = reverse("workshops:peer_settings", args=[assignment.pk])
    assert client_for(colleague).get(url).status_code == 404
    assert client_for(learner).get(url).status_code in (403, 404)
    response = client_for(instructor).post(
        url, {"peer_review": "on", "peer_reviewers": "3", "peer_reviews_each": "0"}
    )
    assert response.status_code == 400
    response = client_for(instructor).post(
        url, {"peer_review": "on", "peer_reviewers": "3", "peer_reviews_each": "3"}
    )
    assert response.status_code == 302
    # The lead's choice is their cohort's own (#11 item 15).
    settings = peer_for(assignment=assignment, cohort_id=cohort.pk)
    assert settings.peer_review
    assert settings.peer_reviewers == 3


def test_the_peer_review_list_keeps_a_flat_query_count(
    client_for, learner, cohort, assignment, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            sub = factories.SubmissionFactory(cohort=cohort, assignment=assignment)
            PeerReview.objects.create(submission=sub, reviewer=learner)

    client = client_for(learner)
    url = reverse("workshops:peer_review_list")
    # The session, the person with the navigation's roles and unread badge (2); the reviews
    # with their versions, phases and workshops (1). (5 allowed before.)
    add(3)
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200
    add(30)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert len(response.context["reviews"]) == 33


def _revise(sub, instructor):
    services.submission_review(
        submission=sub, reviewer=instructor, decision="revise", feedback="Rajaa kohderyhmä."
    )


def test_a_revision_gets_its_peer_reviewers_when_it_is_submitted(
    cohort, instructor, peer_phase, django_capture_on_commit_callbacks
):
    first = _answer(cohort, peer_phase, minutes_ago=60)
    others = [_answer(cohort, peer_phase, minutes_ago=30) for _ in range(2)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    # Three learners, N = M = 2: everybody already gives their two reviews.
    assert all(PeerReview.objects.filter(reviewer=s.learner).count() == 2 for s in others)
    done, pending = PeerReview.objects.filter(submission=first).order_by("pk")
    peer.peer_review_give(review=done, by=done.reviewer, works="Hyvä", question="", suggestion="")
    _revise(first, instructor)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = services.submission_submit(
            learner=first.learner,
            assignment=peer_phase,
            cohort=cohort,
            text="Versio 2: kohderyhmä on rajattu.",
            experiment=first.experiment,
        )
    # The allocation is a task enqueued after commit, not done in the request.
    assert second.version == 2
    assert not PeerReview.objects.filter(submission=second).exists()
    for callback in callbacks:
        callback()

    active = PeerReview.objects.filter(submission=second).exclude(
        status=PeerReview.Status.WITHDRAWN
    )
    assert active.count() == 2
    # The same two peers follow the answer: the one who had not reviewed yet now reviews
    # version 2 instead, the one who had gets version 2 as a new review.
    assert set(active.values_list("reviewer_id", flat=True)) == {
        done.reviewer_id,
        pending.reviewer_id,
    }
    pending.refresh_from_db()
    assert pending.submission_id == second.pk
    done.refresh_from_db()
    assert (done.submission_id, done.status) == (first.pk, PeerReview.Status.DONE)
    # Nobody reviews their own answer, and nobody reviews more than M different answers.
    for sub in [first, *others]:
        assert (
            not PeerReview.objects.filter(submission__experiment=sub.experiment)
            .filter(reviewer=sub.learner)
            .exists()
        )
        owners = set(
            PeerReview.objects.filter(reviewer=sub.learner)
            .exclude(status=PeerReview.Status.WITHDRAWN)
            .values_list("submission__experiment_id", flat=True)
        )
        assert len(owners) <= peer_phase.peer_reviews_each
    # The new reviewer of version 2 is told; the moved review keeps its first notice.
    assert (
        Notification.objects.filter(
            recipient=done.reviewer, key__startswith="peer-review-assigned-"
        ).count()
        == PeerReview.objects.filter(reviewer=done.reviewer).count()
    )


def test_a_revision_with_a_file_gets_peer_reviewers_once_the_file_is_checked(
    cohort, instructor, peer_phase, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.pdfs import pdf_bytes

    first = _answer(cohort, peer_phase, minutes_ago=60)
    [_answer(cohort, peer_phase, minutes_ago=30) for _ in range(3)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    _revise(first, instructor)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.submission_submit(
            learner=first.learner,
            assignment=peer_phase,
            cohort=cohort,
            text="Versio 2",
            experiment=first.experiment,
            uploads=[SimpleUploadedFile("suunnitelma.pdf", pdf_bytes())],
        )
    second.refresh_from_db()
    assert second.status == Submission.Status.RECEIVED
    assert PeerReview.objects.filter(submission=second).count() == 2
    # Version 1 keeps no reviews still to do.
    assert not PeerReview.objects.filter(
        submission=first, status=PeerReview.Status.ASSIGNED
    ).exists()


def test_with_anonymity_turned_off_the_names_show_both_ways(client_for, cohort, peer_phase):
    peer_phase.peer_anonymous = False
    peer_phase.save()
    subs = [_answer(cohort, peer_phase) for _ in range(3)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    review = PeerReview.objects.filter(submission=subs[0]).first()
    author, reviewer = subs[0].learner, review.reviewer
    page = client_for(reviewer).get(reverse("workshops:peer_review", args=[review.pk]))
    assert author.display_name in page.content.decode()
    peer.peer_review_give(review=review, by=reviewer, works="Hyvä", question="", suggestion="")
    page = client_for(author).get(reverse("workshops:submission_detail", args=[subs[0].pk]))
    feedback = page.content.decode().split('data-testid="peer-feedback"')[1]
    assert reviewer.display_name in feedback


def test_peer_feedback_is_anonymous_by_default_and_the_lead_can_turn_it_off(
    client_for, instructor, assignment
):
    assert assignment.peer_anonymous
    response = client_for(instructor).post(
        reverse("workshops:peer_settings", args=[assignment.pk]),
        {"peer_review": "on", "peer_reviewers": "2", "peer_reviews_each": "2"},
    )
    assert response.status_code == 302
    settings = peer_for(assignment=assignment, cohort_id=instructor.memberships.get().cohort_id)
    assert (settings.peer_review, settings.peer_anonymous) == (True, False)
