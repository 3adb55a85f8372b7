"""At-risk rules, nudges, the cohort summary against hand-computed figures, timeline, exports."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Completion, Item
from learners import selectors, services
from learners.models import ExportJob, Nudge
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
    assert b'data-testid="figure-percent">44 %' in page.content


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
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add_learners(started, course, 60)
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
