"""A learner's data over the life of a cohort, as the beat tasks would see it day by day: her
work is opened by staff, she downloads her archive, it is removed after the keeping time, the
cohort ends and retention runs, and finally she asks to be erased and the grace period runs
out."""

import datetime

from django.urls import reverse
from django.utils import timezone

from privacy import services
from privacy.models import AccessLogEntry, DataExport, ErasureRequest, RetentionRun
from workshops.models import Draft, SubmissionFile

from .conftest import EMAIL
from .test_erasure import traces


def test_a_learners_data_from_the_first_view_to_erasure(
    world,
    client_for,
    instructor,
    coordinator,
    superuser,
    settings,
    django_capture_on_commit_callbacks,
):
    learner = world.learner
    day = timezone.now()

    # Monday: the instructor reads her answer, the coordinator her timeline.
    client_for(instructor).get(reverse("workshops:submission_detail", args=[world.answer.pk]))
    client_for(coordinator).get(reverse("learners:timeline", args=[world.cohort.pk, learner.pk]))
    assert AccessLogEntry.objects.filter(learner=learner).count() == 2

    # Tuesday: she downloads everything; the archive lists who viewed her work.
    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:export_request"))
    export = DataExport.objects.get(user=learner)
    assert export.status == DataExport.Status.DONE  # the in-process worker ran after commit
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert page.count('data-testid="access-log-row"') == 2
    assert 'data-testid="data-export-download"' in page

    # The hourly task removes the archive once the keeping time is over, and only then.
    assert services.data_exports_expire(now=day + datetime.timedelta(days=1)) == 0
    keep = datetime.timedelta(days=settings.PRIVACY_EXPORT_KEEP_DAYS, hours=1)
    assert services.data_exports_expire(now=day + keep) == 1
    download = client.get(reverse("privacy:export_download", args=[export.pk]))
    assert download.status_code == 404

    # The cohort ends; a daily retention run during it removes nothing.
    assert services.retention_apply(now=day + datetime.timedelta(days=2)) is None
    ended = world.cohort.end_date
    after_drafts = timezone.make_aware(
        datetime.datetime.combine(ended, datetime.time(12))
    ) + datetime.timedelta(days=settings.RETENTION_DRAFTS_DAYS + 1)
    run = services.retention_apply(now=after_drafts)
    assert run is not None
    assert run.removed == {"drafts": 1}
    assert SubmissionFile.objects.count() == 2  # files are kept longer than drafts
    assert services.retention_apply(now=after_drafts) is None
    assert not Draft.objects.exists()

    # She asks to be erased; the coordinator sees it; the hourly task erases her after the
    # grace period.
    client.post(reverse("privacy:erasure_request"), {"confirm": "yes"})
    request = ErasureRequest.objects.get(user=learner)
    assert (
        f"erasure-{request.pk}"
        in client_for(coordinator).get(reverse("privacy:erasures")).content.decode()
    )
    grace = datetime.timedelta(days=settings.PRIVACY_ERASURE_GRACE_DAYS, hours=1)
    assert services.erasures_carry_out_due(now=timezone.now() + grace) == 1
    assert traces([EMAIL, "Oona Mäkelä"]) == []
    assert RetentionRun.objects.count() == 1
    # Her team mate's experiment is still there, with both versions of the answer.
    assert world.team_experiment.submissions.count() == 2
    # She can no longer sign in.
    learner.refresh_from_db()
    assert not learner.is_active
