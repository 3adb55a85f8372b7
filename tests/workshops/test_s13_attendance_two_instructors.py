"""Two instructors of one cohort record a session's attendance at the same time: a page opened
before the colleague saved does not put back what the colleague changed."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.models import Membership
from tests import factories
from tests.workshops.helpers import signed_in
from workshops.models import Attendance, WorkshopSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(assignment, cohort):
    starts = timezone.now() - datetime.timedelta(days=1)
    return WorkshopSession.objects.create(
        workshop=assignment.workshop,
        cohort=cohort,
        title="Työpaja 1: Kehittämishaasteet esiin",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        place="Careeria, Porvoo",
    )


@pytest.fixture
def second_instructor(cohort):
    user = factories.UserFactory(
        email="toinen.ohjaaja@example.fi", first_name="Tuula", last_name="Toinen"
    )
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.INSTRUCTOR)
    return user


def form_as_shown(html: str) -> dict[str, str]:
    """What the browser sends for the attendance form as it was shown: its hidden fields
    and the checked choices."""
    form = html[html.index('data-testid="attendance-form"') :]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    for name, value in re.findall(
        r'<input class="form-check-input" type="radio" name="([^"]+)" value="([^"]+)"'
        r"[^>]*? checked>",
        form,
    ):
        data[name] = value
    return data


def recorded(session) -> dict[int, str]:
    return dict(session.attendance.values_list("learner_id", "status"))


def test_a_page_opened_before_a_colleague_saved_keeps_what_the_colleague_changed(
    instructor, second_instructor, learner, other_learner, session
):
    url = reverse("workshops:session_attendance", args=[session.pk])
    for person in (learner, other_learner):
        Attendance.objects.create(
            session=session, learner=person, status="present", recorded_by=instructor
        )
    first, second = signed_in(instructor), signed_in(second_instructor)
    first_page = form_as_shown(first.get(url).content.decode())
    second_page = form_as_shown(second.get(url).content.decode())
    assert first_page[f"learner_{learner.pk}"] == "present"

    # Oona sent word she was ill: the first instructor marks her excused.
    response = first.post(url, {**first_page, f"learner_{learner.pk}": "excused"})
    assert response.status_code == 302
    # The colleague, on the page opened before, corrects Olli to absent.
    response = second.post(url, {**second_page, f"learner_{other_learner.pk}": "absent"})
    assert response.status_code == 302

    assert recorded(session) == {learner.pk: "excused", other_learner.pk: "absent"}
    page = second.get(url).content.decode()
    assert "Läsnäolo tallennettiin." in page


def test_both_changing_one_learner_keeps_the_first_and_says_so(
    instructor, second_instructor, learner, other_learner, session
):
    url = reverse("workshops:session_attendance", args=[session.pk])
    first, second = signed_in(instructor), signed_in(second_instructor)
    first_page = form_as_shown(first.get(url).content.decode())
    second_page = form_as_shown(second.get(url).content.decode())
    assert first_page[f"seen_{learner.pk}"] == ""

    first.post(url, {**first_page, f"learner_{learner.pk}": "excused"})
    changes = {f"learner_{learner.pk}": "absent", f"learner_{other_learner.pk}": "present"}
    response = second.post(url, {**second_page, **changes}, follow=True)

    assert recorded(session) == {learner.pk: "excused", other_learner.pk: "present"}
    warnings = re.findall(
        r'<div class="alert alert-warning"[^>]*>(.*?)</div>', response.content.decode(), re.S
    )
    assert len(warnings) == 1
    assert learner.display_name in warnings[0]
    assert instructor.display_name in warnings[0]
    assert "Poissa luvallisesti" in warnings[0]
