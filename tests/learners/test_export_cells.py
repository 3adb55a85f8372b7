"""Issue #11 item 16: exports a coordinator can sort and filter in Excel (typed dates and
numbers, widths from content, a frozen bold header), the review outcome in the learner's words,
and an invitation preview that shows role labels and the skipped rows' names."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import load_workbook

from learners import exports
from learners.models import InvitationImport
from tests import factories
from tests.learners.conftest import csv_bytes
from tests.learners.test_invitations import HEADER, upload
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def reviewed(cohort, learner, other_learner, instructor, assignment):
    """Oona's version 1 needed a revision, version 2 was approved; Olli's is waiting."""
    first = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, status="revision"
    )
    factories.ReviewFactory(submission=first, reviewer=instructor, decision="revise")
    second = factories.SubmissionFactory(
        learner=learner, cohort=cohort, assignment=assignment, version=2, status="approved"
    )
    factories.ReviewFactory(submission=second, reviewer=instructor, decision="approve")
    factories.SubmissionFactory(learner=other_learner, cohort=cohort, assignment=assignment)
    return first, second


def xlsx(client, cohort, what):
    response = client.get(reverse("learners:export", args=[cohort.pk, what, "xlsx"]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def test_the_submissions_xlsx_has_typed_dates_a_frozen_header_and_outcome_words(
    client_for, coordinator, cohort, reviewed, english
):
    sheet = xlsx(client_for(coordinator), cohort, "submissions")
    # The page speaks the coordinator's language (Finnish): expect the words in it.
    with translation.override("fi"):
        outcome_header = pgettext("review outcome column", "Outcome")
        words = sorted(
            [
                "",
                str(Submission.Status.APPROVED.label),
                str(Submission.Status.REVISION_REQUESTED.label),
            ]
        )
        submitted_header, version_header, reviewed_header = (
            _("Submitted"),
            _("Version"),
            _("Reviewed"),
        )
    header = [c.value for c in sheet[1]]
    assert outcome_header in header
    assert sheet.freeze_panes == "A2"
    assert all(c.font.bold for c in sheet[1])
    rows = list(sheet.iter_rows(min_row=2))
    outcome = header.index(outcome_header)
    assert sorted(r[outcome].value or "" for r in rows) == words
    assert "Hyväksytty" in words  # the learner's word, not the button's "Hyväksy"
    submitted = rows[0][header.index(submitted_header)]
    assert submitted.is_date
    assert isinstance(submitted.value, datetime.datetime)
    assert submitted.number_format == "yyyy-mm-dd hh:mm"
    expected = {
        timezone.localtime(s.submitted_at).replace(tzinfo=None, microsecond=0)
        for s in Submission.objects.all()
    }
    written = {r[header.index(submitted_header)].value.replace(microsecond=0) for r in rows}
    assert written == expected
    version = rows[0][header.index(version_header)]
    assert version.data_type == "n"
    assert isinstance(version.value, int)
    reviewed_at = [r[header.index(reviewed_header)] for r in rows if r[outcome].value]
    assert len(reviewed_at) == 2
    assert all(c.is_date for c in reviewed_at)


def test_column_widths_follow_the_content(client_for, coordinator, cohort, reviewed):
    cohort_learner = reviewed[0].learner
    cohort_learner.email = "hyvin.pitka.sahkopostiosoite.kunnassa@hameenlinna.example.fi"
    cohort_learner.save()
    sheet = xlsx(client_for(coordinator), cohort, "submissions")
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert len(set(widths.values())) > 3
    email_header = sheet["B1"].value
    assert widths[email_header] >= len(cohort_learner.email)
    assert widths[sheet["E1"].value] < 15  # the version number column stays narrow


def test_the_csv_keeps_readable_dates_and_outcome_words(coordinator, cohort, reviewed, english):
    content = exports.export_bytes(cohort=cohort, what="submissions", fmt="csv")[0]
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert "Outcome" in header
    submitted = rows[1][header.index("Submitted")]
    assert datetime.datetime.strptime(submitted + " +0000", "%Y-%m-%d %H:%M %z")
    assert {r[header.index("Outcome")] for r in rows[1:]} == {
        "",
        "Approved",
        "Revision requested",
    }


def test_attendance_and_certificate_exports_have_date_cells(
    client_for, coordinator, cohort, learner, assignment
):
    from workshops.models import WorkshopSession

    WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=cohort,
        title="Työpaja 1",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=3),
    )
    sheet = xlsx(client_for(coordinator), cohort, "attendance")
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(row=2, column=5).is_date


def test_the_funder_report_xlsx_has_date_cells_and_frozen_headers(
    client_for, coordinator, cohort, assignment
):
    from workshops.models import WorkshopSession

    WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=cohort,
        title="Työpaja 1",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=3),
    )
    today = timezone.localdate()
    response = client_for(coordinator).get(
        reverse("learners:funder_report"),
        {
            "start": (today - datetime.timedelta(days=30)).isoformat(),
            "end": (today + datetime.timedelta(days=30)).isoformat(),
            "fmt": "xlsx",
        },
    )
    assert response.status_code == 200, response.content[:300]
    workbook = load_workbook(io.BytesIO(response.content))
    assert all(sheet.freeze_panes == "A2" for sheet in workbook.worksheets)
    sessions = workbook.worksheets[-1]
    assert sessions.cell(row=2, column=3).is_date


def test_the_invitation_preview_shows_role_labels_and_names_of_skipped_rows(
    client_for, coordinator, cohort, hameenlinna, django_capture_on_commit_callbacks, english
):
    rows = [
        HEADER,
        ["Aino Aalto", "aino@example.fi", hameenlinna.name, "oppija"],
        ["Kaisa Koordinaattori", "kaisa@example.fi", "", "koordinaattori"],
        ["Bertta Virhe", "not-an-email", hameenlinna.name, "learner"],
    ]
    client = client_for(coordinator)
    with translation.override("en"):
        upload(
            client, cohort, "ryhma.csv", csv_bytes(rows, ";"), django_capture_on_commit_callbacks
        )
        record = InvitationImport.objects.get()
        page = client.get(
            reverse("learners:import_detail", args=[record.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    valid = page[page.index('data-testid="import-valid"') :]
    # The coordinator's own language (Finnish): the role's label, not its stored value.
    assert '<td data-column="role">Oppija</td>' in valid
    assert '<td data-column="role">Koordinaattori</td>' in valid
    assert ">learner<" not in valid
    assert ">coordinator<" not in valid
    skipped = page[page.index('data-testid="error-row-4"') :]
    skipped = skipped[: skipped.index("</tr>")]
    assert '<td data-column="name">Bertta Virhe</td>' in skipped


def test_the_preview_is_refused_to_an_instructor(client_for, instructor, coordinator, cohort):
    record = InvitationImport.objects.create(
        cohort=cohort, uploaded_by=coordinator, file_name="a.csv", content=b"x"
    )
    response = client_for(instructor).get(reverse("learners:import_detail", args=[record.pk]))
    assert response.status_code in (403, 404)


def test_the_outcome_of_every_decision_is_a_learner_facing_word(english):
    assert exports.outcome_label(Review.Decision.APPROVE) == "Approved"
    assert exports.outcome_label(Review.Decision.REVISE) == "Revision requested"
