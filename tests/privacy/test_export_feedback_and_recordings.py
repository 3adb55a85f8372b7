"""The personal data archive also holds the files of the feedback the learner's team received
(as the team may download them) and the sessions whose recording the learner was marked as
having watched (#16 items 5 and 6)."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from privacy import services
from privacy.models import DataExport
from workshops.models import Attendance, ReviewFile, WorkshopSession

pytestmark = pytest.mark.django_db


def _archive(user) -> zipfile.ZipFile:
    export = DataExport.objects.create(user=user)
    assert services.data_export_build(export_id=export.pk) is True
    export.refresh_from_db()
    with export.file.storage.open(export.file.name, "rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def _feedback_file(world, name: str, content: bytes, **fields) -> ReviewFile:
    defaults = {
        "submission": world.answer,
        "review": world.answer.review,
        "uploaded_by": world.instructor,
        "original_name": name,
        "size": len(content),
        "content_type": "application/pdf",
        "status": ReviewFile.Status.ACCEPTED,
        "extracted_text": "the check's text",
    }
    defaults.update(fields)
    return ReviewFile.objects.create(file=ContentFile(content, name=name), **defaults)


def test_the_teams_feedback_files_are_in_both_team_members_archives(world):
    shown = _feedback_file(world, "kommentit.pdf", b"%PDF-1.4 ohjaajan kommentit")
    # A draft file (the review has not reached the team) and a refused one stay out.
    _feedback_file(world, "luonnos.pdf", b"%PDF-1.4 luonnos", review=None)
    _feedback_file(world, "hylatty.pdf", b"%PDF-1.4 x", status=ReviewFile.Status.REJECTED)

    for person in (world.learner, world.team_mate):
        archive = _archive(person)
        rows = json.loads(archive.read("feedback_files_received.json"))
        assert [r["pk"] for r in rows] == [shown.pk]
        fields = rows[0]["fields"]
        assert fields["original_name"] == "kommentit.pdf"
        # Who uploaded it stays out (blind review hides the reviewer), as does the check's text.
        assert "uploaded_by" not in fields
        assert "extracted_text" not in fields
        path = f"files/feedback/{world.answer.pk}-v1/{shown.pk}-kommentit.pdf"
        assert archive.read(path) == b"%PDF-1.4 ohjaajan kommentit"
        assert not [n for n in archive.namelist() if "luonnos" in n or "hylatty" in n]


def test_nobody_outside_the_team_gets_the_feedback_files(world, outsider_learner):
    _feedback_file(world, "kommentit.pdf", b"%PDF-1.4 ohjaajan kommentit")
    archive = _archive(outsider_learner)
    assert json.loads(archive.read("feedback_files_received.json")) == []
    assert not [n for n in archive.namelist() if n.startswith("files/feedback/")]


def test_watched_recording_marks_are_in_the_archive_with_whether_they_count(world):
    workshop = world.answer.assignment.workshop
    starts = timezone.now() - datetime.timedelta(days=3)
    session = WorkshopSession.objects.create(
        workshop=workshop,
        cohort=world.cohort,
        title="Työpaja 2: Ideat",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
    )
    mark = Attendance.objects.create(
        session=session, learner=world.learner, status="watched", recorded_by=world.instructor
    )
    archive = _archive(world.learner)
    attendance = json.loads(archive.read("attendance.json"))
    assert {r["pk"]: r["fields"]["status"] for r in attendance}[mark.pk] == "watched"
    watched = json.loads(archive.read("watched_recordings.json"))
    assert len(watched) == 1
    assert watched[0]["attendance"] == mark.pk
    assert watched[0]["session_title"] == "Työpaja 2: Ideat"
    assert watched[0]["counts_as_attendance"] is False

    workshop.recording_counts_as_attendance = True
    workshop.save()
    watched = json.loads(_archive(world.learner).read("watched_recordings.json"))
    assert watched[0]["counts_as_attendance"] is True
    # The team mate was not marked: nothing of Oona's attendance in their archive.
    assert json.loads(_archive(world.team_mate).read("watched_recordings.json")) == []
