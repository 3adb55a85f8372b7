"""The optional completion criterion "workshop attendance share": held sessions only, excused
absences and sessions not recorded left out (the attendance rule), set by authors, shown to the
learner, and holding back the certificate."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import selectors, services, transfer
from courses.models import Certificate
from tests import factories
from workshops.models import Attendance, WorkshopSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(cohort, assignment, instructor):
    """Four sessions of the course's workshop for the cohort: three held, one to come."""
    now = timezone.now()
    made = []
    for n, days in enumerate((-30, -20, -10, 10)):
        starts = now + datetime.timedelta(days=days)
        made.append(
            WorkshopSession.objects.create(
                workshop=assignment.workshop,
                cohort=cohort,
                title=f"Työpaja {n + 1}",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=3),
            )
        )
    return made


def attend(session, learner, instructor, status=Attendance.Status.PRESENT):
    Attendance.objects.create(
        session=session, learner=learner, status=status, recorded_by=instructor
    )


def finish_items(user, course):
    for item in course.modules.first().items.model.objects.filter(module__course=course):
        services.item_complete(user=user, item=item)


def test_the_share_counts_held_sessions_and_leaves_out_excused_ones(
    learner, other_learner, instructor, cohort, course, sessions
):
    attend(sessions[0], learner, instructor)
    attend(sessions[1], learner, instructor, Attendance.Status.EXCUSED)
    attend(sessions[2], learner, instructor, Attendance.Status.ABSENT)
    attend(sessions[0], other_learner, instructor)
    attend(sessions[3], learner, instructor)  # a future session does not count yet

    share = selectors.attendance_share(user=learner, course=course, cohort=cohort)

    assert (share.present, share.counted, share.percent) == (1, 2, 50)


def test_without_enough_attendance_there_is_no_certificate(
    learner, instructor, cohort, course, sessions
):
    course.min_attendance_percent = 60
    course.save()
    attend(sessions[0], learner, instructor)
    attend(sessions[1], learner, instructor, Attendance.Status.ABSENT)
    attend(sessions[2], learner, instructor, Attendance.Status.ABSENT)
    finish_items(learner, course)  # 1 of 3 = 33 %
    assert not Certificate.objects.exists()

    Attendance.objects.filter(session=sessions[1], learner=learner).update(
        status=Attendance.Status.PRESENT
    )  # 2 of 3 = 67 %
    assert services.course_completion_check(user=learner, course=course) is not None


def test_a_course_that_asks_for_attendance_with_no_sessions_held_is_not_complete(
    learner, course, cohort
):
    course.min_attendance_percent = 50
    course.save()
    finish_items(learner, course)
    assert selectors.course_is_complete(user=learner, course=course) is False


def test_the_learner_sees_their_attendance_against_the_requirement(
    learner, instructor, cohort, course, sessions, client_for
):
    course.min_attendance_percent = 80
    course.save()
    attend(sessions[0], learner, instructor)
    attend(sessions[1], learner, instructor, Attendance.Status.ABSENT)
    attend(sessions[2], learner, instructor, Attendance.Status.ABSENT)
    page = client_for(learner).get(reverse("courses:detail", args=[course.pk]))
    html = page.content.decode()
    assert 'data-testid="attendance-share" data-met="false"' in html
    assert "1/3" in html


def test_an_author_sets_the_share_and_a_bad_value_is_refused(
    client_for, instructor, course, assignment
):
    course.authors.add(instructor)
    client = client_for(instructor)
    url = reverse("courses:criteria", args=[course.pk])

    response = client.post(url, {"min_attendance_percent": "150"})
    assert response.status_code == 400
    course.refresh_from_db()
    assert course.min_attendance_percent is None

    response = client.post(url, {"assignments": [assignment.pk], "min_attendance_percent": "75"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.min_attendance_percent == 75
    assert list(course.completion_assignments.all()) == [assignment]

    assert client.post(url, {"min_attendance_percent": ""}).status_code == 302
    course.refresh_from_db()
    assert course.min_attendance_percent is None


def test_a_learner_cannot_set_the_criteria(client_for, learner, course):
    url = reverse("courses:criteria", args=[course.pk])
    assert client_for(learner).post(url, {"min_attendance_percent": "10"}).status_code == 403
    course.refresh_from_db()
    assert course.min_attendance_percent is None


def test_the_share_travels_with_an_exported_course(course, instructor):
    course.min_attendance_percent = 70
    course.save()
    copy = transfer.course_import(archive=transfer.course_export(course=course), by=instructor)
    assert copy.min_attendance_percent == 70


def test_the_outline_query_count_does_not_change_without_the_criterion(
    learner, course, cohort, client_for, django_assert_num_queries
):
    client = client_for(learner)
    client.get(reverse("courses:detail", args=[course.pk]))
    factories.CourseFactory()  # noise
    # The session, and the learner with the navigation's roles and unread badge (2); the course
    # (1), the cohort (1), its modules (1) and items (1); no prerequisites or extensions, for no
    # module has any prerequisite or unlock day; the learner's certificate (1). No sessions for
    # attendance without the criterion. (20 allowed before.)
    with django_assert_num_queries(7) as captured:
        client.get(reverse("courses:detail", args=[course.pk]))
    assert not any("workshops_workshopsession" in q["sql"] for q in captured.captured_queries)


def test_recording_the_attendance_that_was_missing_issues_the_certificate(
    learner, instructor, cohort, course, sessions, django_capture_on_commit_callbacks
):
    from workshops.sessions import attendance_record

    course.min_attendance_percent = 60
    course.save()
    attend(sessions[0], learner, instructor)
    attend(sessions[2], learner, instructor, Attendance.Status.ABSENT)
    finish_items(learner, course)  # 1 of 2 recorded = 50 %; the second not recorded yet
    assert not Certificate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        attendance_record(
            session=sessions[1], by=instructor, statuses={learner.pk: Attendance.Status.PRESENT}
        )

    assert Certificate.objects.filter(
        user=learner, course=course, status=Certificate.Status.ISSUED
    ).exists()
