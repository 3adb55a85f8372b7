"""Resending or revoking an invitation on page 2 of a filtered list returns to that page with
its filters (session 14: the coordinator landed on page 1 with the filters cleared, in a list of
400). `next` leads only to the cohort's own invitation list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from learners import services
from learners.models import Invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(coordinator, cohort, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(60):
            services.invitation_invite(
                cohort=cohort, invited_by=coordinator, email=f"kutsuttu{i:02}@kerava.fi"
            )
    return cohort


def test_resend_and_revoke_return_to_the_page_and_filter_the_coordinator_left(
    client_for, coordinator, many
):
    staff = client_for(coordinator)
    listed = reverse("learners:invitations", args=[many.pk]) + "?q=kerava&page=2"
    html = staff.get(listed).content.decode()
    shown = Invitation.objects.filter(cohort=many).order_by("-created_at", "-pk")[50]
    assert shown.email in html

    resent = staff.post(reverse("learners:invitation_resend", args=[shown.pk]), {"next": listed})
    assert (resent.status_code, resent["Location"]) == (302, listed)

    # "Peru" leads to the confirmation with the list's address, and its form carries it on.
    revoke = reverse("learners:invitation_revoke", args=[shown.pk])
    assert f'href="{revoke}?next=' in html
    confirm = staff.get(revoke, {"next": listed}).content.decode()
    assert f'name="next" value="{listed.replace("&", "&amp;")}"' in confirm
    revoked = staff.post(revoke, {"next": listed})
    assert (revoked.status_code, revoked["Location"]) == (302, listed)
    shown.refresh_from_db()
    assert shown.status == Invitation.Status.REVOKED


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/",
        "//evil.example/learners/",
        "/admin/",
        "/cohorts/999999/invitations/",
    ],
)
def test_next_leads_nowhere_but_the_cohorts_own_list(client_for, coordinator, many, elsewhere):
    staff = client_for(coordinator)
    invitation = Invitation.objects.filter(cohort=many).first()
    resent = staff.post(
        reverse("learners:invitation_resend", args=[invitation.pk]), {"next": elsewhere}
    )
    assert resent["Location"] == reverse("learners:invitations", args=[many.pk])
