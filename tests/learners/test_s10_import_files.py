"""Invitation files as Excel really saves them: "Unicode Text" (UTF-16 with a byte-order mark,
tab-separated) and old Mac CSVs that end lines with a bare CR are read; a file that cannot be
read ends as a failed upload with the reason; an upload still being checked can be cancelled
and its check does not bring it back."""

import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from learners import outbox, services, spreadsheets
from learners.models import Invitation, InvitationImport

pytestmark = pytest.mark.django_db

UNREADABLE = "The file is not readable text."
PEOPLE = [
    ["nimi", "sähköposti", "rooli"],
    ["Aino Äijälä", "aino@example.fi", "oppija"],
    ["Björn Öst", "bjorn@example.fi", "ohjaaja"],
]


def upload(client, cohort, name, content, capture, *, execute=True):
    with capture(execute=execute):
        response = client.post(
            reverse("learners:invitation_upload", args=[cohort.pk]),
            {"file": SimpleUploadedFile(name, content)},
        )
    assert response.status_code == 302
    return InvitationImport.objects.get()


def unicode_text(rows, *, big_endian=False):
    """What Excel's "Save as Unicode Text" writes: UTF-16 with its mark, tabs, CRLF."""
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    if big_endian:
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def read_as_people(record):
    return [(r["first_name"], r["last_name"], r["email"], r["role"]) for r in record.rows]


EXPECTED = [
    ("Aino", "Äijälä", "aino@example.fi", "learner"),
    ("Björn", "Öst", "bjorn@example.fi", "instructor"),
]


@pytest.mark.parametrize("big_endian", [False, True], ids=["little-endian", "big-endian"])
def test_excels_unicode_text_file_is_read(
    client_for, coordinator, cohort, big_endian, django_capture_on_commit_callbacks
):
    record = upload(
        client_for(coordinator),
        cohort,
        "osallistujat.txt",
        unicode_text(PEOPLE, big_endian=big_endian),
        django_capture_on_commit_callbacks,
    )
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.PREVIEW, record.error
    assert read_as_people(record) == EXPECTED
    assert all(not r["errors"] for r in record.rows)


@pytest.mark.parametrize("delimiter", [";", ","])
def test_a_csv_with_bare_cr_line_endings_is_read(
    client_for, coordinator, cohort, delimiter, django_capture_on_commit_callbacks
):
    content = ("\r".join(delimiter.join(r) for r in PEOPLE) + "\r").encode("utf-8")
    record = upload(
        client_for(coordinator),
        cohort,
        "vanha-mac.csv",
        content,
        django_capture_on_commit_callbacks,
    )
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.PREVIEW, record.error
    assert read_as_people(record) == EXPECTED


def test_a_quoted_cell_keeps_its_delimiter_with_bare_cr_line_endings():
    content = b'nimi;email\r"Aino; Ainoa";aino@example.fi\rBo;bo@example.fi\r'
    people = spreadsheets.read_people(file_name="a.csv", content=content)
    assert [(p["first_name"], p["last_name"], p["email"]) for p in people] == [
        ("Aino;", "Ainoa", "aino@example.fi"),
        ("Bo", "", "bo@example.fi"),
    ]


@pytest.mark.parametrize(
    "content",
    [
        # UTF-16 without its mark: no way to tell it from a binary file.
        "email\r\naino@example.fi\r\n".encode("utf-16-le"),
        # A mark, then a truncated character.
        codecs.BOM_UTF16_LE + "email\r\naino@example.fi\r\n".encode("utf-16-le") + b"\x00",
        # A cell larger than the CSV reader takes.
        b'email\n"' + b"a" * 200_000 + b'"\n',
    ],
    ids=["utf-16-without-mark", "truncated-utf-16", "cell-too-large"],
)
def test_a_file_that_cannot_be_read_fails_with_the_reason(
    client_for, coordinator, cohort, content, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    record = upload(client, cohort, "lista.txt", content, django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.FAILED
    with translation.override("fi"):
        assert record.error == translation.gettext(UNREADABLE)
    assert record.error == "Tiedosto ei ole luettavaa tekstiä."
    page = client.get(reverse("learners:import_detail", args=[record.pk]))
    assert "Tiedosto ei ole luettavaa tekstiä." in page.content.decode()
    assert not Invitation.objects.exists()


def test_an_upload_still_being_checked_can_be_cancelled_and_its_check_does_nothing(
    client_for, coordinator, cohort, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    # The check's task is lost (or stuck): the upload stays "checking".
    record = upload(
        client,
        cohort,
        "lista.csv",
        b"email\naino@example.fi\n",
        django_capture_on_commit_callbacks,
        execute=False,
    )
    assert record.status == InvitationImport.Status.CHECKING
    response = client.post(reverse("learners:import_cancel", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.CANCELLED
    assert bytes(record.content) == b""
    # The task arriving late, or the sweeper, does not bring it back.
    assert services.import_check(import_id=record.pk) is False
    assert outbox.invitation_imports_sweep() == []
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.CANCELLED
    assert record.rows == []
    assert services.import_confirm(upload=record) is False
    assert not Invitation.objects.exists()


def test_cancelling_while_the_check_runs_keeps_it_cancelled(coordinator, cohort, monkeypatch):
    record = services.import_upload(
        cohort=cohort, uploaded_by=coordinator, file_name="a.csv", content=b"email\na@example.fi\n"
    )
    real_read = spreadsheets.read_people

    def read_while_the_person_cancels(**kwargs):
        people = real_read(**kwargs)
        assert services.import_cancel(upload=record)
        return people

    monkeypatch.setattr(spreadsheets, "read_people", read_while_the_person_cancels)
    assert services.import_check(import_id=record.pk)
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.CANCELLED
    assert record.rows == []


def test_cancelling_while_a_failing_check_runs_keeps_it_cancelled(coordinator, cohort, monkeypatch):
    record = services.import_upload(
        cohort=cohort, uploaded_by=coordinator, file_name="a.csv", content=b"email\na@example.fi\n"
    )

    def read_while_the_person_cancels(**kwargs):
        assert services.import_cancel(upload=record)
        raise spreadsheets.SpreadsheetError("unreadable")

    monkeypatch.setattr(spreadsheets, "read_people", read_while_the_person_cancels)
    services.import_check(import_id=record.pk)
    record.refresh_from_db()
    assert record.status == InvitationImport.Status.CANCELLED


@pytest.mark.parametrize("status", [InvitationImport.Status.APPLYING, InvitationImport.Status.DONE])
def test_an_upload_sending_or_sent_cannot_be_cancelled(coordinator, cohort, status):
    record = InvitationImport.objects.create(
        cohort=cohort, uploaded_by=coordinator, file_name="a.csv", content=b"x", status=status
    )
    assert services.import_cancel(upload=record) is False
    record.refresh_from_db()
    assert record.status == status
