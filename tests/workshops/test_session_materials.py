"""Files an instructor shares with a workshop session: checked by their content when uploaded,
stored privately, listed to the cohort next to the links and downloadable only by its members."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.pdfs import executable_named_pdf, pdf_bytes
from workshops.models import SessionMaterial, WorkshopSession

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0\xa0"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def session(assignment, cohort):
    starts = timezone.now() + datetime.timedelta(days=3)
    return WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=cohort,
        title="Työpaja 2: Ideat ja hypoteesit",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        place="Careeria, Porvoo",
        materials="Opas | https://example.fi/opas",
    )


def _form(session, **extra):
    local = timezone.localtime(session.starts_at)
    return {
        "workshop": session.workshop_id,
        "title": session.title,
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (local + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "place": session.place,
        "materials": session.materials,
        **extra,
    }


def _upload(client, session, *files, **fields):
    return client.post(
        reverse("workshops:session_edit", args=[session.pk]),
        {**_form(session, **fields), "files": list(files)},
    )


def test_an_instructor_shares_files_and_the_cohort_sees_them_next_to_the_links(
    client_for, instructor, learner, experiment, session
):
    response = _upload(
        client_for(instructor),
        session,
        SimpleUploadedFile("Diat työpaja 2.pdf", pdf_bytes(), content_type="application/pdf"),
        SimpleUploadedFile("kuva.png", PNG, content_type="image/png"),
    )
    assert response.status_code == 302
    files = list(SessionMaterial.objects.order_by("pk"))
    assert [(f.original_name, f.content_type) for f in files] == [
        ("Diat työpaja 2.pdf", "application/pdf"),
        ("kuva.png", "image/png"),
    ]
    assert files[0].uploaded_by == instructor
    # Stored under a random name, outside any public URL.
    assert "Diat" not in files[0].file.name
    session.refresh_from_db()
    assert session.sequence >= 1

    page = client_for(instructor).get(reverse("workshops:session_edit", args=[session.pk]))
    assert "Diat työpaja 2.pdf" in page.content.decode()

    html = client_for(learner).get(reverse("workshops:experiment", args=[experiment.pk]))
    html = html.content.decode()
    materials = html.split('data-testid="session-materials"')[1].split("</div>")[0]
    assert "https://example.fi/opas" in materials
    assert reverse("workshops:session_material", args=[files[0].pk]) in materials
    assert "Diat työpaja 2.pdf" in materials


def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_saved(
    client_for, instructor, session
):
    response = _upload(
        client_for(instructor),
        session,
        SimpleUploadedFile("diat.pdf", pdf_bytes()),
        executable_named_pdf(),
        title="Uusi otsikko",
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["files"]
    assert "haaste.pdf" in errors[0]
    assert not SessionMaterial.objects.exists()
    session.refresh_from_db()
    # Nothing of the edit is half-saved, and the form keeps what was typed.
    assert (session.title, session.sequence) == ("Työpaja 2: Ideat ja hypoteesit", 0)
    assert response.context["form"]["title"].value() == "Uusi otsikko"


def test_a_new_session_with_a_bad_file_is_not_created(client_for, instructor, cohort, session):
    response = client_for(instructor).post(
        reverse("workshops:session_create", args=[cohort.pk]),
        {
            **_form(session, title="Työpaja 3"),
            "files": [SimpleUploadedFile("tyhja.pdf", b"")],
        },
    )
    assert response.status_code == 400
    assert not WorkshopSession.objects.filter(title="Työpaja 3").exists()
    assert not SessionMaterial.objects.exists()


def test_an_oversized_file_is_refused(client_for, instructor, session, settings):
    settings.SUBMISSION_MAX_FILE_MB = 1
    big = SimpleUploadedFile("iso.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    response = _upload(client_for(instructor), session, big)
    assert response.status_code == 400
    assert "iso.pdf" in response.context["form"].errors["files"][0]
    assert not SessionMaterial.objects.exists()


@pytest.fixture
def material(session, instructor):
    from workshops.sessions import session_materials_add

    [row] = session_materials_add(
        session=session,
        by=instructor,
        uploads=[SimpleUploadedFile("Diat.pdf", pdf_bytes())],
    )
    return row


def test_only_members_of_the_cohort_download_a_shared_file(
    client,
    client_for,
    learner,
    instructor,
    coordinator,
    outsider_learner,
    other_instructor,
    material,
):
    url = reverse("workshops:session_material", args=[material.pk])
    for person in (learner, instructor, coordinator):
        response = client_for(person).get(url)
        body = b"".join(response.streaming_content)
        assert response.status_code == 200
        assert body.startswith(b"%PDF")
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
    for person in (outsider_learner, other_instructor):
        assert client_for(person).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_an_instructor_removes_a_file_and_others_cannot(
    client_for,
    instructor,
    learner,
    other_instructor,
    material,
    django_capture_on_commit_callbacks,
):
    url = reverse("workshops:session_material_delete", args=[material.pk])
    assert client_for(learner).post(url).status_code == 403
    assert client_for(other_instructor).post(url).status_code == 404
    assert SessionMaterial.objects.filter(pk=material.pk).exists()
    storage, name = material.file.storage, material.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(instructor).post(url)
    assert response.status_code == 302
    assert not SessionMaterial.objects.exists()
    assert not storage.exists(name)


def test_the_calendar_feed_lists_the_shared_files(client, learner, material):
    from workshops.sessions import calendar_feed_for

    token = calendar_feed_for(learner).token
    body = client.get(reverse("workshops:calendar_feed", args=[token])).content.decode()
    unfolded = body.replace("\r\n ", "")
    assert "Diat.pdf: " in unfolded
    assert reverse("workshops:session_material", args=[material.pk]) in unfolded


def test_the_session_list_with_files_keeps_a_flat_query_count(
    client_for, instructor, cohort, session, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            SessionMaterial.objects.create(
                session=session,
                file=SimpleUploadedFile(f"f{i}.pdf", b"%PDF-1.4"),
                original_name=f"f{i}.pdf",
                uploaded_by=instructor,
            )

    client = client_for(instructor)
    url = reverse("workshops:session_list", args=[cohort.pk])
    # The session, the person with the navigation's roles and unread badge (2); the cohort
    # the instructor teaches (1); the sessions with their attendance counts (1); their files
    # (1). (9 allowed before.)
    add(2)
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    add(20)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert "f19.pdf" in response.content.decode()
    assert factories


def test_the_learner_finds_past_and_coming_sessions_with_materials_and_own_attendance(
    client_for, learner, other_learner, instructor, outsider_learner, other_cohort, material
):
    from workshops.models import Attendance
    from workshops.sessions import attendance_record

    session = material.session
    past = WorkshopSession.objects.create(
        workshop=session.workshop,
        cohort=session.cohort,
        title="Työpaja 1: Haasteet",
        starts_at=timezone.now() - datetime.timedelta(days=20),
        ends_at=timezone.now() - datetime.timedelta(days=20, hours=-3),
        place="Hämeenlinna",
    )
    past_file = SessionMaterial.objects.create(
        session=past,
        file=SimpleUploadedFile("x.pdf", pdf_bytes()),
        original_name="Työpaja 1 diat.pdf",
        uploaded_by=instructor,
    )
    WorkshopSession.objects.create(
        workshop=session.workshop,
        cohort=other_cohort,
        title="Toisen ryhmän työpaja",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place="Muualla",
    )
    attendance_record(
        session=past,
        by=instructor,
        statuses={learner.pk: Attendance.Status.EXCUSED, other_learner.pk: "absent"},
    )
    response = client_for(learner).get(reverse("workshops:my_sessions"))
    assert response.status_code == 200
    html = response.content.decode()
    coming, past_part = html.split('data-testid="past-sessions"')
    assert session.title in coming
    assert "Diat.pdf" in coming
    assert "Työpaja 1: Haasteet" in past_part
    assert reverse("workshops:session_material", args=[past_file.pk]) in past_part
    assert "Toisen ryhmän työpaja" not in html
    # Only their own attendance, never a fellow learner's.
    assert past_part.count('data-testid="my-attendance"') == 1
    # Someone learning in another cohort sees only that cohort's sessions.
    other = client_for(outsider_learner).get(reverse("workshops:my_sessions")).content.decode()
    assert "Toisen ryhmän työpaja" in other
    assert session.title not in other


def test_the_learners_session_page_keeps_a_flat_query_count(
    client_for, learner, instructor, session, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            extra = WorkshopSession.objects.create(
                workshop=session.workshop,
                cohort=session.cohort,
                title=f"S{i}",
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                place="X",
            )
            SessionMaterial.objects.create(
                session=extra,
                file=SimpleUploadedFile("x.pdf", b"%PDF-1.4"),
                original_name="x.pdf",
                uploaded_by=instructor,
            )

    client = client_for(learner)
    url = reverse("workshops:my_sessions")
    # The session, the person with the navigation's roles and unread badge (2); the sessions
    # (1), their files (1) and the learner's attendance (1); the calendar address (1). (9
    # allowed before.)
    add(2)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    add(20)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["coming"]) == 23
