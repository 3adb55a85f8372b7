"""The review page of version 2 shows, in "Feedback on version 1", the files the instructor
sent with that review (palaute.pdf), with links through the permission-checked download;
a refused file is not listed, and the files cost one query whatever their number, none when
there are none."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learners.models import Membership
from tests import factories
from tests.pdfs import pdf_bytes
from tests.responses import body
from workshops import services
from workshops.models import ReviewFile, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(cohort):
    person = factories.UserFactory(first_name="Tuula", last_name="Toinen")
    factories.MembershipFactory(cohort=cohort, user=person, role=Membership.Role.INSTRUCTOR)
    return person


def _attach(client, submission, name, data):
    return client.post(
        reverse("workshops:review_file_add", args=[submission.pk]),
        {"attachments": SimpleUploadedFile(name, data)},
    )


def _second_version(learner, cohort, assignment, experiment):
    return services.submission_submit(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        experiment=experiment,
        text="Kohderyhmänä ikäihmiset Kylänpään ja Metsälän kylissä.",
    )


def _previous_block(html):
    block = html[html.index('data-testid="previous-feedback"') :]
    return block[: block.index("</section>")]


def test_the_feedback_on_the_previous_version_lists_its_files_to_download(
    client_for,
    instructor,
    colleague,
    learner,
    cohort,
    assignment,
    experiment,
    submission,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    client = client_for(instructor)
    data = pdf_bytes(pages=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert _attach(client, submission, "palaute.pdf", data).status_code == 302
        _attach(client, submission, "vaara.pdf", b"MZ\x90\x00" + b"\x00" * 2000)
    assert sorted(ReviewFile.objects.values_list("original_name", "status")) == [
        ("palaute.pdf", ReviewFile.Status.ACCEPTED),
        ("vaara.pdf", ReviewFile.Status.REJECTED),
    ]
    response = client.post(
        reverse("workshops:review", args=[submission.pk]),
        {"decision": "revise", "feedback": "Rajaa kohderyhmä tarkemmin."},
    )
    assert response.status_code == 302
    second = _second_version(learner, cohort, assignment, experiment)
    assert second.status == Submission.Status.RECEIVED

    mine = client_for(colleague)
    url = reverse("workshops:review", args=[second.pk])
    mine.get(url)
    # The session, the instructor with the navigation (2); the version with whether its lists
    # have anything (1); the versions, each saying whether its review has files to list (1),
    # and version 1's feedback files (1). No rubric, so no levels are read.
    with django_assert_num_queries(5):
        response = mine.get(url)
    assert response.status_code == 200
    block = _previous_block(response.content.decode())
    assert "Rajaa kohderyhmä tarkemmin." in block
    assert "palaute.pdf" in block
    # What the learners were not sent is not listed as sent.
    assert "vaara.pdf" not in block
    palaute = ReviewFile.objects.get(original_name="palaute.pdf")
    download = reverse("workshops:review_file_download", args=[palaute.pk])
    assert f'href="{download}"' in block
    got = mine.get(download)
    assert got.status_code == 200
    assert body(got) == data

    # More files: the same queries.
    for n in range(3):
        ReviewFile.objects.create(
            submission=submission,
            review=palaute.review,
            uploaded_by=instructor,
            original_name=f"liite-{n}.pdf",
            size=1,
            status=ReviewFile.Status.ACCEPTED,
        )
    with django_assert_num_queries(5):
        response = mine.get(url)
    block = _previous_block(response.content.decode())
    assert all(f"liite-{n}.pdf" in block for n in range(3))

    # Only the refused file left: nothing to list, and no query for it.
    ReviewFile.objects.exclude(original_name="vaara.pdf").delete()
    # As above, without version 1's files.
    with django_assert_num_queries(4):
        response = mine.get(url)
    block = _previous_block(response.content.decode())
    assert "Rajaa kohderyhmä tarkemmin." in block
    assert 'data-testid="previous-feedback-files"' not in block
