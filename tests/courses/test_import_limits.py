"""Course import refuses a bad archive with its reason and saves nothing (#12, item 4).

The manifest is checked against a JSON Schema before anything is written; the archive's
directory is checked (entries, size of each, total, compression ratio) before anything is
unpacked, and members are copied in chunks, never read whole into memory.
"""

import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from courses import transfer
from courses.models import Choice, Course, CourseImage, Item, Module, Question
from tests.courses.factories import make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def superuser(superuser):
    """The importer reads the refusals in English (the msgids the tests assert)."""
    superuser.language = "en"
    superuser.save(update_fields=["language"])
    return superuser


@pytest.fixture
def exported(course):
    """A real export: a quiz, a file resource and the course's modules."""
    modules = list(course.modules.order_by("position"))
    make_quiz(modules[1], title="Tietovisa", max_attempts=3)
    item = modules[0].items.first()
    item.kind = Item.Kind.FILE
    item.file_name = "opas.pdf"
    item.file.save("opas.pdf", ContentFile(b"%PDF-1.4 opas"), save=True)
    return transfer.course_export(course=course)


def manifest(archive: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return json.loads(zf.read("course.json"))


def repack(archive: bytes, data: dict | str) -> bytes:
    """The same archive with another course.json (a dict, or raw text)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "course.json":
                dst.writestr(info, src.read(info))
        dst.writestr("course.json", data if isinstance(data, str) else json.dumps(data))
    return out.getvalue()


def stored_files(settings) -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def import_in_browser(client, archive: bytes):
    return client.post(
        reverse("courses:import"),
        {"archive": SimpleUploadedFile("kurssi.zip", archive, content_type="application/zip")},
    )


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Course, Module, Item, Question, Choice, CourseImage))


def assert_refused_and_nothing_saved(client, archive, reason, settings, before):
    files_before = stored_files(settings)
    response = import_in_browser(client, archive)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert counts() == before
    assert stored_files(settings) == files_before
    return response


def test_a_module_without_a_key_is_a_400_with_the_reason(exported, superuser, client_for, settings):
    data = manifest(exported)
    del data["modules"][1]["key"]
    before = counts()
    assert_refused_and_nothing_saved(
        client_for(superuser),
        repack(exported, data),
        "The archive&#x27;s course.json is not valid at module 2: “key” is missing.",
        settings,
        before,
    )


def test_a_question_without_text_is_a_400_and_the_copied_file_is_removed(
    exported, superuser, client_for, settings
):
    data = manifest(exported)
    quiz = next(i for i in data["modules"][1]["items"] if i["questions"])
    quiz_index = data["modules"][1]["items"].index(quiz)
    del quiz["questions"][0]["text"]
    before = counts()
    assert_refused_and_nothing_saved(
        client_for(superuser),
        repack(exported, data),
        f"at module 2, item {quiz_index + 1}, question 1: “text” is missing.",
        settings,
        before,
    )


def test_a_file_missing_from_the_archive_leaves_no_copied_file(
    exported, superuser, client_for, settings
):
    # The first module's file is copied before the second's is found missing.
    data = manifest(exported)
    data["modules"][2]["items"][0]["files"] = {"file": "files/99.pdf"}
    before = counts()
    assert_refused_and_nothing_saved(
        client_for(superuser),
        repack(exported, data),
        "A file listed in the course archive is missing.",
        settings,
        before,
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["modules"][0].update(items="kaikki"), "at module 1, items:"),
        (lambda d: d["modules"][0]["items"][0].update(kind="virus"), "“virus” is not an allowed"),
        (lambda d: d["modules"][0]["items"][0].update(pass_mark=500), "too long or too large"),
        (lambda d: d.update(modules={"a": 1}), "at modules:"),
        (lambda d: d.update(images=["../../settings.py"]), "at image 1:"),
        (
            lambda d: d["modules"][0]["items"][0].update(files={"file": "../../etc/passwd"}),
            "at module 1, item 1, files, file:",
        ),
    ],
)
def test_a_manifest_that_breaks_the_schema_says_where(
    exported, superuser, client_for, settings, change, reason
):
    data = manifest(exported)
    change(data)
    before = counts()
    assert_refused_and_nothing_saved(
        client_for(superuser), repack(exported, data), reason, settings, before
    )


def test_deeply_nested_json_is_a_400_not_a_500(exported, superuser, client_for, settings):
    client = client_for(superuser)
    before = counts()
    # Deeper than Python's recursion limit: the parser itself gives up.
    bomb = '{"format": "alueagentti-course", "version": 1, "modules": ' + "[" * 100_000
    bomb += "]" * 100_000 + "}"
    assert_refused_and_nothing_saved(
        client, repack(exported, bomb), "nested too deeply", settings, before
    )
    # Deep, but parseable: refused by the schema at the first level that is not a module.
    nested = manifest(exported)
    nested["modules"][0]["items"] = json.loads("[" * 500 + "]" * 500)
    assert_refused_and_nothing_saved(
        client, repack(exported, nested), "at module 1, item 1:", settings, before
    )


def zero_bomb(megabytes: int) -> bytes:
    """A real course.json and `megabytes` of zeros, deflated to a few hundred kilobytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(
            "course.json",
            json.dumps({"format": "alueagentti-course", "version": 1, "course": {}, "modules": []}),
        )
        chunk = bytes(1024 * 1024)
        with zf.open("files/1.pdf", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return out.getvalue()


def test_a_small_archive_with_200_mb_of_zeros_is_refused_without_unpacking_it(
    superuser, client_for, settings
):
    archive = zero_bomb(200)
    assert len(archive) < 300 * 1024
    before = counts()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(transfer.TransferError) as refused:
            transfer.course_import(archive=archive, by=superuser)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert "archive bomb" in refused.value.message
    assert peak < 5 * 1024 * 1024, f"peak {peak} bytes"
    assert elapsed < 2, f"{elapsed:.2f} s"
    assert counts() == before
    response = assert_refused_and_nothing_saved(
        client_for(superuser), archive, "possible archive bomb", settings, before
    )
    assert response.status_code == 400


def test_entry_count_and_total_size_are_limited(exported, superuser, settings):
    settings.COURSE_IMPORT_MAX_ENTRIES = 5
    padded = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as src, zipfile.ZipFile(padded, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        for n in range(6):
            dst.writestr(f"extra/{n}.txt", b"x")
    with pytest.raises(transfer.TransferError, match="too many files"):
        transfer.course_import(archive=padded.getvalue(), by=superuser)
    settings.COURSE_IMPORT_MAX_ENTRIES = 2000
    settings.COURSE_IMPORT_MAX_TOTAL_MB = 1
    big = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as src, zipfile.ZipFile(big, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("extra/big.bin", bytes(range(256)) * 5000)  # 1.2 MB, stored
    with pytest.raises(transfer.TransferError, match="too many files"):
        transfer.course_import(archive=big.getvalue(), by=superuser)
    assert Course.objects.count() == 1


def test_a_large_resource_is_copied_in_chunks(course, superuser, settings):
    import os

    payload = os.urandom(12 * 1024 * 1024)  # incompressible, so the ratio check passes
    item = course.modules.first().items.first()
    item.kind = Item.Kind.FILE
    item.file.save("iso.bin", ContentFile(payload), save=True)
    archive = transfer.course_export(course=course)
    stream = io.BytesIO(archive)
    del archive
    tracemalloc.start()
    try:
        imported = transfer.course_import(archive=stream, by=superuser)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    copy = Item.objects.get(module__course=imported, kind=Item.Kind.FILE)
    with copy.file.open("rb") as handle:
        assert handle.read() == payload
    assert peak < 6 * 1024 * 1024, f"peak {peak} bytes for a 12 MB file"


def test_an_exported_course_still_imports_in_the_browser(exported, superuser, client_for):
    response = import_in_browser(client_for(superuser), exported)
    assert response.status_code == 302
    imported = Course.objects.order_by("-pk").first()
    assert Question.objects.filter(item__module__course=imported).exists()
