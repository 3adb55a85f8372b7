"""The session settings page (#16 item 6): the cohort's instructors turn "watching the
recording counts as attendance" on or off without the Django admin."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import CompletionCheckWanted
from courses.selectors import attendance_share
from learners import selectors as learner_selectors
from tests import factories
from workshops.models import Attendance, WorkshopSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(assignment):
    return assignment.workshop


@pytest.fixture
def past(cohort, workshop):
    starts = timezone.now() - datetime.timedelta(days=2)
    return WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title="Työpaja 2: Ideat",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
    )


def settings_url(cohort) -> str:
    return reverse("workshops:session_settings", args=[cohort.pk])


def test_the_session_list_links_its_instructors_to_the_settings(client_for, instructor, cohort):
    html = client_for(instructor).get(reverse("workshops:session_list", args=[cohort.pk]))
    assert settings_url(cohort) in html.content.decode()


def test_an_instructor_turns_it_on_and_a_watched_mark_then_counts_as_attendance(
    client_for, instructor, learner, cohort, other_cohort, workshop, past
):
    client = client_for(instructor)
    page = client.get(settings_url(cohort))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="workshop_{workshop.pk}"' in html
    # The setting is the workshop's: the page names the course's other cohorts it reaches.
    assert other_cohort.name in html

    attendance = reverse("workshops:session_attendance", args=[past.pk])
    assert client.post(attendance, {f"learner_{learner.pk}": "watched"}).status_code == 400

    response = client.post(settings_url(cohort), {f"workshop_{workshop.pk}": "on"})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.recording_counts_as_attendance is True

    assert client.post(attendance, {f"learner_{learner.pk}": "watched"}).status_code == 302
    assert Attendance.objects.get(session=past, learner=learner).status == "watched"
    share = attendance_share(user=learner, course=cohort.course, cohort=cohort)
    assert (share.present, share.counted) == (1, 1)
    assert learner_selectors.cohort_attendance(cohort=cohort).present == 1

    # Off again (an unticked box is absent from the POST): the mark stays but no longer counts,
    # and the learner's completion is checked again.
    CompletionCheckWanted.objects.all().delete()
    assert client.post(settings_url(cohort), {}).status_code == 302
    workshop.refresh_from_db()
    assert workshop.recording_counts_as_attendance is False
    assert attendance_share(user=learner, course=cohort.course, cohort=cohort).present == 0
    wanted = CompletionCheckWanted.objects.get()
    assert (wanted.cohort_id, wanted.user_ids) == (cohort.pk, [learner.pk])


def test_saving_without_a_change_wants_no_completion_check(
    client_for, instructor, learner, cohort, workshop, past
):
    workshop.recording_counts_as_attendance = True
    workshop.save()
    Attendance.objects.create(
        session=past, learner=learner, status="watched", recorded_by=instructor
    )
    client_for(instructor).post(settings_url(cohort), {f"workshop_{workshop.pk}": "on"})
    assert not CompletionCheckWanted.objects.exists()


def test_the_superuser_may_change_it(client_for, superuser, cohort, workshop):
    response = client_for(superuser).post(settings_url(cohort), {f"workshop_{workshop.pk}": "on"})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.recording_counts_as_attendance is True


@pytest.mark.parametrize("who", ["learner", "coordinator", "other_instructor"])
def test_others_may_neither_see_nor_change_it(request, client_for, who, cohort, workshop):
    person = request.getfixturevalue(who)
    client = client_for(person)
    # No instructor role anywhere: 403; an instructor of another cohort: 404 (no probing).
    expected = 404 if who == "other_instructor" else 403
    assert client.get(settings_url(cohort)).status_code == expected
    assert client.post(settings_url(cohort), {f"workshop_{workshop.pk}": "on"}).status_code == (
        expected
    )
    workshop.refresh_from_db()
    assert workshop.recording_counts_as_attendance is False


def test_an_instructor_of_another_courses_cohort_gets_404(client_for, cohort, workshop):
    stranger = factories.UserFactory(email="vieras@example.fi")
    elsewhere = factories.CohortFactory(name="Muu kurssi")
    factories.MembershipFactory(cohort=elsewhere, user=stranger, role="instructor")
    client = client_for(stranger)
    assert client.get(settings_url(cohort)).status_code == 404
    assert client.post(settings_url(cohort), {f"workshop_{workshop.pk}": "on"}).status_code == 404
    workshop.refresh_from_db()
    assert workshop.recording_counts_as_attendance is False


@pytest.mark.parametrize("extra", [0, 4])
def test_the_settings_page_reads_a_fixed_number_of_queries(
    client_for, instructor, cohort, workshop, extra, django_assert_num_queries
):
    for n in range(extra):
        factories.WorkshopFactory(course=cohort.course, title=f"Työpaja {n}")
        factories.CohortFactory(course=cohort.course, name=f"Ryhmä {n}")
    client = client_for(instructor)
    # The session, the person with the navigation's roles and unread badge (2); the cohort
    # the instructor teaches (1); the course's workshops (1); its other cohorts (1): the same
    # with one workshop and with five. (9 allowed before.)
    with django_assert_num_queries(5):
        response = client.get(settings_url(cohort))
    assert response.status_code == 200
    assert response.content.decode().count('type="checkbox"') == 1 + extra
