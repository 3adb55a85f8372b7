"""Links that leave the page use the site's real address: `PORT=8080 make run` gives
http://127.0.0.1:8080 in invitations, notification emails and certificates, and the in-app
notification shows a link instead of the email's raw address line."""

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse

from learners import services as learner_services
from learners.models import Invitation
from notifications.models import Notification
from notifications.services import notification_notify
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


def settings_in_a_new_process(**env: str) -> str:
    """SITE_URL as a fresh process with these environment variables computes it."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "SITE_URL")}
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_the_site_address_follows_port():
    assert settings_in_a_new_process(PORT="8080") == "http://127.0.0.1:8080"
    assert settings_in_a_new_process() == "http://127.0.0.1:8000"
    # An explicit SITE_URL (production, docker compose) always wins.
    assert (
        settings_in_a_new_process(PORT="8080", SITE_URL="https://alueagentti.fi/")
        == "https://alueagentti.fi"
    )


def test_make_run_passes_its_port_to_the_settings():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: export PORT := \$\(PORT\)$", makefile, re.MULTILINE)
    dry_run = subprocess.run(  # noqa: S603
        ["make", "-n", "run", "PORT=8080"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if dry_run.returncode != 0:
        skip_or_fail(f"make is not usable here: {dry_run.stderr[:200]}")
    assert "runserver 127.0.0.1:8080" in dry_run.stdout


@pytest.mark.django_db
def test_an_invitation_link_uses_the_port_the_site_runs_on(
    settings, cohort, coordinator, django_capture_on_commit_callbacks
):
    settings.SITE_URL = settings_in_a_new_process(PORT="8080")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = learner_services.invitation_invite(
            cohort=cohort, invited_by=coordinator, email="aino@example.fi"
        )
    assert Invitation.objects.get().email_status == Invitation.EmailStatus.SENT
    link = f"http://127.0.0.1:8080{reverse('learners:invitation_accept', args=[invitation.token])}"
    assert link in mail.outbox[0].body
    assert "127.0.0.1:8000" not in mail.outbox[0].body


def notify(recipient, url):
    """A real notification (a question on a card), rendered from its email template."""
    return notification_notify(
        recipient=recipient,
        category=Notification.Category.GALLERY,
        key=f"test-link-{recipient.pk}-{url}",
        template="portfolio_question",
        context={
            "card": SimpleNamespace(title="Kimppakyydit", pk=1),
            "message": SimpleNamespace(text="Miten kyydit toimivat?", author=recipient),
        },
        url=url,
    )


@pytest.mark.django_db
def test_a_notification_email_links_to_the_port_the_site_runs_on(settings, learner):
    settings.SITE_URL = "http://127.0.0.1:8080"
    url = reverse("portfolio:gallery")
    assert f"http://127.0.0.1:8080{url}" in notify(learner, url).body


@pytest.mark.django_db
def test_the_notification_page_shows_a_link_instead_of_the_raw_address_line(
    settings, client_for, learner
):
    settings.SITE_URL = "http://127.0.0.1:8080"
    url = reverse("portfolio:gallery")
    note = notify(learner, url)
    assert f"http://127.0.0.1:8080{url}" in note.body  # the email keeps its address line
    response = client_for(learner).get(reverse("notifications:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{url}" data-testid="notification-link">' in html
    assert "http://127.0.0.1:8080" not in html
    assert "Miten kyydit toimivat?" in html  # the rest of the text stays


@pytest.mark.django_db
def test_a_notification_to_another_site_gets_no_link(client_for, learner):
    Notification.objects.create(
        recipient=learner,
        category=Notification.Category.GALLERY,
        key="elsewhere",
        subject="Muualle",
        body="Katso https://evil.example/phish",
        url="https://evil.example/phish",
    )
    html = client_for(learner).get(reverse("notifications:list")).content.decode()
    assert 'data-testid="notification-link"' not in html


@pytest.mark.django_db
def test_someone_elses_notification_link_is_not_shown(client_for, learner, other_learner):
    notify(other_learner, "/gallery/")
    html = client_for(learner).get(reverse("notifications:list")).content.decode()
    assert 'data-testid="notification-link"' not in html


def test_the_certificate_and_its_credential_point_to_the_port_the_site_runs_on(settings):
    from courses import credentials
    from courses.services import certificate_verify_url

    settings.SITE_URL = settings_in_a_new_process(PORT="8080")
    verify = certificate_verify_url(SimpleNamespace(code="ABCD-1234"))
    assert verify == f"http://127.0.0.1:8080{reverse('certificates:verify', args=['ABCD-1234'])}"
    assert credentials.issuer_url().startswith("http://127.0.0.1:8080/")
