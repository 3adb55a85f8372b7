"""A coordinator's downloads are named in her language with the cohort's name and the day
("edistyminen-kevät-2027-2026-12-07.csv"), not "progress-2-2026-12-07.csv" for every cohort; the
letters ä, ö and å reach the browser (RFC 6266 filename*) with a plain fallback beside them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from learners import services
from learners.models import ExportJob

pytestmark = pytest.mark.django_db


def _signed_in(client_for, user, language):
    user.language = language
    user.save(update_fields=["language"])
    return client_for(user)


@pytest.mark.parametrize(
    ("language", "what", "fmt", "utf8", "plain"),
    [
        ("fi", "progress", "csv", "edistyminen-kev%C3%A4t-2027", "edistyminen-kevat-2027"),
        ("fi", "attendance", "xlsx", "l%C3%A4sn%C3%A4olo-kev%C3%A4t-2027", "lasnaolo-kevat-2027"),
        ("sv", "submissions", "csv", "inl%C3%A4mningar-kev%C3%A4t-2027", "inlamningar-kevat-2027"),
        ("sv", "certificates", "xlsx", "intyg-kev%C3%A4t-2027", "intyg-kevat-2027"),
        ("en", "progress", "csv", "progress-kev%C3%A4t-2027", "progress-kevat-2027"),
    ],
)
def test_a_cohort_export_is_named_by_its_contents_cohort_and_day_in_the_persons_language(
    client_for, cohort, coordinator, learner, language, what, fmt, utf8, plain
):
    cohort.name = "Kevät 2027"
    cohort.save(update_fields=["name"])
    today = timezone.localdate().isoformat()
    response = _signed_in(client_for, coordinator, language).get(
        reverse("learners:export", args=[cohort.pk, what, fmt])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"{plain}-{today}.{fmt}\"; filename*=UTF-8''{utf8}-{today}.{fmt}"
    )


def test_two_cohorts_exports_are_told_apart_by_name(client_for, cohort, other_cohort, coordinator):
    from tests import factories

    factories.MembershipFactory(cohort=other_cohort, user=coordinator, role="coordinator")
    client = _signed_in(client_for, coordinator, "fi")
    names = {
        client.get(reverse("learners:export", args=[c.pk, "progress", "csv"]))[
            "Content-Disposition"
        ]
        for c in (cohort, other_cohort)
    }
    today = timezone.localdate().isoformat()
    assert f'attachment; filename="edistyminen-syksy-2026-{today}.csv"' in names
    assert any(f"filename*=UTF-8''edistyminen-kev%C3%A4t-2027-{today}.csv" in n for n in names)


def test_a_large_export_made_in_the_background_keeps_the_name_in_the_askers_language(
    client_for, cohort, coordinator
):
    coordinator.language = "sv"
    coordinator.save(update_fields=["language"])
    job = services.export_request(cohort=cohort, user=coordinator, what="attendance", fmt="csv")
    services.export_build(job_id=job.pk)
    job = ExportJob.objects.get(pk=job.pk)
    today = timezone.localdate().isoformat()
    assert job.status == ExportJob.Status.DONE
    assert job.file_name == f"närvaro-syksy-2026-{today}.csv"
    client = _signed_in(client_for, coordinator, "fi")
    page = client.get(reverse("learners:exports", args=[cohort.pk]))
    assert f"närvaro-syksy-2026-{today}.csv" in page.content.decode()
    response = client.get(
        reverse("learners:export", args=[cohort.pk, "attendance", "csv"]), {"job": job.pk}
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="narvaro-syksy-2026-{today}.csv"; '
        f"filename*=UTF-8''n%C3%A4rvaro-syksy-2026-{today}.csv"
    )


def test_the_funder_report_is_named_in_the_coordinators_language_with_its_period(
    client_for, cohort, coordinator
):
    query = {"start": "2026-08-01", "end": "2027-06-30", "fmt": "xlsx"}
    response = _signed_in(client_for, coordinator, "fi").get(
        reverse("learners:funder_report"), query
    )
    assert response.status_code == 200
    # Only one of her cohorts ran in the period: its name tells the file apart.
    assert response["Content-Disposition"] == (
        'attachment; filename="rahoittajaraportti-syksy-2026-2026-08-01-2027-06-30.xlsx"'
    )
    swedish = _signed_in(client_for, coordinator, "sv").get(
        reverse("learners:funder_report"), query
    )
    assert (
        "filename*=UTF-8''rapport-till-finansi%C3%A4ren-syksy-2026-2026-08-01"
        in (swedish["Content-Disposition"])
    )
