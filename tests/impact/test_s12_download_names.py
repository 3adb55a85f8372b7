"""The impact plan's PDF is named in the reader's language (a Swedish learner saved hers as
"vaikuttavuus-….pdf")."""

import pytest
from django.urls import reverse

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "prefix"), [("fi", "vaikuttavuus"), ("sv", "effektplan"), ("en", "impact-plan")]
)
def test_the_plan_pdf_is_named_in_the_readers_language(
    client_for, experiment, learner, plan, language, prefix
):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot import: {exc}")
    learner.language = language
    learner.save(update_fields=["language"])
    response = client_for(learner).get(reverse("impact:pdf", args=[experiment.pk]))
    assert response.status_code == 200
    assert f'filename="{prefix}-liityntakyyti-asemalle.pdf"' in response["Content-Disposition"]
