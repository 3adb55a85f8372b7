"""The result page of a knowledge check reads the module's lock from the page's outline: a
learner whose module has closed (a later unlock day) still gets 403 with the reason, and the
page again once it opens."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import QuizAttempt
from tests.courses.factories import make_quiz

pytestmark = pytest.mark.django_db


def test_the_result_page_is_closed_while_the_module_is_locked(client_for, learner, cohort):
    cohort.start_date = timezone.localdate()
    cohort.save()
    module = cohort.course.modules.order_by("position").last()
    item, _choices = make_quiz(module)
    QuizAttempt.objects.create(
        user=learner, item=item, number=1, score=80, passed=True, submitted_at=timezone.now()
    )
    url = reverse("courses:quiz_result", args=[item.pk, 1])
    client = client_for(learner)
    assert client.get(url).status_code == 200
    module.unlock_after_days = 30
    module.save()
    response = client.get(url)
    assert response.status_code == 403
    assert 'data-testid="question"' not in response.content.decode()
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=31)
    cohort.save()
    assert client.get(url).status_code == 200
