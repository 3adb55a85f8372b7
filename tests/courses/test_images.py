"""Images in text pages: uploaded by authors only, checked by content and re-encoded, stored
under random names, served only to people who may see the course, and carried by export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses import authoring, richtext, transfer
from courses.models import CourseImage, Item
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(course):
    user = factories.UserFactory(email="kirjoittaja@example.fi")
    course.authors.add(user)
    return user


def image_bytes(fmt="PNG", size=(40, 30), **save):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt, **save)
    return out.getvalue()


def upload(client, course, data, name="kuva.png"):
    return client.post(
        reverse("courses:image_upload", args=[course.pk]),
        {"image": SimpleUploadedFile(name, data)},
    )


def test_an_author_uploads_an_image_and_gets_its_address(client_for, author, course):
    response = upload(client_for(author), course, image_bytes(), name="../../etc/passwd.png")

    assert response.status_code == 201
    image = CourseImage.objects.get()
    assert response.json() == {
        "url": f"/courses/images/{image.name}",
        "width": 40,
        "height": 30,
    }
    # A random stored name: nothing of the uploaded name is kept.
    assert "passwd" not in image.name
    assert "passwd" not in image.file.name
    assert image.name.endswith(".png")
    assert len(image.name) == 36
    assert image.course == course
    assert image.uploaded_by == author


def test_a_jpeg_is_re_encoded_without_its_metadata_or_what_hides_after_it(
    client_for, author, course
):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Salainen kamera"  # Make
    data = image_bytes("JPEG", exif=exif.tobytes()) + b"<script>alert(1)</script>"
    assert upload(client_for(author), course, data, name="kuva.jpg").status_code == 201

    image = CourseImage.objects.get()
    with image.file.open("rb") as handle:
        stored = handle.read()
    assert image.name.endswith(".jpg")
    assert b"Salainen" not in stored
    assert b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).format == "JPEG"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "a.svg",
            "SVG",
        ),
        (b'<?xml version="1.0"?><svg onload="alert(1)"/>', "piilotettu.png", "SVG"),
        (b"%PDF-1.7 not an image", "kuva.png", "PNG-, JPEG-, GIF- tai WebP-kuva"),
        (image_bytes("TIFF"), "kuva.tif", "PNG-, JPEG-, GIF- tai WebP-kuva"),
        (image_bytes()[:60], "katkennut.png", "PNG-, JPEG-, GIF- tai WebP-kuva"),
    ],
)
def test_anything_but_a_raster_image_is_refused_and_nothing_is_stored(
    client_for, author, course, data, name, message
):
    response = upload(client_for(author), course, data, name=name)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not CourseImage.objects.exists()


def test_a_cut_off_image_is_refused_even_after_weasyprint_loosened_pillow(
    client_for, author, course, monkeypatch
):
    from PIL import ImageFile

    # WeasyPrint sets this globally when it is imported (to render certificates and journals).
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    response = upload(client_for(author), course, image_bytes()[:60], name="katkennut.png")
    assert response.status_code == 400
    assert not CourseImage.objects.exists()


def test_a_huge_image_is_refused(client_for, author, course, monkeypatch):
    monkeypatch.setattr(authoring, "IMAGE_MAX_PIXELS", 100)
    response = upload(client_for(author), course, image_bytes(size=(20, 20)))
    assert response.status_code == 400
    assert not CourseImage.objects.exists()


def test_an_upload_without_a_file_is_a_400(client_for, author, course):
    response = client_for(author).post(reverse("courses:image_upload", args=[course.pk]))
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize(("persona", "status"), [("learner", 403), ("instructor", 403)])
def test_only_authors_upload(client_for, request, course, persona, status):
    response = upload(client_for(request.getfixturevalue(persona)), course, image_bytes())
    assert response.status_code == status
    assert not CourseImage.objects.exists()


def test_someone_outside_the_course_gets_404_for_the_upload(client_for, course):
    stranger = factories.UserFactory()
    assert upload(client_for(stranger), course, image_bytes()).status_code == 404


def test_the_image_is_served_to_the_course_and_nobody_else(
    client_for, author, learner, outsider_learner, course, client
):
    upload(client_for(author), course, image_bytes())
    image = CourseImage.objects.get()
    url = reverse("courses:image", args=[image.name])

    response = client_for(learner).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")

    other_course = factories.CourseFactory()
    stranger = factories.UserFactory()
    factories.MembershipFactory(cohort=factories.CohortFactory(course=other_course), user=stranger)
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(stranger).get("/courses/images/" + "0" * 32 + ".png").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_the_page_keeps_our_images_and_drops_every_other_one(client_for, author, course):
    upload(client_for(author), course, image_bytes())
    ours = CourseImage.objects.get()
    module = course.modules.first()
    body = (
        f'<p>Kartta</p><img src="/courses/images/{ours.name}" alt="Kartta" onerror="alert(1)">'
        '<img src="https://tracker.example/pixel.png"><img src="data:image/png;base64,AAAA">'
        '<img src="javascript:alert(1)"><svg><script>alert(1)</script></svg>'
    )
    response = client_for(author).post(
        reverse("courses:item_create", args=[module.pk]),
        {
            "kind": "page",
            "title": "Kuvallinen sivu",
            "body": body,
            "minutes": 5,
            "completion_rule": "manual",
            "is_required": "on",
            "is_published": "on",
            "pass_mark": 80,
            "max_attempts": 0,
        },
    )
    assert response.status_code == 302
    saved = Item.objects.get(title="Kuvallinen sivu").body
    assert f'<img src="/courses/images/{ours.name}" alt="Kartta">' in saved
    for bad in ("tracker", "data:", "javascript", "onerror", "<script", "<svg"):
        assert bad not in saved


def test_the_learner_sees_the_image_in_the_page(client_for, author, learner, course):
    upload(client_for(author), course, image_bytes())
    image = CourseImage.objects.get()
    item = course.modules.first().items.first()
    item.body = f'<p>Katso:</p><img src="/courses/images/{image.name}" alt="Kartta">'
    item.save()
    page = client_for(learner).get(reverse("courses:item", args=[item.pk])).content.decode()
    assert f'<img src="/courses/images/{image.name}" alt="Kartta">' in page


def test_the_editor_is_offered_with_its_static_files_and_the_upload_address(
    client_for, author, course
):
    module = course.modules.first()
    page = client_for(author).get(reverse("courses:item_create", args=[module.pk])).content
    page = page.decode()
    assert 'data-course-editor="1"' in page
    assert f'data-image-upload-url="/courses/{course.pk}/images/"' in page
    assert '<script type="module" src="/static/js/editor-courses.js">' in page
    assert "/static/django_prose_editor/editor.css" in page
    assert "importmap" not in page  # an inline import map would break our CSP


def test_an_exported_course_carries_its_images_to_the_import(client_for, author, course):
    upload(client_for(author), course, image_bytes(size=(64, 48)))
    image = CourseImage.objects.get()
    item = course.modules.order_by("position").first().items.order_by("position").first()
    item.body = f'<p>Kartta</p><img src="{richtext.image_url(image.name)}" alt="Kartta">'
    item.save()

    copy = transfer.course_import(archive=transfer.course_export(course=course), by=author)

    copied_image = CourseImage.objects.get(course=copy)
    assert copied_image.name != image.name
    assert (copied_image.width, copied_image.height) == (64, 48)
    copied = copy.modules.order_by("position").first().items.order_by("position").first()
    assert (
        copied.body == f'<p>Kartta</p><img src="/courses/images/{copied_image.name}" alt="Kartta">'
    )
    assert [i.title for i in Item.objects.filter(module__course=copy).order_by("pk")] == [
        i.title for i in Item.objects.filter(module__course=course).order_by("pk")
    ]


def test_an_archive_with_a_fake_image_is_refused_whole(author, course):
    import json
    import zipfile

    buffer = io.BytesIO()
    data = transfer.course_structure(course)
    name = "f" * 32 + ".png"
    data["images"] = [name]
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("course.json", json.dumps(data))
        archive.writestr(f"images/{name}", b"<svg onload='alert(1)'/>")

    with pytest.raises(transfer.TransferError):
        transfer.course_import(archive=buffer.getvalue(), by=author)
    assert CourseImage.objects.count() == 0
    assert not course.__class__.objects.exclude(pk=course.pk).exists()
