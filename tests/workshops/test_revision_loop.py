"""The revision loop as a learner and an instructor live it over a week: feedback beside the
answer form, files kept from the previous version (or removed), an empty file rejected alone,
the rubric prefilled for the next round, the old revision notice put away on approval, and
the draft that never goes back to older words. Also the peer allocator, which must not ask
anyone about old work."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from learners.models import Membership
from notifications.models import Notification
from tests import factories
from tests.pdfs import pdf_upload
from workshops import peer, selectors, services
from workshops.models import Draft, PeerReview, Submission, SubmissionFile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(learner, instructor):
    # New strings are asserted by their English msgid until the central translation round:
    # the people read the pages in English.
    for person in (learner, instructor):
        person.language = "en"
        person.save(update_fields=["language"])
    with translation.override("en"):
        yield


def _submit(client, assignment, text, files=(), remove=()):
    data = {"text": text, "remove_files": [str(pk) for pk in remove]}
    if files:
        data["attachments"] = list(files)
    return client.post(reverse("workshops:assignment", args=[assignment.pk]), data)


def _levels(rubric, points):
    return {
        f"criterion_{c.pk}": str(next(lv.pk for lv in c.levels.all() if lv.points == points))
        for c in rubric
    }


def _review(client, submission, rubric, decision, points, feedback=""):
    return client.post(
        reverse("workshops:review", args=[submission.pk]),
        {
            **_levels(rubric, points),
            "decision": decision,
            "feedback": feedback,
            "draft_version": "0",
            "files_seen": services.files_fingerprint(submission_id=submission.pk),
        },
    )


def _empty(name="tyhja.pdf"):
    return SimpleUploadedFile(name, b"", content_type="application/pdf")


def test_a_week_of_the_revision_loop_keeps_replaces_and_removes_files(
    client, learner, instructor, assignment, experiment, rubric, django_capture_on_commit_callbacks
):
    # Monday: version 1 with three files; all pass the check.
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(
            client,
            assignment,
            "Kylistä on vaikea päästä asemalle.",
            [pdf_upload("kartta.pdf"), pdf_upload("kysely.pdf"), pdf_upload("budjetti.pdf")],
        )
    assert response.status_code == 302
    v1 = Submission.objects.get(experiment=experiment, version=1)
    assert v1.status == Submission.Status.RECEIVED
    assert set(v1.files.values_list("status", flat=True)) == {"accepted"}

    # Tuesday: the instructor asks for a revision with the rubric.
    client.force_login(instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = _review(client, v1, rubric, "revise", 2, feedback="Rajaa kohderyhmä nuoriin.")
    assert response.status_code == 302
    old_notice = Notification.objects.get(recipient=learner, key=f"submission-reviewed-{v1.pk}")
    assert old_notice.read_at is None

    # Wednesday: the learner opens the feedback and goes straight to the next version.
    client.force_login(learner)
    page = client.get(reverse("workshops:submission_detail", args=[v1.pk])).content.decode()
    assert "Write a new version" in page
    assert f'href="{reverse("workshops:assignment", args=[assignment.pk])}"' in page
    form_page = client.get(reverse("workshops:assignment", args=[assignment.pk])).content.decode()
    feedback = form_page.index('data-testid="revision-feedback"')
    answer_form = form_page.index('data-testid="submission-form"')
    assert feedback < answer_form  # the feedback is above the form it asks to change
    assert "Rajaa kohderyhmä nuoriin." in form_page
    assert "Kylistä on vaikea päästä asemalle." in form_page  # the previous text is carried in
    for name in ("kartta.pdf", "kysely.pdf", "budjetti.pdf"):
        assert name in form_page[answer_form:]
    assert form_page.count('name="remove_files"') == 3

    # ... keeps two files, removes one, adds one, and an empty one by mistake.
    removed = v1.files.get(original_name="kysely.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(
            client,
            assignment,
            "Kylistä on vaikea päästä asemalle. Kohderyhmä: nuoret.",
            [pdf_upload("kysely-uusi.pdf"), _empty("tyhja.pdf")],
            remove=[removed.pk],
        )
    assert response.status_code == 302
    v2 = Submission.objects.get(experiment=experiment, version=2)
    assert v2.text.endswith("Kohderyhmä: nuoret.")
    files = {f.original_name: f for f in v2.files.select_related("carried_from")}
    assert set(files) == {"kartta.pdf", "budjetti.pdf", "kysely-uusi.pdf", "tyhja.pdf"}
    for name in ("kartta.pdf", "budjetti.pdf"):
        kept = files[name]
        original = v1.files.get(original_name=name)
        assert kept.carried_from == original
        assert kept.file.name == original.file.name  # the same stored bytes, not a copy
        assert kept.status == "accepted"
    assert files["kysely-uusi.pdf"].status == "accepted"
    assert files["tyhja.pdf"].status == "rejected"
    assert "empty" in files["tyhja.pdf"].shown_reason
    assert v2.status == Submission.Status.RECEIVED

    # The learner is told which file failed, by name; the version page says what was kept.
    page = client.get(response["Location"]).content.decode()
    assert "tyhja.pdf was rejected" in page
    assert "The submitted file is empty" not in page
    assert page.count("Kept from version 1") == 2

    # Thursday: the instructor sees every file and the rubric starts from the last round.
    client.force_login(instructor)
    review_page = client.get(reverse("workshops:review", args=[v2.pk]))
    html = review_page.content.decode()
    for name in files:
        assert name in html
    for criterion in rubric:
        level = next(lv for lv in criterion.levels.all() if lv.points == 2)
        assert re.search(rf'value="{level.pk}"[^>]*checked', html), criterion.title
    with django_capture_on_commit_callbacks(execute=True):
        response = _review(client, v2, rubric, "approve", 3)
    assert response.status_code == 302

    # Friday: the old revision request is put away, the approval is new.
    old_notice.refresh_from_db()
    assert old_notice.read_at is not None
    assert (
        Notification.objects.get(recipient=learner, key=f"submission-reviewed-{v2.pk}").read_at
        is None
    )
    client.force_login(learner)
    page = client.get(reverse("workshops:submission_detail", args=[v2.pk])).content.decode()
    top = sum(max(lv.points for lv in c.levels.all()) for c in rubric)
    assert f"{3 * len(rubric)} / {top} points" in page
    assert "Write a new version" not in page  # approved: nothing more to write
    experiment_page = client.get(reverse("workshops:experiment", args=[experiment.pk]))
    row = re.search(r'data-phase="1".*?</li>', experiment_page.content.decode(), re.DOTALL).group(0)
    assert row.count("badge text-bg-success") == 1
    assert row.count(">Approved<") == 1


def test_a_zero_byte_file_is_named_and_the_text_and_other_files_are_kept(
    client_for, learner, assignment, experiment, django_capture_on_commit_callbacks
):
    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, assignment, "Vastaus.", [_empty("muistio.pdf"), pdf_upload()])
    assert response.status_code == 302
    submission = Submission.objects.get(experiment=experiment)
    assert submission.text == "Vastaus."
    assert dict(submission.files.values_list("original_name", "status")) == {
        "muistio.pdf": "rejected",
        "haaste.pdf": "accepted",
    }
    page = client.get(response["Location"]).content.decode()
    assert "muistio.pdf was rejected: The file is empty (0 bytes)." in page


def test_a_zero_byte_replacement_file_is_named_not_refused_as_a_whole(
    client_for, learner, assignment, experiment, submission
):
    response = client_for(learner).post(
        reverse("workshops:submission_detail", args=[submission.pk]),
        {"attachments": [_empty("liite.pdf")]},
        follow=True,
    )
    assert response.status_code == 200
    assert "liite.pdf was rejected" in response.content.decode()
    assert submission.files.get().status == "rejected"


def test_a_learner_cannot_keep_a_file_that_is_not_from_their_previous_version(
    client_for, learner, other_learner, cohort, assignment, experiment
):
    foreign = factories.SubmissionFileFactory(
        submission=factories.SubmissionFactory(
            learner=other_learner, cohort=cohort, assignment=assignment
        )
    )
    response = _submit(client_for(learner), assignment, "Vastaus.", remove=[foreign.pk])
    assert response.status_code == 400
    assert not Submission.objects.filter(experiment=experiment).exists()
    assert SubmissionFile.objects.count() == 1


def test_the_write_a_new_version_button_is_only_for_the_team(
    client_for, instructor, other_learner, learner, submission
):
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.REVISION_REQUESTED)
    factories.ReviewFactory(submission=submission, decision="revise", reviewer=instructor)
    url = reverse("workshops:submission_detail", args=[submission.pk])
    assert "Write a new version" in client_for(learner).get(url).content.decode()
    assert "Write a new version" not in client_for(instructor).get(url).content.decode()
    assert client_for(other_learner).get(url).status_code == 404


def test_an_approval_without_optional_feedback_names_every_definition(
    client_for, learner, instructor, submission
):
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.APPROVED)
    factories.ReviewFactory(
        submission=submission, decision="approve", feedback="", reviewer=instructor
    )
    html = client_for(learner).get(reverse("workshops:submission_detail", args=[submission.pk]))
    dl = re.search(r"<dl class=\"mb-0\">(.*?)</dl>", html.content.decode(), re.DOTALL).group(1)
    assert dl.count("<dt>") == dl.count("<dd") == 1


def test_the_revision_form_costs_the_same_queries_with_many_kept_files(
    client,
    learner,
    instructor,
    assignment,
    experiment,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):

    def previous_with(n):
        Submission.objects.filter(experiment=experiment).delete()
        sub = factories.SubmissionFactory(
            learner=learner,
            cohort=experiment.cohort,
            assignment=assignment,
            experiment=experiment,
            status=Submission.Status.REVISION_REQUESTED,
        )
        factories.ReviewFactory(submission=sub, decision="revise")
        for i in range(n):
            factories.SubmissionFileFactory(submission=sub, original_name=f"liite{i}.pdf")
        return sub

    # The same with 1 or 8 kept files (40 allowed before on each page). Every page starts
    # with the session and the person with the navigation's roles and unread badge (2).
    for n in (1, 8):
        previous_with(n)
        client.force_login(learner)
        # + the phase with its workshop and course, the cohort, the team with the phase's
        # extension (3); the versions with their reviews and reviewers (1); the files the
        # previous version keeps (1); the form's staged uploads (1); the previous review's
        # scores and files (2); the cohort's marking settings (1).
        with django_assert_num_queries(11):
            page = client.get(reverse("workshops:assignment", args=[assignment.pk]))
        assert page.content.decode().count('name="remove_files"') == n
        # The next version keeps them all; its page and the instructor's review list them.
        with django_capture_on_commit_callbacks(execute=True):
            _submit(client, assignment, "Uusi versio.")
        kept = Submission.objects.get(experiment=experiment, version=2)
        assert kept.files.filter(carried_from__isnull=False).count() == n
        # + the version with its learner, cohort, phase, workshop and organisation (1); its
        # files with the ones they were kept from (1); the versions and their files (2); the
        # experiment, the review, the cohort's marking settings (3); whether the person
        # teaches the cohort, whether they are in the team (2); the phase's comments, the peer
        # review settings, the peer reviews given (3).
        with django_assert_num_queries(14):
            client.get(reverse("workshops:submission_detail", args=[kept.pk]))
        client.force_login(instructor)
        # + the version with everything the review page reads in the query that admits the
        # reviewer (1); its files with the ones they were kept from (1); the versions (1).
        with django_assert_num_queries(5):
            review = client.get(reverse("workshops:review", args=[kept.pk]))
        assert review.content.decode().count('data-testid="kept-from"') == n


# --- the draft's revisions ---------------------------------------------------------------


def _draft(client, assignment, text, revision):
    return client.post(
        reverse("workshops:draft", args=[assignment.pk]), {"text": text, "revision": revision}
    )


def test_an_older_draft_revision_never_overwrites_a_newer_one(
    client_for, learner, assignment, experiment
):
    client = client_for(learner)
    assert _draft(client, assignment, "Sanat yksi kaksi kolme", 5).status_code == 200
    # The page-close save of the previous page load arrives late with an older revision.
    late = _draft(client, assignment, "Sanat yksi", 4)
    assert late.status_code == 409
    assert late["X-Draft-Revision"] == "5"
    draft = Draft.objects.get(experiment=experiment)
    assert (draft.text, draft.revision) == ("Sanat yksi kaksi kolme", 5)
    # The same save again (a retry) is fine; a newer one replaces the text.
    assert _draft(client, assignment, "Sanat yksi kaksi kolme", 5).status_code == 200
    newer = _draft(client, assignment, "Sanat yksi kaksi kolme neljä", 6)
    assert newer.status_code == 200
    assert newer["X-Draft-Revision"] == "6"
    assert Draft.objects.get(experiment=experiment).text.endswith("neljä")
    # The page renders the revision it shows, so its next save goes above it.
    page = client.get(reverse("workshops:assignment", args=[assignment.pk])).content.decode()
    assert 'data-draft-revision="6"' in page


def test_only_the_learner_on_the_experiment_can_save_its_draft(
    client_for, outsider_learner, instructor, assignment, experiment
):
    for person in (outsider_learner, instructor):
        assert _draft(client_for(person), assignment, "Ei minun", 1).status_code == 404
    assert not Draft.objects.exists()


# --- the word diff ----------------------------------------------------------------------


def test_the_word_diff_keeps_a_replaced_word_apart_from_its_replacement():
    parts = selectors.text_diff("Sanoin että työskentelen", "Sanoin Työskentelen")
    text = "".join(t for _op, t in parts)
    assert "että työskentelen Työskentelen" in text
    assert "työskentelenTyöskentelen" not in text


# --- the peer allocator -----------------------------------------------------------------


def _peer_answer(cohort, assignment, user, *, status=Submission.Status.RECEIVED, days_ago=0):
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    experiment = services.experiment_create(
        learner=user, workshop=assignment.workshop, cohort=cohort, title=f"K{user.pk}"
    )
    sub = factories.SubmissionFactory(
        learner=user, cohort=cohort, assignment=assignment, experiment=experiment, status=status
    )
    if days_ago:
        Submission.objects.filter(pk=sub.pk).update(
            submitted_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
    return sub


def test_sending_one_version_asks_a_peer_about_that_version_only(cohort, assignment):
    assignment.peer_review = True
    assignment.peer_reviewers = 1
    assignment.save()
    mikko = factories.UserFactory(first_name="Mikko")
    # A month ago: Anna's answer was approved before anyone was free to review it.
    _peer_answer(
        cohort, assignment, factories.UserFactory(), status=Submission.Status.APPROVED, days_ago=30
    )
    _peer_answer(cohort, assignment, mikko, status=Submission.Status.APPROVED, days_ago=20)
    assert PeerReview.objects.count() == 0
    # Today Ville sends his version; the allocation runs.
    ville = _peer_answer(cohort, assignment, factories.UserFactory())
    peer.peer_allocate(assignment_id=assignment.pk, cohort_id=cohort.pk)
    assert list(PeerReview.objects.values_list("submission_id", flat=True)) == [ville.pk]
    requests = Notification.objects.filter(key__startswith="peer-review-assigned-")
    assert requests.count() == 1
    # The starvation guard later does not dig up the approved answers either.
    peer.peer_starvation_guard(now=timezone.now() + datetime.timedelta(days=5))
    assert set(PeerReview.objects.values_list("submission_id", flat=True)) == {ville.pk}


def test_a_team_mate_gets_the_same_way_to_the_next_version_as_the_author(
    client_for, learner, other_learner, instructor, assignment, experiment, submission
):
    services.experiment_add_member(experiment=experiment, by=learner, email=other_learner.email)
    other_learner.language = "en"
    other_learner.save(update_fields=["language"])
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.REVISION_REQUESTED)
    factories.ReviewFactory(submission=submission, decision="revise", reviewer=instructor)
    page = client_for(other_learner).get(
        reverse("workshops:submission_detail", args=[submission.pk])
    )
    html = page.content.decode()
    assignment_link = f'href="{reverse("workshops:assignment", args=[assignment.pk])}"'
    assert html.count(assignment_link) == 2  # the breadcrumb and "Write a new version"
    assert 'data-testid="write-new-version"' in html


def test_a_team_mates_dashboard_shows_the_teams_answer(
    client_for, learner, other_learner, assignment, experiment, submission, outsider_learner
):
    services.experiment_add_member(experiment=experiment, by=learner, email=other_learner.email)
    for person in (learner, other_learner):
        home = client_for(person).get(reverse("core:home"))
        [block] = home.context["learning"]
        assert dict(block["assignments"])[assignment] == submission
    # Someone in another cohort sees nothing of it.
    [block] = client_for(outsider_learner).get(reverse("core:home")).context["learning"]
    assert dict(block["assignments"])[assignment] is None


@pytest.mark.parametrize("revision", ["abc", "-1", "99999999999"])
def test_a_draft_with_a_broken_revision_is_refused_and_nothing_saved(
    client_for, learner, assignment, experiment, revision
):
    response = _draft(client_for(learner), assignment, "Teksti", revision)
    assert response.status_code == 400
    assert response.content.decode() == "The page is out of date; reload it."
    assert not Draft.objects.exists()


def test_only_learners_reach_the_answer_form(client_for, instructor, coordinator, assignment):
    url = reverse("workshops:assignment", args=[assignment.pk])
    for person in (instructor, coordinator):
        assert client_for(person).get(url).status_code == 404
        assert client_for(person).post(url, {"text": "Ei minun"}).status_code == 404
    assert not Submission.objects.exists()


def test_the_diff_page_keeps_words_apart_in_its_text(client_for, learner, submission):
    Submission.objects.filter(pk=submission.pk).update(
        text="Sanoin että työskentelen kotona.", status=Submission.Status.REVISION_REQUESTED
    )
    v2 = factories.SubmissionFactory(
        learner=learner,
        cohort=submission.cohort,
        assignment=submission.assignment,
        experiment=submission.experiment,
        version=2,
        text="Sanoin Työskentelen kotona.",
    )
    html = client_for(learner).get(reverse("workshops:submission_diff", args=[v2.pk]))
    diff = re.search(r'data-testid="diff">(.*?)</div>', html.content.decode(), re.DOTALL).group(1)
    text = re.sub(r"<[^>]+>", "", diff)
    assert "että työskentelen Työskentelen kotona." in text
    assert "<del" in diff
    assert "<ins" in diff
