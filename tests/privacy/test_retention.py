"""Retention: the beat task removes what has been kept past the RETENTION_* periods after a
cohort ends, records what it removed, and a second run changes nothing."""

import datetime

from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification
from privacy import services, tasks
from privacy.models import AccessLogEntry, RetentionRun
from workshops.models import Draft, SubmissionFile


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def test_retention_removes_old_personal_data_once_and_a_second_run_changes_nothing(
    world, instructor, settings, django_capture_on_commit_callbacks
):
    cohort = world.cohort
    # The cohort ended long ago; one recent notification and log entry must stay.
    cohort.end_date = timezone.localdate() - datetime.timedelta(
        days=settings.RETENTION_SUBMISSION_FILES_DAYS + 10
    )
    cohort.start_date = cohort.end_date - datetime.timedelta(days=200)
    cohort.save()
    old = timezone.now() - datetime.timedelta(days=settings.RETENTION_LOGS_DAYS + 5)
    AccessLogEntry.objects.create(
        learner=world.learner, viewer=instructor, cohort=cohort, kind="submission"
    )
    AccessLogEntry.objects.filter(
        pk=AccessLogEntry.objects.create(
            learner=world.learner, viewer=instructor, cohort=cohort, kind="timeline"
        ).pk
    ).update(created_at=old)
    Notification.objects.filter(key="review-1").update(
        created_at=timezone.now()
        - datetime.timedelta(days=settings.RETENTION_NOTIFICATIONS_DAYS + 1)
    )
    files = list(SubmissionFile.objects.all())
    stored = [(f.file.storage, f.file.name) for f in files]
    assert all(s.exists(n) for s, n in stored)

    with django_capture_on_commit_callbacks(execute=True):
        run = services.retention_apply()
    assert run is not None
    assert run.removed == {
        "submission_files": 2,
        "drafts": 1,
        "notifications": 1,
        "access_log": 1,
    }
    assert not SubmissionFile.objects.exists()
    assert not any(s.exists(n) for s, n in stored)
    assert not Draft.objects.exists()
    assert Notification.objects.filter(key="submitted-1").exists()
    assert AccessLogEntry.objects.count() == 1
    # The answers themselves, the experiments and the memberships stay.
    assert world.team_experiment.submissions.count() == 2

    before = _row_counts()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retention_apply() is None
    assert _row_counts() == before
    assert RetentionRun.objects.count() == 1


def test_retention_keeps_everything_of_a_running_cohort(world):
    before = {
        "files": SubmissionFile.objects.count(),
        "drafts": Draft.objects.count(),
    }
    assert tasks.retention_apply() == 0
    assert SubmissionFile.objects.count() == before["files"]
    assert Draft.objects.count() == before["drafts"]
    assert not RetentionRun.objects.exists()


def test_a_period_of_zero_keeps_that_kind_forever(world, settings):
    world.cohort.end_date = timezone.localdate() - datetime.timedelta(days=5000)
    world.cohort.start_date = world.cohort.end_date - datetime.timedelta(days=10)
    world.cohort.save()
    settings.RETENTION_SUBMISSION_FILES_DAYS = 0
    run = services.retention_apply()
    assert SubmissionFile.objects.count() == 2
    assert "submission_files" not in run.removed
    assert run.removed["drafts"] == 1


def test_the_privacy_notice_names_the_periods_from_the_settings(client, db, settings):
    settings.RETENTION_SUBMISSION_FILES_DAYS = 123
    settings.PRIVACY_CONTROLLER = "Testikunta"
    with translation.override("en"):
        page = client.get(reverse("privacy:notice"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Testikunta" in html
    assert "123" in html
    # Linked in every page's footer.
    assert 'data-testid="footer-privacy"' in html


def test_the_notice_and_my_data_are_in_finnish(client, client_for, learner):
    notice = client.get(reverse("privacy:notice")).content.decode()
    assert "<h1" in notice
    assert "Tietosuojaseloste" in notice
    page = client_for(learner).get(reverse("privacy:my_data")).content.decode()
    assert "Omat tietoni" in page
