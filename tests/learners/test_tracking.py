"""At-risk rules, nudges, the cohort summary against hand-computed figures, timeline, exports."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Completion, Item
from learners import selectors, services
from learners.models import ExportJob, Nudge
from learners.rollup import rollup_rebuild
from notifications.models import Notification
from tests import factories
from tests.refusals import assert_refused
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days):
    return NOW - datetime.timedelta(days=days)


def complete(user, items, when):
    for item in items:
        c = Completion.objects.create(user=user, item=item)
        Completion.objects.filter(pk=c.pk).update(completed_at=when)


@pytest.fixture
def started(cohort):
    cohort.start_date = (NOW - datetime.timedelta(days=60)).date()
    cohort.save()
    return cohort


def test_no_activity_for_the_cohorts_number_of_days_puts_a_learner_at_risk(
    started, learner, other_learner, course
):
    items = list(Item.objects.filter(module__course=course))
    complete(learner, items[:2], ago(20))
    complete(other_learner, items[:1], ago(3))
    rows = selectors.at_risk(cohort=started, now=NOW)
    assert [r.learner for r in rows] == [learner]
    assert rows[0].reasons == ["No activity for 20 days"] or "20" in rows[0].reasons[0]
    started.inactivity_days = 30
    started.save()
    assert selectors.at_risk(cohort=started, now=NOW) == []


def test_a_learner_who_never_did_anything_counts_from_joining(started, learner):
    assert selectors.at_risk(cohort=started, now=NOW) == []
    learner.memberships.update(joined_at=ago(40))
    rows = selectors.at_risk(cohort=started, now=NOW)
    assert [r.learner for r in rows] == [learner]


def test_a_cohort_that_has_not_started_has_nobody_at_risk(cohort, learner):
    cohort.start_date = (NOW + datetime.timedelta(days=5)).date()
    cohort.end_date = cohort.start_date + datetime.timedelta(days=100)
    cohort.save()
    assert selectors.at_risk(cohort=cohort, now=NOW) == []


def test_a_revision_left_untouched_puts_a_learner_at_risk_until_a_new_version(
    started, learner, instructor, assignment, course
):
    complete(learner, list(Item.objects.filter(module__course=course))[:1], ago(1))
    submission = factories.SubmissionFactory(
        learner=learner,
        cohort=started,
        assignment=assignment,
        status=Submission.Status.REVISION_REQUESTED,
    )
    review = factories.ReviewFactory(submission=submission, reviewer=instructor, decision="revise")
    Review.objects.filter(pk=review.pk).update(created_at=ago(20))
    rows = selectors.at_risk(cohort=started, now=NOW)
    assert len(rows) == 1
    assert assignment.title in rows[0].reasons[0]
    factories.SubmissionFactory(
        learner=learner, cohort=started, assignment=assignment, version=2, status="received"
    )
    assert selectors.at_risk(cohort=started, now=NOW) == []


def test_a_nudge_sends_one_friendly_email_a_day_and_is_recorded(
    client_for, coordinator, started, learner, django_capture_on_commit_callbacks
):
    learner.memberships.update(joined_at=ago(40))
    client = client_for(coordinator)
    url = reverse("learners:nudge", args=[started.pk, learner.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, headers={"HX-Request": "true"})
        client.post(url)
    assert response.status_code == 200
    assert b'data-testid="nudged"' in response.content
    assert Nudge.objects.filter(learner=learner, cohort=started).count() == 1
    assert Notification.objects.filter(recipient=learner, category="deadlines").count() == 1
    assert len(mail.outbox) == 1
    page = client.get(reverse("learners:at_risk", args=[started.pk])).content.decode()
    assert 'data-testid="nudged"' in page
    timeline = client.get(reverse("learners:timeline", args=[started.pk, learner.pk]))
    assert b'data-kind="nudge"' in timeline.content
    assert b'data-kind="notification"' in timeline.content


def test_a_phase_a_team_mate_sent_or_an_extension_postpones_is_not_overdue(
    started, learner, other_learner, instructor, assignment
):
    from workshops import services as workshop_services
    from workshops.models import Extension

    assignment.due_days = 14  # due 46 days ago
    assignment.save()
    # Both were learners when it was due (a phase due before joining is not theirs).
    for person in (learner, other_learner):
        person.memberships.update(joined_at=ago(50))
    experiment = workshop_services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=started, title="Kyyti"
    )
    workshop_services.experiment_add_member(
        experiment=experiment, by=learner, email=other_learner.email
    )

    def overdue():
        return {
            r.learner.pk
            for r in selectors.at_risk(cohort=started, now=NOW)
            if any(assignment.title in reason for reason in r.reasons)
        }

    assert overdue() == {learner.pk, other_learner.pk}
    extension = Extension.objects.create(
        experiment=experiment,
        phase=assignment.phase,
        due_on=(NOW + datetime.timedelta(days=3)).date(),
        granted_by=instructor,
    )
    assert overdue() == set()
    extension.delete()
    factories.SubmissionFactory(
        learner=other_learner, cohort=started, assignment=assignment, experiment=experiment
    )
    assert overdue() == set()  # the team's version counts for both


@pytest.mark.parametrize("who", ["learner", "other_instructor"])
def test_outsiders_cannot_nudge_or_see_the_at_risk_list(request, client_for, started, learner, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("learners:at_risk", args=[started.pk])).status_code in (403, 404)
    assert client.post(reverse("learners:nudge", args=[started.pk, learner.pk])).status_code in (
        403,
        404,
    )
    assert client.get(reverse("learners:timeline", args=[started.pk, learner.pk])).status_code in (
        403,
        404,
    )
    assert not Nudge.objects.exists()


def test_a_learner_of_another_cohort_cannot_be_nudged_through_this_one(
    client_for, coordinator, started, outsider_learner
):
    response = client_for(coordinator).post(
        reverse("learners:nudge", args=[started.pk, outsider_learner.pk])
    )
    assert response.status_code == 404


def test_the_summary_matches_a_hand_computed_cohort(
    client_for, coordinator, instructor, started, course, assignment
):
    tampere = factories.OrganisationFactory(name="Tampereen kaupunki")
    lempaala = factories.OrganisationFactory(name="Lempäälän kunta")
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    people = []
    for org, done in [(tampere, 9), (tampere, 3), (lempaala, 0)]:
        person = factories.UserFactory(organisation=org)
        factories.MembershipFactory(cohort=started, user=person)
        complete(person, items[:done], ago(1) if done else ago(1))
        people.append(person)
    # The learner with nothing done is inactive since the start: at risk.
    s1 = factories.SubmissionFactory(
        learner=people[0], cohort=started, assignment=assignment, status="approved"
    )
    Submission.objects.filter(pk=s1.pk).update(submitted_at=ago(3))
    r1 = factories.ReviewFactory(submission=s1, reviewer=instructor)
    Review.objects.filter(pk=r1.pk).update(created_at=ago(3) + datetime.timedelta(hours=10))
    s2 = factories.SubmissionFactory(
        learner=people[1], cohort=started, assignment=assignment, status="approved"
    )
    Submission.objects.filter(pk=s2.pk).update(submitted_at=ago(3))
    r2 = factories.ReviewFactory(submission=s2, reviewer=instructor)
    Review.objects.filter(pk=r2.pk).update(created_at=ago(3) + datetime.timedelta(hours=30))
    s3 = factories.SubmissionFactory(
        learner=people[2], cohort=started, assignment=assignment, status="received"
    )
    Submission.objects.filter(pk=s3.pk).update(submitted_at=ago(30))
    people[2].memberships.update(joined_at=ago(40))

    summary = selectors.cohort_summary(cohort=started, now=NOW)
    # 12 of 27 lessons = 44 %; one finished; one waiting; one at risk.
    assert (summary.learners, summary.percent, summary.finished) == (3, 44, 1)
    assert (summary.waiting_reviews, summary.at_risk) == (1, 1)
    orgs = {o.name: (o.learners, o.percent, o.finished, o.at_risk) for o in summary.organisations}
    assert orgs == {"Tampereen kaupunki": (2, 67, 1, 0), "Lempäälän kunta": (1, 0, 0, 1)}
    assert [(who, n, hours) for who, n, hours in summary.turnaround] == [(instructor, 2, 20.0)]
    page = client_for(coordinator).get(reverse("learners:dashboard", args=[started.pk]))
    assert 'data-testid="figure-percent">44\u00a0%'.encode() in page.content


def test_review_turnaround_counts_from_when_the_answer_was_ready_for_review(
    started, learner, instructor, assignment
):
    submission = factories.SubmissionFactory(
        learner=learner, cohort=started, assignment=assignment, status="approved"
    )
    # Sent at 00:00, files checked by 06:00, reviewed at 10:00: four hours of waiting.
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=ago(3), processed_at=ago(3) + datetime.timedelta(hours=6)
    )
    review = factories.ReviewFactory(submission=submission, reviewer=instructor)
    Review.objects.filter(pk=review.pk).update(created_at=ago(3) + datetime.timedelta(hours=10))
    assert selectors.review_turnaround(cohorts=[started.pk]) == [(instructor, 1, 4.0)]


def add_learners(cohort, course, n):
    items = list(Item.objects.filter(module__course=course)[:2])
    for _i in range(n):
        person = factories.UserFactory()
        factories.MembershipFactory(cohort=cohort, user=person)
        complete(person, items, ago(30))


@pytest.mark.parametrize(
    "name", ["learners:at_risk", "learners:dashboard", "learners:cohort_detail"]
)
def test_tracking_pages_keep_a_flat_query_count(client_for, coordinator, started, course, name):
    client = client_for(coordinator)
    url = reverse(name, args=[started.pk])
    add_learners(started, course, 5)
    rollup_rebuild()  # the summary and at-risk list read the progress rollup beat keeps
    cache.clear()  # counted cold: the progress page keeps its filter's choices ten minutes
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add_learners(started, course, 60)
    rollup_rebuild()
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), "query count grew with the cohort"


# --- exports ---------------------------------------------------------------------------------


@pytest.fixture
def evil(started, course):
    person = factories.UserFactory(first_name='=HYPERLINK("http://evil")', last_name="@SUM(1)")
    person.organisation.name = "+358 kunta"
    person.organisation.save()
    factories.MembershipFactory(cohort=started, user=person)
    return person


def test_a_csv_export_neutralises_formulas(client_for, coordinator, started, evil):
    response = client_for(coordinator).get(
        reverse("learners:export", args=[started.pk, "progress", "csv"])
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    row = next(r for r in rows if evil.email in r)
    assert row[0].startswith("'=")
    assert row[2] == "'+358 kunta"
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_an_xlsx_export_has_no_formulas(client_for, coordinator, started, evil, assignment):
    factories.SubmissionFactory(learner=evil, cohort=started, assignment=assignment)
    response = client_for(coordinator).get(
        reverse("learners:export", args=[started.pk, "submissions", "xlsx"])
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil\") '@SUM(1)" in values or any(
        isinstance(v, str) and v.startswith("'=") for v in values
    )
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_exports_obey_the_cohort_scope(client_for, instructor, other_instructor, started):
    for who in (instructor, other_instructor):
        response = client_for(who).get(
            reverse("learners:export", args=[started.pk, "progress", "csv"])
        )
        assert response.status_code in (403, 404)


def test_an_unknown_export_is_refused_with_a_400_and_nothing_is_queued(
    client_for, coordinator, started
):
    response = client_for(coordinator).post(
        reverse("learners:exports", args=[started.pk]), {"what": "secrets", "fmt": "csv"}
    )
    html = assert_refused(response, 400, "Unknown export.")
    assert reverse("learners:exports", args=[started.pk]) in html
    assert not ExportJob.objects.exists()


def test_a_large_cohort_export_is_made_by_celery_and_offered_when_ready(
    client_for, coordinator, started, learner, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("learners.exports.SYNC_LEARNER_LIMIT", 0)
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(reverse("learners:export", args=[started.pk, "progress", "xlsx"]))
    assert response["Location"] == reverse("learners:exports", args=[started.pk])
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.PENDING
    assert len(callbacks) == 1
    assert services.export_build(job_id=job.pk) is True
    assert services.export_build(job_id=job.pk) is False
    response = client.get(
        reverse("learners:export", args=[started.pk, "progress", "xlsx"]), {"job": job.pk}
    )
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 2
    other = factories.UserFactory()
    factories.MembershipFactory(cohort=started, user=other, role="coordinator")
    response = client_for(other).get(
        reverse("learners:export", args=[started.pk, "progress", "xlsx"]), {"job": job.pk}
    )
    assert response.status_code == 404


def test_the_export_list_polls_while_a_file_is_made_and_then_offers_the_download(
    client_for, coordinator, started, learner, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("learners.exports.SYNC_LEARNER_LIMIT", 0)
    client = client_for(coordinator)
    url = reverse("learners:exports", args=[started.pk])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url, {"what": "progress", "fmt": "csv"})
    job = ExportJob.objects.get()
    page = client.get(url).content.decode()
    # Without JavaScript the refresh link works; with htmx the list asks again every 2 s.
    assert 'hx-trigger="every 2s"' in page
    assert 'data-testid="export-refresh"' in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert 'data-polling="true"' in partial
    assert "export-download" not in partial
    services.export_build(job_id=job.pk)
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-polling="false"' in partial
    assert "hx-trigger" not in partial
    download = reverse("learners:export", args=[started.pk, "progress", "csv"])
    assert f'{download}?job={job.pk}"' in partial
    assert client.get(download, {"job": job.pk}).status_code == 200


def test_another_coordinator_polling_the_export_list_sees_none_of_my_files(
    client_for, coordinator, started, other_instructor
):
    ExportJob.objects.create(
        cohort=started, requested_by=coordinator, what="progress", fmt="csv", status="running"
    )
    other = factories.UserFactory()
    factories.MembershipFactory(cohort=started, user=other, role="coordinator")
    url = reverse("learners:exports", args=[started.pk])
    partial = client_for(other).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "progress.csv" not in partial
    assert client_for(other_instructor).get(url, HTTP_HX_REQUEST="true").status_code in (403, 404)


# --- the progress heatmap ----------------------------------------------------------------------


def test_the_heatmap_shows_numbers_in_each_cell_and_the_table_view_the_same_without_colour(
    client_for, instructor, started, course, learner, other_learner
):
    items = list(
        Item.objects.filter(module__course=course).order_by("module__position", "position")
    )
    complete(learner, items[:4], ago(1))  # module 1 all done (3/3), module 2 one of three
    client = client_for(instructor)
    url = reverse("learners:cohort_detail", args=[started.pk])
    grid = client.get(url).content.decode()
    assert 'data-view="grid"' in grid
    assert '<td class="heat heat-l4" data-level="4">3/3</td>' in grid
    assert '<td class="heat heat-l2" data-level="2">1/3</td>' in grid  # a third
    assert '<td class="heat heat-l0" data-level="0">0/3</td>' in grid
    assert 'href="?view=table" data-testid="view-table"' in grid
    assert "heat-swatch heat-l4" in grid  # the colour key
    table = client.get(url, {"view": "table"}).content.decode()
    assert 'data-view="table"' in table
    assert "heat-l" not in table.split('data-view="table"')[1]
    assert "(100\u00a0%)" in table
    assert "(33\u00a0%)" in table
    assert ">4/9<" in table  # items done of all items
    # The toggle is plain links: keyboard- and no-JS-friendly, and keeps the filters.
    filtered = client.get(url, {"q": "Oona", "view": "table"}).content.decode()
    assert "?q=Oona&amp;view=grid" in filtered
    assert other_learner.display_name not in filtered


def test_the_heatmap_levels_follow_the_share_of_items_done():
    from learners.selectors import HeatCell

    module = object()
    levels = [HeatCell(module, done, 9).level for done in (0, 1, 2, 3, 6, 7, 8, 9)]
    # Nothing; under a third; a third to two thirds (inclusive); over two thirds; all.
    assert levels == [0, 1, 1, 2, 2, 3, 3, 4]
    assert HeatCell(module, 0, 0).level == 0


# --- cross-cohort view -----------------------------------------------------------------------


def test_the_cross_cohort_view_lists_each_of_my_cohorts_with_its_figures_and_no_others(
    client_for, coordinator, started, learner, other_cohort, outsider_learner, course
):
    spring = factories.CohortFactory(course=course, name="Pilotti 2026")
    factories.MembershipFactory(cohort=spring, user=coordinator, role="coordinator")
    for _i in range(2):
        factories.MembershipFactory(cohort=spring, user=factories.UserFactory())
    html = client_for(coordinator).get(reverse("learners:cross_cohort")).content.decode()
    rows = html.split('data-testid="cross-cohort"')[1]
    assert started.name in rows
    assert "Pilotti 2026" in rows
    assert other_cohort.name not in rows
    assert rows.count('<th scope="row">') == 2


def test_only_coordinators_have_the_cross_cohort_view(client_for, instructor, learner):
    for who in (instructor, learner):
        assert client_for(who).get(reverse("learners:cross_cohort")).status_code == 403


# --- learner timeline ------------------------------------------------------------------------


def test_the_timeline_tells_everything_that_happened_for_the_learner_newest_first(
    client_for, instructor, started, learner, other_learner, course, assignment
):
    from workshops import services as workshop_services
    from workshops.models import Attendance, ExperimentEvent, WorkshopSession

    learner.memberships.update(joined_at=ago(50))
    experiment = workshop_services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=started, title="Liityntäkyyti"
    )
    ExperimentEvent.objects.filter(experiment=experiment).update(created_at=ago(40))
    session = WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=started,
        title="Työpaja 1",
        starts_at=ago(30),
        ends_at=ago(30) + datetime.timedelta(hours=3),
    )
    Attendance.objects.create(
        session=session, learner=learner, status="present", recorded_by=instructor
    )
    Attendance.objects.create(
        session=session, learner=other_learner, status="absent", recorded_by=instructor
    )
    complete(learner, list(Item.objects.filter(module__course=course)[:1]), ago(20))
    submission = factories.SubmissionFactory(
        learner=learner, cohort=started, assignment=assignment, experiment=experiment
    )
    Submission.objects.filter(pk=submission.pk).update(submitted_at=ago(10))
    review = factories.ReviewFactory(submission=submission, reviewer=instructor)
    Review.objects.filter(pk=review.pk).update(created_at=ago(5))

    earlier = Notification.objects.create(
        recipient=learner, category="deadlines", key="old", subject="Edellinen ryhmä", body="b"
    )
    Notification.objects.filter(pk=earlier.pk).update(created_at=ago(60))  # before joining

    events = selectors.learner_timeline(cohort=started, learner=learner)
    assert "Edellinen ryhmä" not in " ".join(e.text for e in events)
    assert [e.kind for e in events] == [
        "review",
        "submission",
        "completion",
        "attendance",
        "experiment",
        "joined",
    ]
    assert "Liityntäkyyti" in events[4].text
    assert "Työpaja 1" in events[3].text
    page = client_for(instructor).get(reverse("learners:timeline", args=[started.pk, learner.pk]))
    html = page.content.decode()
    assert 'data-kind="attendance"' in html
    assert 'data-kind="experiment"' in html
    # The other learner's absence is not in this learner's timeline.
    assert html.count('data-kind="attendance"') == 1


@pytest.mark.parametrize("job", ["²", "9" * 30, "-1"])
def test_a_job_number_no_export_can_have_is_not_found_not_an_error(
    client_for, coordinator, started, job
):
    # "²" is a digit to str.isdigit() but not to int(); 30 digits overflow the id column.
    response = client_for(coordinator).get(
        reverse("learners:export", args=[started.pk, "progress", "xlsx"]), {"job": job}
    )
    assert response.status_code == 404
