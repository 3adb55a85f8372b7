"""The funder report (screen, XLSX, PDF) and the attendance and certificate exports."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Certificate
from tests import factories
from tests.conftest import skip_or_fail
from workshops import services as workshop_services
from workshops.models import Attendance, Experiment, WorkshopSession

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), TZ)


def add_learner(cohort, municipality, **fields):
    organisation = factories.OrganisationFactory(name=municipality)
    user = factories.UserFactory(organisation=organisation, **fields)
    factories.MembershipFactory(cohort=cohort, user=user)
    return user


def certify(user, cohort, issued_on, code):
    return Certificate.objects.create(
        user=user,
        course=cohort.course,
        cohort=cohort,
        code=code,
        status=Certificate.Status.ISSUED,
        issued_at=at(issued_on),
        learner_name=user.get_full_name(),
        course_title=cohort.course.title,
    )


def session(cohort, workshop, title, day):
    return WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title=title,
        starts_at=at(day),
        ends_at=at(day, 13),
    )


@pytest.fixture
def funded(cohort, other_cohort, assignment, coordinator, instructor):
    """Syksy 2026 (1.9.2026–31.5.2027): three learners from two municipalities, one certified,
    two experiments (one completed), two sessions in the autumn and one in the spring.
    Kevät 2027 belongs to another coordinator: nothing of it may appear."""
    workshop = assignment.workshop
    a = add_learner(cohort, "Hämeenlinna", first_name="Aino")
    b = add_learner(cohort, "Hämeenlinna", first_name="Bertta")
    c = add_learner(cohort, "Porvoo", first_name="Cecilia")
    certify(a, cohort, datetime.date(2026, 12, 1), "AAAA1111")
    first = workshop_services.experiment_create(
        learner=a, workshop=workshop, cohort=cohort, title="Liityntäkyyti"
    )
    done = workshop_services.experiment_create(
        learner=c, workshop=workshop, cohort=cohort, title="Kirjastobussi"
    )
    Experiment.objects.filter(pk=done.pk).update(status=Experiment.Status.COMPLETED)
    s1 = session(cohort, workshop, "Työpaja 1", datetime.date(2026, 9, 10))
    s2 = session(cohort, workshop, "Työpaja 2", datetime.date(2026, 10, 10))
    session(cohort, workshop, "Työpaja 3", datetime.date(2027, 3, 10))
    for learner, status in ((a, "present"), (b, "present"), (c, "absent")):
        Attendance.objects.create(
            session=s1, learner=learner, status=status, recorded_by=instructor
        )
    Attendance.objects.create(session=s2, learner=a, status="present", recorded_by=instructor)
    stranger = add_learner(other_cohort, "Vantaa", first_name="Salainen")
    workshop_services.experiment_create(
        learner=stranger, workshop=workshop, cohort=other_cohort, title="Toisen ryhmän kokeilu"
    )
    session(other_cohort, workshop, "Toisen ryhmän työpaja", datetime.date(2026, 10, 1))
    return {"first": first, "done": done, "people": (a, b, c), "stranger": stranger}


def report(client, start, end, fmt=""):
    params = {"start": start, "end": end}
    if fmt:
        params["fmt"] = fmt
    return client.get(reverse("learners:funder_report"), params)


def test_the_report_counts_the_coordinators_cohorts_in_the_period(client_for, coordinator, funded):
    response = report(client_for(coordinator), "2026-08-01", "2026-12-31")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report-participants">3<' in html
    assert 'data-testid="report-completed">1 (33\u00a0%)<' in html
    assert 'data-testid="report-experiments">2<' in html
    assert 'data-testid="report-sessions">2<' in html
    assert 'data-testid="report-attendances">3<' in html
    assert "Hämeenlinna" in html
    assert "Porvoo" in html
    assert "Vantaa" not in html
    assert "Toisen ryhmän" not in html
    assert "Työpaja 3" not in html


def test_the_report_as_xlsx_has_a_sheet_per_topic_and_no_formulas(client_for, coordinator, funded):
    a, _b, _c = funded["people"]
    a.organisation.name = "=1+1 kunta"
    a.organisation.save()
    response = report(client_for(coordinator), "2026-08-01", "2027-06-30", fmt="xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 4
    municipalities = workbook.worksheets[1]
    rows = [[c.value for c in row] for row in municipalities.iter_rows()]
    assert ["Porvoo", 1, 0, 0] in rows
    assert ["'=1+1 kunta", 2, 1, 50] in rows
    sessions = [[c.value for c in row] for row in workbook.worksheets[3].iter_rows()]
    # The sessions held by now (Työpaja 3, 10.3.2027, counts once it has been held).
    held = WorkshopSession.objects.filter(cohort__name="Syksy 2026", starts_at__lte=timezone.now())
    assert len(sessions) == 1 + held.count()
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)


def test_the_report_as_pdf(client_for, coordinator, funded):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot import: {exc}")
    response = report(client_for(coordinator), "2026-08-01", "2026-12-31", fmt="pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_backwards_period_is_a_clear_error(client_for, coordinator, funded):
    response = report(client_for(coordinator), "2026-12-31", "2026-08-01")
    assert response.status_code == 400
    assert 'data-testid="report-errors"' in response.content.decode()
    assert report(client_for(coordinator), "2026-08-01", "nonsense").status_code == 400


def test_instructors_and_learners_get_no_report(client_for, instructor, learner, funded):
    for who in (instructor, learner):
        assert report(client_for(who), "2026-08-01", "2026-12-31").status_code == 403


def test_the_report_keeps_a_flat_query_count(
    client_for, coordinator, cohort, funded, django_assert_num_queries
):
    # The session, and the coordinator with the navigation's roles and unread badge (2); the
    # cohort (1); its learners with their organisations (1), certificates (1), experiments (1)
    # and sessions (1), however many learners. (14 allowed before.)
    budget = 7
    client = client_for(coordinator)
    with django_assert_num_queries(budget):
        assert report(client, "2026-08-01", "2027-06-30").status_code == 200
    for i in range(60):
        add_learner(cohort, f"Kunta {i % 7}")
    with django_assert_num_queries(budget):
        assert report(client, "2026-08-01", "2027-06-30").status_code == 200


# --- attendance and certificate exports ------------------------------------------------------


def export(client, cohort, what, fmt):
    return client.get(reverse("learners:export", args=[cohort.pk, what, fmt]))


def test_the_attendance_export_lists_every_learner_and_session(
    client_for, coordinator, cohort, funded
):
    a, b, _c = funded["people"]
    b.first_name = "@evil"
    b.save()
    response = export(client_for(coordinator), cohort, "attendance", "csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 3 * 3
    assert [r[3] for r in rows if r[1] == a.email] == ["Työpaja 1", "Työpaja 2", "Työpaja 3"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_the_certificate_export_has_the_codes_and_no_formulas(
    client_for, coordinator, cohort, funded
):
    a, _b, _c = funded["people"]
    Certificate.objects.filter(user=a).update(learner_name="=cmd|' /C calc'!A0")
    response = export(client_for(coordinator), cohort, "certificates", "xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "AAAA1111" in values
    assert "'=cmd|' /C calc'!A0" in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_new_exports_obey_the_cohort_scope(client_for, instructor, cohort, funded):
    for what in ("attendance", "certificates"):
        assert export(client_for(instructor), cohort, what, "csv").status_code in (403, 404)


def test_the_report_counts_held_sessions_and_attendance_as_the_cohort_page_does(
    client_for, coordinator, funded, assignment, instructor
):
    """A session still to come is not reported as held, and a watched recording counts as
    attending where the workshop says so, as on the cohort's attendance page (a tester's
    report said 1 attendance and 5 sessions where the cohort page said 3 and 4)."""
    workshop = assignment.workshop
    workshop.recording_counts_as_attendance = True
    workshop.save()
    first = WorkshopSession.objects.get(title="Työpaja 1")
    Attendance.objects.filter(session=first, status="absent").update(status="watched")
    # A session next month, in the period, with a mark already set by mistake.
    coming = session(
        first.cohort, workshop, "Tuleva työpaja", timezone.localdate() + datetime.timedelta(days=30)
    )
    Attendance.objects.create(
        session=coming, learner=funded["people"][0], status="present", recorded_by=instructor
    )
    end = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    held = WorkshopSession.objects.filter(
        cohort=first.cohort, starts_at__gte=at(datetime.date(2026, 8, 1))
    ).filter(starts_at__lte=timezone.now())
    html = report(client_for(coordinator), "2026-08-01", end).content.decode()
    assert f'data-testid="report-sessions">{held.count()}<' in html
    assert "Tuleva työpaja" not in html
    assert 'data-testid="report-attendances">4<' in html  # 3 present + 1 watched
    workshop.recording_counts_as_attendance = False
    workshop.save()
    html = report(client_for(coordinator), "2026-08-01", end).content.decode()
    assert 'data-testid="report-attendances">3<' in html


def test_a_revoked_certificate_is_exported_as_revoked_not_issued(
    client_for, coordinator, cohort, funded
):
    a, _b, _c = funded["people"]
    Certificate.objects.filter(user=a).update(revoked_at=timezone.now(), revoke_reason="Virhe")
    response = export(client_for(coordinator), cohort, "certificates", "csv")
    row = next(
        line for line in response.content.decode("utf-8-sig").splitlines() if "AAAA1111" in line
    )
    assert "Mitätöity" in row or "Revoked" in row
    assert "Myönnetty" not in row
    assert ";Issued;" not in row


def test_an_exports_sheet_is_named_in_the_language_of_the_file(
    client_for, coordinator, cohort, funded
):
    sheet = load_workbook(
        io.BytesIO(export(client_for(coordinator), cohort, "attendance", "xlsx").content)
    ).active
    assert sheet.title not in ("attendance", "")
    assert sheet.title == "Läsnäolo"
