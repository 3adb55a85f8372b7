"""A two-town team's week: whose files are whose.

- A file a team mate adds to a sent version ("Add a replacement or missing file") is named
  with who added it on the version page and the review page (the version showed only its
  sender); a kept file keeps its adder in the next version; never under blind review.
- The feedback's "Feedback files" heading shows only with a file listed under it (a refused
  feedback file left the learners an empty heading).
"""

import pytest
from django.urls import reverse

from tests import factories
from tests.pdfs import pdf_upload
from tests.workshops.helpers import signed_in
from workshops import services
from workshops.models import ReviewFile, SubmissionFile

pytestmark = pytest.mark.django_db


def added_by_notes(html: str) -> list[str]:
    return [
        part.split(">", 1)[1].split("</small>")[0]
        for part in html.split('data-testid="file-added-by"')[1:]
    ]


def test_a_file_a_team_mate_adds_to_a_sent_version_is_named_with_who_added_it(
    learner, teammate, instructor, outsider_learner, assignment, cohort, experiment
):
    version = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio.",
        experiment=experiment,
        uploads=[pdf_upload("oonan-suunnitelma.pdf")],
    )
    detail = reverse("workshops:submission_detail", args=[version.pk])
    # Nobody outside the team adds a file to the version.
    refused = signed_in(outsider_learner).post(detail, {"attachments": pdf_upload("ulla.pdf")})
    assert refused.status_code == 404
    # Tiina adds the missing budget from her own page.
    tiina = signed_in(teammate)
    assert tiina.post(detail, {"attachments": pdf_upload("budjetti.pdf")}).status_code == 302
    files = {f.original_name: f for f in SubmissionFile.objects.filter(submission=version)}
    assert set(files) == {"oonan-suunnitelma.pdf", "budjetti.pdf"}
    assert files["budjetti.pdf"].added_by == teammate
    assert files["oonan-suunnitelma.pdf"].added_by == learner

    # Both files pass their check (the task, run here by hand).
    for f in files.values():
        services.submission_file_process(file_id=f.pk)
    version.refresh_from_db()
    assert version.status == "received"
    # Oona's page, and the instructor's review page, name Tiina beside her file only.
    oonas = signed_in(learner).get(detail).content.decode()
    assert [teammate.display_name in n for n in added_by_notes(oonas)] == [True]
    review_page = signed_in(instructor).get(reverse("workshops:review", args=[version.pk]))
    assert [teammate.display_name in n for n in added_by_notes(review_page.content.decode())] == [
        True
    ]

    # The next version keeps the file, and who added it.
    services.submission_review(
        submission=version, reviewer=instructor, decision="revise", feedback="Tarkenna budjetti."
    )
    second = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio 2.",
        experiment=experiment,
    )
    kept = second.files.get(original_name="budjetti.pdf")
    assert kept.carried_from_id == files["budjetti.pdf"].pk
    assert kept.added_by == teammate
    html = (
        signed_in(learner)
        .get(reverse("workshops:submission_detail", args=[second.pk]))
        .content.decode()
    )
    notes = added_by_notes(html)
    assert len(notes) == 1
    assert teammate.display_name in notes[0]


def test_a_file_from_before_the_adder_was_recorded_names_nobody(learner, submission):
    factories.SubmissionFileFactory(submission=submission, original_name="vanha.pdf")
    html = (
        signed_in(learner)
        .get(reverse("workshops:submission_detail", args=[submission.pk]))
        .content.decode()
    )
    assert "vanha.pdf" in html
    assert 'data-testid="file-added-by"' not in html


def test_under_blind_review_the_reviewer_is_not_told_who_added_a_file(
    learner, teammate, instructor, blind_cohort, assignment, experiment
):
    version = factories.SubmissionFactory(
        learner=learner, cohort=blind_cohort, assignment=assignment, experiment=experiment
    )
    factories.SubmissionFileFactory(submission=version, added_by=teammate)
    review_page = signed_in(instructor).get(reverse("workshops:review", args=[version.pk]))
    html = review_page.content.decode()
    assert 'data-testid="file-added-by"' not in html
    assert teammate.display_name not in html
    # The team itself sees it.
    team_page = signed_in(learner).get(reverse("workshops:submission_detail", args=[version.pk]))
    assert teammate.display_name in "".join(added_by_notes(team_page.content.decode()))


def test_the_review_page_names_the_adders_in_the_same_queries_however_many_files(
    learner, instructor, cohort, assignment, experiment, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    version = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, experiment=experiment
    )
    client = signed_in(instructor)
    url = reverse("workshops:review", args=[version.pk])

    def add_files(n):
        for i in range(n):
            mate = factories.UserFactory(first_name=f"Tiimi{i}")
            factories.SubmissionFileFactory(
                submission=version, original_name=f"liite{i}.pdf", added_by=mate
            )

    add_files(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_files(5)
    with django_assert_max_num_queries(len(few)):
        html = client.get(url).content.decode()
    assert len(added_by_notes(html)) == 6


def test_a_refused_feedback_file_leaves_no_empty_feedback_files_heading(
    learner, instructor, submission
):
    review = factories.ReviewFactory(
        submission=submission, reviewer=instructor, decision="revise", feedback="Tarkenna."
    )
    submission.status = "revision"
    submission.save(update_fields=["status"])
    ReviewFile.objects.create(
        submission=submission,
        review=review,
        uploaded_by=instructor,
        original_name="kommentit.exe",
        status=ReviewFile.Status.REJECTED,
    )
    oona = signed_in(learner)
    url = reverse("workshops:submission_detail", args=[submission.pk])
    card = oona.get(url).content.decode().split('data-testid="feedback-card"')[1]
    assert "Palautetiedostot" not in card
    assert 'data-testid="review-files"' not in card
    # The revision's form page shows the same feedback above the answer: no heading there either.
    form_page = oona.get(reverse("workshops:assignment", args=[submission.assignment_id]))
    feedback = form_page.content.decode().split('data-testid="revision-feedback"')[1]
    assert "Palautetiedostot" not in feedback.split("</section>")[0]

    # A file that passed its check brings the heading, with that file alone under it.
    ReviewFile.objects.create(
        submission=submission,
        review=review,
        uploaded_by=instructor,
        original_name="kommentit.pdf",
        status=ReviewFile.Status.ACCEPTED,
        content_type="application/pdf",
    )
    card = oona.get(url).content.decode().split('data-testid="feedback-card"')[1]
    assert "Palautetiedostot" in card
    listed = card.split('data-testid="review-files"')[1].split("</ul>")[0]
    assert "kommentit.pdf" in listed
    assert "kommentit.exe" not in listed
