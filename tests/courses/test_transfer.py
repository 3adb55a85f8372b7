"""Export a course to an archive and import it: the structure survives the round trip."""

import io
import json
import zipfile

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses import transfer
from courses.models import Course, Item, Module
from tests.courses.factories import make_quiz


def normalised(course):
    data = transfer.course_structure(course)
    data.pop("course")
    for module in data["modules"]:
        module.pop("is_published")  # imports are drafts on purpose
    return data


def rich_course(course):
    modules = list(course.modules.order_by("position"))
    make_quiz(modules[1], title="Tietovisa: verkostot", max_attempts=3)
    modules[2].sequential = True
    modules[2].unlock_after_days = 14
    modules[2].save()
    modules[2].prerequisites.add(modules[0])
    item = modules[0].items.first()
    item.kind = Item.Kind.FILE
    item.file_name = "opas.pdf"
    item.file.save("opas.pdf", ContentFile(b"%PDF-1.4 demo"), save=True)
    return course


def test_export_then_import_gives_an_identical_structure(course, superuser):
    rich_course(course)
    archive = transfer.course_export(course=course)

    imported = transfer.course_import(archive=archive, by=superuser)

    assert imported.pk != course.pk
    assert imported.slug != course.slug  # the slug was taken
    assert normalised(imported) == normalised(course)
    assert not imported.modules.filter(is_published=True).exists()  # a draft
    assert imported.authors.filter(pk=superuser.pk).exists()
    copied = Item.objects.get(module__course=imported, kind=Item.Kind.FILE)
    with copied.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 demo"


def test_import_cleans_html_from_the_archive(course, superuser):
    archive = transfer.course_export(course=course)
    buffer = io.BytesIO(archive)
    with zipfile.ZipFile(buffer) as zf:
        data = json.loads(zf.read("course.json"))
    data["modules"][0]["items"][0]["body"] = "<p>ok</p><script>alert(1)</script>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("course.json", json.dumps(data))
    imported = transfer.course_import(archive=out.getvalue(), by=superuser)
    body = (
        Item.objects.filter(module__course=imported)
        .order_by("module__position", "position")[0]
        .body
    )
    assert "<script" not in body
    assert "ok" in body


def test_an_author_exports_imports_and_copies_in_the_site(course, instructor, client_for):
    course.authors.add(instructor)
    client = client_for(instructor)
    response = client.get(reverse("courses:export", args=[course.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"

    upload = SimpleUploadedFile("kurssi.zip", response.content, content_type="application/zip")
    response = client.post(reverse("courses:import"), {"archive": upload})
    assert response.status_code == 302
    assert Course.objects.count() == 2

    response = client.post(reverse("courses:copy", args=[course.pk]))
    assert response.status_code == 302
    assert Course.objects.count() == 3
    assert Module.objects.filter(course__authors=instructor).count() == 9


def test_a_file_that_is_not_an_archive_is_refused_and_nothing_saved(course, superuser, client_for):
    upload = SimpleUploadedFile("kurssi.zip", b"not a zip", content_type="application/zip")
    response = client_for(superuser).post(reverse("courses:import"), {"archive": upload})
    assert response.status_code == 400
    assert 'data-testid="import-error"' in response.content.decode()
    assert Course.objects.count() == 1


def test_a_broken_archive_saves_nothing(course, superuser):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(
            "course.json",
            json.dumps(
                {
                    "format": transfer.FORMAT,
                    "version": 1,
                    "course": {"title": "X", "slug": "x"},
                    "modules": [{"key": 0, "title": "M", "items": [{"kind": "nope"}]}],
                }
            ),
        )
    try:
        transfer.course_import(archive=out.getvalue(), by=superuser)
    except transfer.TransferError:
        pass
    else:
        raise AssertionError("a broken archive was accepted")
    assert Course.objects.count() == 1


def test_learners_and_non_authors_cannot_export_import_or_copy(
    course, learner, instructor, outsider_learner, client_for
):
    for person in (learner, instructor):
        client = client_for(person)
        assert client.get(reverse("courses:export", args=[course.pk])).status_code == 403
        assert client.post(reverse("courses:copy", args=[course.pk])).status_code == 403
        assert client.get(reverse("courses:import")).status_code == 403
    client = client_for(outsider_learner)
    assert client.get(reverse("courses:import")).status_code == 403
    assert Course.objects.count() == 1
