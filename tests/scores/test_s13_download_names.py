"""The cohort's scores download under the cohort's name in the person's language
("tulokset-syksy-2026-2026-12-07.csv"), not "scores-2-…" for every cohort."""

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "word"), [("fi", "tulokset"), ("sv", "resultat"), ("en", "scores")]
)
def test_the_scores_export_is_named_by_the_cohort_in_the_persons_language(
    client_for, instructor, learner, cohort, language, word
):
    instructor.language = language
    instructor.save(update_fields=["language"])
    response = client_for(instructor).get(reverse("scores:export", args=[cohort.pk, "csv"]))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="{word}-syksy-2026-{today}.csv"'
    )
