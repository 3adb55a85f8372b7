"""Webinar recordings (#16 item 6): a session's recording (a link, or a video with WebVTT
captions, in the course videos' player) and its slides, shown to the cohort once the session
has started, managed by its instructors; "watched the recording" counts as attendance only
where the workshop allows it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from courses.selectors import attendance_share
from learners import selectors as learner_selectors
from tests import factories
from tests.pdfs import pdf_bytes
from tests.refusals import assert_refused
from tests.responses import body
from workshops.models import Attendance, WorkshopSession

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nTervetuloa\n"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def make_session(cohort, workshop, *, days: float, title="Työpaja 2: Ideat"):
    starts = timezone.now() + datetime.timedelta(days=days)
    return WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title=title,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        place="Careeria, Porvoo",
    )


@pytest.fixture
def workshop(assignment):
    return assignment.workshop


@pytest.fixture
def past(cohort, workshop):
    return make_session(cohort, workshop, days=-2)


@pytest.fixture
def coming(cohort, workshop):
    return make_session(cohort, workshop, days=3, title="Työpaja 3: Kokeilut")


def _save(client, session, **data):
    return client.post(reverse("workshops:session_recording", args=[session.pk]), data)


def test_a_youtube_link_and_slides_show_to_the_cohort_after_the_session_in_the_video_player(
    client_for, instructor, learner, past
):
    slides = pdf_bytes(pages=3)
    response = _save(
        client_for(instructor),
        past,
        recording_url=YOUTUBE,
        slides=SimpleUploadedFile("diat.pdf", slides),
    )
    assert response.status_code == 302
    page = client_for(learner).get(reverse("workshops:session_detail", args=[past.pk]))
    html = page.content.decode()
    # The course videos' privacy-enhanced embed.
    assert "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" in html
    slides_url = reverse("workshops:session_file", args=[past.pk, "slides"])
    assert slides_url in html
    download = client_for(learner).get(slides_url)
    assert download.status_code == 200
    assert body(download) == slides
    assert download["Content-Disposition"].startswith("attachment;")
    # The learner's list of sessions leads to it.
    listing = client_for(learner).get(reverse("workshops:my_sessions")).content.decode()
    assert 'data-testid="recording-available"' in listing


def test_an_uploaded_video_plays_with_its_captions(client_for, instructor, learner, past):
    response = _save(
        client_for(instructor),
        past,
        recording_url="",
        recording_video=SimpleUploadedFile("tallenne.mp4", MP4),
        recording_captions=SimpleUploadedFile("tekstit.vtt", VTT),
    )
    assert response.status_code == 302
    html = client_for(learner).get(reverse("workshops:session_detail", args=[past.pk]))
    html = html.content.decode()
    video_url = reverse("workshops:session_file", args=[past.pk, "video"])
    captions_url = reverse("workshops:session_file", args=[past.pk, "captions"])
    assert f'<source src="{video_url}">' in html
    assert f'<track kind="captions" src="{captions_url}"' in html
    video = client_for(learner).get(video_url)
    assert video["Content-Type"] == "video/mp4"
    assert body(video) == MP4
    captions = client_for(learner).get(captions_url)
    assert captions["Content-Type"].startswith("text/vtt")
    assert body(captions) == VTT


def test_nothing_is_shown_to_learners_before_the_session_starts(
    client_for, instructor, learner, coming
):
    _save(
        client_for(instructor),
        coming,
        recording_url=YOUTUBE,
        slides=SimpleUploadedFile("diat.pdf", pdf_bytes()),
    )
    html = client_for(learner).get(reverse("workshops:session_detail", args=[coming.pk]))
    html = html.content.decode()
    assert "youtube-nocookie" not in html
    assert 'data-testid="recording-later"' in html
    slides_url = reverse("workshops:session_file", args=[coming.pk, "slides"])
    assert client_for(learner).get(slides_url).status_code == 404
    # Its instructors see it at once.
    staff = client_for(instructor).get(slides_url)
    assert staff.status_code == 200
    body(staff)


def test_a_file_that_is_not_a_video_or_captions_or_clean_slides_saves_nothing(
    client_for, instructor, past
):
    client = client_for(instructor)
    response = _save(
        client, past, recording_video=SimpleUploadedFile("tallenne.mp4", b"<html>x</html>")
    )
    assert_refused(response, 400, "The video must be an MP4, WebM or Ogg file.")
    response = _save(
        client,
        past,
        recording_video=SimpleUploadedFile("tallenne.mp4", MP4),
        recording_captions=SimpleUploadedFile("tekstit.vtt", b"1\n00:00:01,000 --> x\n"),
    )
    assert_refused(response, 400, "Captions must be a WebVTT (.vtt) file.")
    response = _save(client, past, slides=SimpleUploadedFile("diat.pdf", b"MZ\x90\x00"))
    assert response.status_code == 400
    response = _save(client, past, recording_url="javascript:alert(1)")
    assert response.status_code == 400
    past.refresh_from_db()
    assert not past.recording_video
    assert not past.slides
    assert not past.recording_url


def test_only_the_sessions_instructors_manage_and_only_its_cohort_sees_the_recording(
    client_for, client, instructor, learner, other_instructor, outsider_learner, coordinator, past
):
    _save(
        client_for(instructor),
        past,
        recording_url=YOUTUBE,
        slides=SimpleUploadedFile("diat.pdf", pdf_bytes()),
    )
    manage = reverse("workshops:session_recording", args=[past.pk])
    assert client_for(learner).get(manage).status_code == 403
    assert client_for(other_instructor).get(manage).status_code == 404
    assert _save(client_for(other_instructor), past, recording_url="").status_code == 404
    detail = reverse("workshops:session_detail", args=[past.pk])
    slides = reverse("workshops:session_file", args=[past.pk, "slides"])
    for person in (other_instructor, outsider_learner):
        assert client_for(person).get(detail).status_code == 404
        assert client_for(person).get(slides).status_code == 404
    assert client_for(coordinator).get(detail).status_code == 200
    assert (
        client_for(learner)
        .get(reverse("workshops:session_file", args=[past.pk, "nothing"]))
        .status_code
        == 404
    )
    client.logout()
    assert client.get(detail).status_code == 302
    assert client.get(slides).status_code == 302
    past.refresh_from_db()
    assert past.recording_url == YOUTUBE


def test_watched_the_recording_is_offered_and_counts_only_where_the_workshop_allows_it(
    client_for, instructor, learner, other_learner, cohort, workshop, past
):
    url = reverse("workshops:session_attendance", args=[past.pk])
    client = client_for(instructor)
    assert 'value="watched"' not in client.get(url).content.decode()
    refused = client.post(url, {f"learner_{learner.pk}": "watched"})
    assert refused.status_code == 400
    assert not Attendance.objects.exists()

    workshop.recording_counts_as_attendance = True
    workshop.save()
    assert 'value="watched"' in client.get(url).content.decode()
    response = client.post(
        url, {f"learner_{learner.pk}": "watched", f"learner_{other_learner.pk}": "present"}
    )
    assert response.status_code == 302
    overview = learner_selectors.cohort_attendance(cohort=cohort)
    assert (overview.present, overview.recorded) == (2, 2)
    people = {row.learner.pk: row for row in overview.learners}
    assert people[learner.pk].present == 1
    share = attendance_share(user=learner, course=cohort.course, cohort=cohort)
    assert (share.present, share.counted) == (1, 1)

    # Where it no longer counts, the watched learner is recorded but not present.
    workshop.recording_counts_as_attendance = False
    workshop.save()
    overview = learner_selectors.cohort_attendance(cohort=cohort)
    assert (overview.present, overview.recorded) == (1, 2)
    people = {row.learner.pk: row for row in overview.learners}
    assert people[learner.pk].present == 0
    assert attendance_share(user=learner, course=cohort.course, cohort=cohort).present == 0


def test_the_learners_sessions_and_the_attendance_page_keep_their_query_budgets(
    client_for,
    instructor,
    learner,
    coordinator,
    cohort,
    workshop,
    django_assert_num_queries,
):
    workshop.recording_counts_as_attendance = True
    workshop.save()

    def grow(n):
        for _i in range(n):
            session = make_session(cohort, workshop, days=-1)
            session.recording_url = YOUTUBE
            session.save()
            other = factories.UserFactory()
            factories.MembershipFactory(cohort=cohort, user=other, role="learner")
            Attendance.objects.create(
                session=session, learner=other, status="watched", recorded_by=instructor
            )

    mine = reverse("workshops:my_sessions")
    attendance = reverse("learners:attendance", args=[cohort.pk])
    # Signing in is not the page's: it was counted here before (seven more queries each time,
    # so the budgets, measured in the test, were 21 and 15).
    # The session, and the learner with the navigation's roles and unread badge (2); her
    # sessions (1), their materials (1) and her attendance (1); her calendar feed (1).
    mine_budget = 6
    # The session, and the coordinator with the navigation's roles (2); the cohort (1); its
    # sessions (1) and the counts per session and status (1); the learners' count and page (2).
    page_budget = 7
    grow(2)
    client = client_for(learner)
    with django_assert_num_queries(mine_budget):
        assert client.get(mine).status_code == 200
    client = client_for(coordinator)
    with django_assert_num_queries(page_budget):
        assert client.get(attendance).status_code == 200
    grow(20)
    client = client_for(learner)
    with django_assert_num_queries(mine_budget):
        html = client.get(mine).content.decode()
    assert html.count('data-testid="recording-available"') == 22
    client = client_for(coordinator)
    with django_assert_num_queries(page_budget):
        assert client.get(attendance).status_code == 200
