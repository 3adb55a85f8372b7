"""A week in a cohort, through the services, as the overview and its export show it: a check
taken twice (the best kept), a phase reviewed, its revision reviewed again (the latest total
shown), the team mate holding the team's result, a certificate issued."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses import services as course_services
from demo.builders.workshops import seed_rubrics
from tests.courses.factories import make_quiz
from tests.scores.conftest import issue_certificate
from workshops import services as workshop_services
from workshops.models import RubricCriterion, Submission

pytestmark = pytest.mark.django_db


def send(learner, assignment, cohort, text, experiment):
    submission = workshop_services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, text=text, experiment=experiment
    )
    # Its files (none) checked: ready for review.
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.RECEIVED)
    submission.refresh_from_db()
    return submission


def levels_at(criteria, points):
    return {c.pk: next(lv.pk for lv in c.levels.all() if lv.points == points) for c in criteria}


@pytest.fixture
def week(
    cohort, learner, other_learner, instructor, assignment, django_capture_on_commit_callbacks
):
    course = cohort.course
    quiz, choices = make_quiz(course.modules.order_by("position").first(), title="Verkostot")
    q1, q2 = list(quiz.questions.order_by("position"))
    seed_rubrics(assignment.workshop)
    criteria = list(
        RubricCriterion.objects.filter(workshop=assignment.workshop, phase=1).prefetch_related(
            "levels"
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        # Monday: Oona takes the check twice; the first try (one of two right) is her best.
        course_services.quiz_attempt_open(user=learner, item=quiz)
        course_services.quiz_attempt_submit(
            user=learner,
            item=quiz,
            answers={q1.pk: [str(choices["a"].pk)], q2.pk: [str(choices["z"].pk)]},
        )
        course_services.quiz_attempt_open(user=learner, item=quiz)
        course_services.quiz_attempt_submit(
            user=learner,
            item=quiz,
            answers={q1.pk: [str(choices["b"].pk)], q2.pk: [str(choices["z"].pk)]},
        )
        # Tuesday: her team (with Olli) sends phase 1; the instructor asks for a revision.
        experiment = workshop_services.experiment_create(
            learner=learner, workshop=assignment.workshop, cohort=cohort, title="Kimppakyyti"
        )
        workshop_services.experiment_add_member(
            experiment=experiment, by=learner, email=other_learner.email
        )
        v1 = send(learner, assignment, cohort, "Haaste: kyydit.", experiment)
        workshop_services.submission_review(
            submission=v1,
            reviewer=instructor,
            decision="revise",
            feedback="Tarkenna kohderyhmää.",
            levels=levels_at(criteria, 1),
        )
        # Thursday: Olli sends version 2, approved with higher levels.
        v2 = send(other_learner, assignment, cohort, "Haaste: kyydit kuntien välillä.", experiment)
        workshop_services.submission_review(
            submission=v2,
            reviewer=instructor,
            decision="approve",
            feedback="Hyvä.",
            levels=levels_at(criteria, 3),
        )
    # Friday: Oona's certificate.
    certificate = issue_certificate(learner, course)
    maximum = sum(max(lv.points for lv in c.levels.all()) for c in criteria)
    return {
        "quiz": quiz,
        "criteria": criteria,
        "points": 3 * len(criteria),
        "maximum": maximum,
        "certificate": certificate,
    }


def row_html(html, user):
    start = html.index(f'data-learner="{user.pk}"')
    return html[start : html.index("</tr>", start)]


def test_the_overview_shows_the_week(
    client_for, coordinator, learner, other_learner, instructor, cohort, week
):
    html = (
        client_for(coordinator).get(reverse("scores:overview", args=[cohort.pk])).content.decode()
    )
    oona, olli = row_html(html, learner), row_html(html, other_learner)
    assert '<span data-testid="check-score">50\u00a0%</span>' in oona
    total = f"{week['points']} / {week['maximum']}"
    # The latest reviewed version's total, for both members of the team.
    assert total in oona
    assert total in olli
    assert instructor.display_name in oona
    assert 'data-status="approved"' in olli
    assert reverse("certificates:verify", args=[week["certificate"].code]) in oona
    assert 'data-testid="certificate-issued"' not in olli
    # Olli never took the check.
    assert 'data-testid="check-score"' not in olli


def test_the_learner_sees_the_week_on_their_own_page(
    client_for, learner, other_learner, cohort, week
):
    html = client_for(other_learner).get(reverse("scores:mine")).content.decode()
    assert f"{week['points']} / {week['maximum']}" in html
    assert learner.display_name not in html


def test_the_export_shows_the_week_with_typed_cells(client_for, instructor, learner, cohort, week):
    client = client_for(instructor)
    response = client.get(reverse("scores:export", args=[cohort.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    oona = next(r for r in rows[1:] if r[1] == learner.email)
    cells = dict(zip(header, oona, strict=True))
    score = next(v for k, v in cells.items() if k.startswith("Verkostot") and k.endswith("(%)"))
    assert score == 50
    assert isinstance(score, int)
    points = [v for k, v in cells.items() if isinstance(v, int) and v == week["points"]]
    assert points
    assert week["maximum"] in cells.values()
    assert any(isinstance(v, datetime.datetime) for v in oona)  # the review's moment
    issued = oona[-2]
    assert isinstance(issued, datetime.datetime)  # a date cell (openpyxl reads it back so)
    assert oona[-1].endswith(reverse("certificates:verify", args=[week["certificate"].code]))

    text = client.get(reverse("scores:export", args=[cohort.pk, "csv"])).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    row = next(r for r in table[1:] if r[1] == learner.email)
    assert "50" in row
    assert str(week["points"]) in row
    assert timezone.localtime(week["certificate"].issued_at).date().isoformat() in row


def test_a_large_cohort_is_exported_by_the_export_job(
    client_for, coordinator, cohort, week, django_capture_on_commit_callbacks
):
    from learners import exports
    from learners.models import ExportJob

    client = client_for(coordinator)
    original = exports.SYNC_LEARNER_LIMIT
    import scores.views as views

    views.SYNC_LEARNER_LIMIT = 1
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("scores:export", args=[cohort.pk, "csv"]))
    finally:
        views.SYNC_LEARNER_LIMIT = original
    assert response.status_code == 302
    job = ExportJob.objects.get(cohort=cohort, what="scores")
    assert job.status == ExportJob.Status.DONE
    page = client.get(reverse("scores:overview", args=[cohort.pk])).content.decode()
    assert reverse("scores:export_job", args=[cohort.pk, job.pk]) in page
    download = client.get(reverse("scores:export_job", args=[cohort.pk, job.pk]))
    assert download.status_code == 200
    assert b"50" in download.content
    # The coordinator's own exports page does not list it (it offers its own kinds only).
    exports_page = client.get(reverse("learners:exports", args=[cohort.pk])).content.decode()
    assert f"export-job-{job.pk}" not in exports_page
