"""A two-town team's week: a team mate's attached file never disappears without a word.

Tiina attached a file to her answer (sent ahead of the form, "attached when you submit"),
Oona sent her version first, and Tiina pressed send. The refusal showed Tiina's text to copy
but said nothing of her file, and its "back" led to a page with no form: the file waited,
unnamed, until the sweeper removed it. Now the refusal names the files that were not attached
and, while Oona's version waits for review, adds them to it in one click (the version page's
"Add a replacement or missing file"); when the phase takes a new version instead, they are
carried into its form.
"""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import StagedUpload
from core.staged_fields import staged_name
from tests.pdfs import pdf_bytes
from tests.workshops.helpers import based_on, sent_back, signed_in
from workshops import services
from workshops.models import Submission, SubmissionFile

pytestmark = pytest.mark.django_db

STAGED = staged_name("attachments")


def stage(client, name: str) -> str:
    response = client.post(
        "/uploads/",
        data=pdf_bytes(1),
        content_type="application/pdf",
        headers={"X-File-Name": quote(name)},
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


def not_attached(html: str) -> list[str]:
    return [
        part.split('class="file-name">')[1].split("</span>")[0]
        for part in html.split('data-testid="file-not-attached"')[1:]
    ]


def test_a_file_left_out_by_a_mates_version_is_named_and_added_to_it_in_one_click(
    learner, teammate, outsider_learner, assignment, cohort, experiment
):
    tiina = signed_in(teammate)
    url = reverse("workshops:assignment", args=[assignment.pk])
    page = tiina.get(url).content.decode()
    token = stage(tiina, "kysely.pdf")
    oonas = services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio.",
        experiment=experiment,
    )

    refused = tiina.post(url, {"text": "Tiinan versio.", "based_on": based_on(page), STAGED: token})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Tiinan versio." in html.split('data-testid="kept-text"')[1]
    assert not_attached(html) == ["kysely.pdf"]
    # One click adds it to Oona's version, which waits for review.
    add = html.split('data-testid="add-to-version"')[0].rsplit("<form", 1)[1]
    add += html.split('data-testid="add-to-version"')[1].split("</form>")[0]
    detail = reverse("workshops:submission_detail", args=[oonas.pk])
    assert f'action="{detail}"' in add
    assert f'name="{STAGED}" value="{token}"' in add
    # "Back" leads to that version, whose page has the add-files form too.
    back = html.split('data-testid="go-back"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert back == detail
    assert 'data-testid="add-files-form"' in tiina.get(back).content.decode()

    # Nobody else can add Tiina's file: not Oona, and nobody outside the team at all.
    assert signed_in(learner).post(detail, {STAGED: token}).status_code == 400
    assert signed_in(outsider_learner).post(detail, {STAGED: token}).status_code == 404
    assert not oonas.files.exists()

    added = tiina.post(detail, {STAGED: token})
    assert added.status_code == 302
    attached = SubmissionFile.objects.get(submission=oonas)
    assert attached.original_name == "kysely.pdf"
    assert attached.added_by == teammate
    assert not StagedUpload.objects.filter(token=token).exists()
    # Oona's version page names who added it.
    oonas_page = signed_in(learner).get(detail).content.decode()
    assert teammate.display_name in oonas_page.split('data-testid="file-added-by"')[1]


def test_a_file_left_out_by_a_mates_decided_version_is_carried_into_the_next_form(
    learner, teammate, instructor, assignment, cohort, experiment
):
    """The refusal of a text based on an older version (services.VersionSentMeanwhile): Oona's
    newer version was sent back for a revision, so the phase takes a new version. Tiina's file
    goes with her into its form, and with her next send."""
    sent_back(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Versio 1.",
        experiment=experiment,
        reviewer=instructor,
        feedback="Lisää kysely.",
    )
    tiina = signed_in(teammate)
    url = reverse("workshops:assignment", args=[assignment.pk])
    old_page = tiina.get(url).content.decode()
    token = stage(tiina, "budjetti.pdf")
    sent_back(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Versio 2.",
        experiment=experiment,
        based_on=1,
        reviewer=instructor,
        feedback="Vielä budjetti.",
    )

    refused = tiina.post(
        url, {"text": "Versio 1 ja Tiinan budjetti.", "based_on": based_on(old_page), STAGED: token}
    )
    assert refused.status_code == 409
    html = refused.content.decode()
    assert not_attached(html) == ["budjetti.pdf"]
    assert 'data-testid="add-to-version"' not in html  # a decided version takes no files
    carry = html.split('data-testid="carry-files"')[0].rsplit('href="', 1)[1].split('"')[0]
    carry = carry.replace("&amp;", "&")

    # The form of version 3 lists her file, ready to be sent with it.
    form_page = tiina.get(carry).content.decode()
    form = form_page.split('data-testid="submission-form"')[1].split("</form>")[0]
    assert "budjetti.pdf" in form
    assert f'name="{STAGED}" value="{token}"' in form
    # The link is Tiina's alone: Oona opening it sees no file of Tiina's in her form.
    oonas_page = signed_in(learner).get(carry).content.decode()
    oonas_form = oonas_page.split('data-testid="submission-form"')[1].split("</form>")[0]
    assert token not in oonas_form
    assert "budjetti.pdf" not in oonas_form

    sent = tiina.post(
        url, {"text": "Versio 3: budjetti mukana.", "based_on": based_on(form_page), STAGED: token}
    )
    assert sent.status_code == 302
    third = Submission.objects.get(experiment=experiment, version=3)
    attached = third.files.get(original_name="budjetti.pdf")
    assert attached.added_by == teammate


def test_a_file_sent_with_the_form_itself_is_named_as_not_attached(
    learner, teammate, assignment, cohort, experiment
):
    """Without the script the file comes with the form: it cannot be kept, but it is named."""
    tiina = signed_in(teammate)
    url = reverse("workshops:assignment", args=[assignment.pk])
    page = tiina.get(url).content.decode()
    services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio.",
        experiment=experiment,
    )
    upload = SimpleUploadedFile("haastattelut.pdf", pdf_bytes(1), content_type="application/pdf")
    refused = tiina.post(
        url, {"text": "Tiinan versio.", "based_on": based_on(page), "attachments": upload}
    )
    assert refused.status_code == 409
    assert not_attached(refused.content.decode()) == ["haastattelut.pdf"]
    assert not SubmissionFile.objects.exists()


def test_two_mates_sending_at_once_the_second_is_refused_as_sent_meanwhile(
    learner, teammate, assignment, cohort, experiment
):
    """Both pages were opened on no version; Oona's send took the experiment's lock first.
    Tiina's send, waiting for the lock, finds Oona's version waiting for review: it is the
    team mate's version sent meanwhile (her words and files are offered to it), not "your
    previous version is still being processed"."""
    services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Oonan versio.",
        experiment=experiment,
    )
    with pytest.raises(services.VersionSentMeanwhile) as refused:
        services.submission_submit(
            learner=teammate,
            assignment=assignment,
            cohort=cohort,
            text="Tiinan versio.",
            experiment=experiment,
            based_on=0,
        )
    assert refused.value.newest.learner == learner
    assert Submission.objects.count() == 1
