"""Oona's week on two devices: a file she adds to her answer on the phone goes with the answer
she sends from the laptop.

The phone's file used to wait only in the phone's browser: the laptop's page did not list it,
the version sent from the laptop went without it, and the phone's page, reloaded, no longer
had a form to show it in, so the file was lost without a word.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from workshops import services
from workshops.models import SubmissionFile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"liityntakyyti " * 500


@pytest.fixture
def experiment(learner, cohort, assignment):
    return services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=cohort, title="Liityntäkyyti"
    )


def device(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_file(client: Client, assignment, name: str) -> str:
    """The phone's page adds a file to the answer form (static/js/staged-uploads.js sends the
    form's data-form-key with it)."""
    page = client.get(reverse("workshops:assignment", args=[assignment.pk])).content.decode()
    form_key = page.split('data-form-key="', 1)[1].split('"', 1)[0]
    response = client.post(
        reverse("core:staged_upload"),
        data=PDF,
        content_type="application/pdf",
        headers={"X-File-Name": quote(name), "X-Upload-Form": form_key},
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


def sent_files(experiment) -> list[str]:
    version = experiment.submissions.order_by("-version").first()
    return sorted(
        SubmissionFile.objects.filter(submission=version).values_list("original_name", flat=True)
    )


def test_the_laptop_lists_the_file_added_on_the_phone_and_sends_it(learner, assignment, experiment):
    phone, laptop = device(learner), device(learner)
    add_file(phone, assignment, "kyselyn-tulokset.pdf")

    page = laptop.get(reverse("workshops:assignment", args=[assignment.pk]))
    assert "kyselyn-tulokset.pdf" in page.content.decode()
    response = laptop.post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Haaste kuvattu läppärillä.", "based_on": "0"},
    )
    assert response.status_code == 302
    assert sent_files(experiment) == ["kyselyn-tulokset.pdf"]


def test_a_file_added_on_the_phone_after_the_laptop_opened_the_page_is_sent_too(
    learner, assignment, experiment
):
    phone, laptop = device(learner), device(learner)
    laptop_page = laptop.get(reverse("workshops:assignment", args=[assignment.pk]))
    assert laptop_page.status_code == 200
    add_file(laptop, assignment, "kaavio.pdf")
    add_file(phone, assignment, "valokuva-pysakilta.pdf")
    # The laptop's page, shown before either file, posts no token: the form takes both.
    response = laptop.post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Haaste kuvattu.", "based_on": "0"},
    )
    assert response.status_code == 302
    assert sent_files(experiment) == ["kaavio.pdf", "valokuva-pysakilta.pdf"]


def test_a_file_removed_on_one_device_or_added_to_another_form_is_not_sent(
    learner, assignment, experiment, client
):
    phone, laptop = device(learner), device(learner)
    removed = add_file(phone, assignment, "vanha-luonnos.pdf")
    assert phone.post(reverse("core:staged_upload_discard", args=[removed])).status_code == 204
    # A file sent ahead of another form (no form named) stays out of the answer.
    other = phone.post(
        reverse("core:staged_upload"),
        data=PDF,
        content_type="application/pdf",
        headers={"X-File-Name": "muu.pdf"},
    )
    assert other.status_code == 201
    page = laptop.get(reverse("workshops:assignment", args=[assignment.pk])).content.decode()
    assert "vanha-luonnos.pdf" not in page
    assert "muu.pdf" not in page
    response = laptop.post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Haaste kuvattu.", "based_on": "0"},
    )
    assert response.status_code == 302
    assert sent_files(experiment) == []
