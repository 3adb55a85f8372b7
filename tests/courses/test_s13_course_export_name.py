"""An author's course export is named by the course and the day in her language
("kurssi-aluekehittämisen-perusteet-2026-12-07.zip"), its ä kept for the browser."""

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "word"), [("fi", "kurssi"), ("sv", "kurs"), ("en", "course")])
def test_the_course_export_is_named_by_the_course_and_day(
    client_for, course, instructor, language, word
):
    course.title = "Aluekehittämisen perusteet"
    course.save(update_fields=["title"])
    course.authors.add(instructor)
    instructor.language = language
    instructor.save(update_fields=["language"])
    response = client_for(instructor).get(reverse("courses:export", args=[course.pk]))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="{word}-aluekehittamisen-perusteet-{today}.zip"; '
        f"filename*=UTF-8''{word}-aluekehitt%C3%A4misen-perusteet-{today}.zip"
    )
