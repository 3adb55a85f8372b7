"""The impact plan's PDF keeps the experiment's letters: "vaikuttavuus-liityntäkyyti-asemalle.pdf"
reaches the browser through filename*, with the plain name beside it."""

import pytest
from django.urls import reverse

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


def test_the_plan_pdf_keeps_the_nordic_letters_of_its_title(client_for, experiment, learner, plan):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot import: {exc}")
    response = client_for(learner).get(reverse("impact:pdf", args=[experiment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="vaikuttavuus-liityntakyyti-asemalle.pdf"; '
        "filename*=UTF-8''vaikuttavuus-liitynt%C3%A4kyyti-asemalle.pdf"
    )
