"""Steps the workshop tests of a team's week share: a browser of each person's own, the phase
page and its hidden `based_on`, and a version sent back for a revision."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from workshops import services
from workshops.models import Submission


def signed_in(user: Any) -> Client:
    """A browser of its own for each person (two people's pages at once)."""
    client = Client()
    client.force_login(user)
    return client


def page_of(client: Client, assignment: Any) -> str:
    """The phase page as the person's browser shows it."""
    return client.get(reverse("workshops:assignment", args=[assignment.pk])).content.decode()


def based_on(html: str) -> str:
    """The version a phase page's form was built on (its hidden field)."""
    return html.split('name="based_on" value="')[1].split('"')[0]


def sent_back(*, reviewer: Any, feedback: str, **submit: Any) -> Submission:
    """A version sent (`submit`: submission_submit's arguments) and sent back for a revision
    by `reviewer` with `feedback`."""
    version = services.submission_submit(**submit)
    services.submission_review(
        submission=version, reviewer=reviewer, decision="revise", feedback=feedback
    )
    return version
