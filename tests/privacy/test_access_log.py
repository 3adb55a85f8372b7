"""The access log: an instructor or coordinator opening a learner's submission or timeline is
one row, and the learner sees who viewed their work on "My data"."""

from django.urls import reverse
from django.utils import translation

from privacy.models import AccessLogEntry


def test_staff_opening_a_submission_or_timeline_is_shown_to_the_learner(
    world, client_for, instructor, coordinator
):
    client_for(instructor).get(reverse("workshops:submission_detail", args=[world.answer.pk]))
    client_for(coordinator).get(
        reverse("learners:timeline", args=[world.cohort.pk, world.learner.pk])
    )
    entries = list(AccessLogEntry.objects.order_by("pk"))
    assert [(e.viewer_id, e.kind, e.learner_id) for e in entries] == [
        (instructor.pk, "submission", world.learner.pk),
        (coordinator.pk, "timeline", world.learner.pk),
    ]
    assert entries[0].object_id == world.answer.pk
    with translation.override("en"):
        page = client_for(world.learner).get(reverse("privacy:my_data"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert html.count('data-testid="access-log-row"') == 2
    assert instructor.display_name in html
    assert coordinator.display_name in html


def test_the_learner_and_the_team_opening_their_own_work_is_not_logged(world, client_for):
    for person in (world.learner, world.team_mate):
        response = client_for(person).get(
            reverse("workshops:submission_detail", args=[world.answer.pk])
        )
        assert response.status_code == 200
    assert not AccessLogEntry.objects.exists()


def test_the_status_poll_of_a_submission_is_not_a_view(world, client_for, instructor):
    client_for(instructor).get(
        reverse("workshops:submission_detail", args=[world.answer.pk]) + "?part=status",
        HTTP_HX_REQUEST="true",
    )
    assert not AccessLogEntry.objects.exists()


def test_someone_who_may_not_open_the_work_leaves_no_row_and_gets_404(
    world, client_for, other_instructor, outsider_learner
):
    for person in (other_instructor, outsider_learner):
        response = client_for(person).get(
            reverse("workshops:submission_detail", args=[world.answer.pk])
        )
        assert response.status_code == 404
    response = client_for(other_instructor).get(
        reverse("learners:timeline", args=[world.cohort.pk, world.learner.pk])
    )
    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_a_learner_sees_only_who_viewed_their_own_work(world, client_for, instructor):
    AccessLogEntry.objects.create(
        learner=world.team_mate, viewer=instructor, cohort=world.cohort, kind="timeline"
    )
    page = client_for(world.learner).get(reverse("privacy:my_data"))
    assert b'data-testid="access-log-empty"' in page.content
    assert b'data-testid="access-log-row"' not in page.content
