"""A session's attendance in a cohort of 600 learners: the instructor's page must still save.

Each learner on the form sends two fields (what the page showed and the choice); with every
learner on one page, 600 learners are over Django's limit of 1,000 fields a request and the
save was refused with "400 Bad Request", losing everything marked on it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import User
from learners.models import Membership
from tests import factories
from tests.workshops.helpers import signed_in
from workshops.models import Attendance, WorkshopSession

pytestmark = pytest.mark.django_db

LEARNERS = 600


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
def big_cohort(cohort, instructor, session):
    """600 learners, each already recorded present (the usual state after a session)."""
    organisation = factories.OrganisationFactory(name="Lahden kaupunki")
    User.objects.bulk_create(
        [
            User(
                email=f"iso{n:03d}@example.fi",
                first_name=f"Oppija{n:03d}",
                last_name=f"Suku{n:03d}",
                organisation=organisation,
            )
            for n in range(LEARNERS)
        ]
    )
    people = list(User.objects.filter(email__startswith="iso").order_by("last_name"))
    Membership.objects.bulk_create(
        [Membership(cohort=cohort, user=u, role=Membership.Role.LEARNER) for u in people]
    )
    Attendance.objects.bulk_create(
        [
            Attendance(session=session, learner=u, status="present", recorded_by=instructor)
            for u in people
        ]
    )
    return people


def form_as_shown(html: str) -> dict[str, str]:
    """What the browser sends for the attendance form as it was shown: its hidden fields
    and the checked choices."""
    form = html[html.index('data-testid="attendance-form"') :]
    form = form[: form.index("</form>")]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    for name, value in re.findall(
        r'<input class="form-check-input" type="radio" name="([^"]+)" value="([^"]+)"'
        r"[^>]*? checked>",
        form,
    ):
        data[name] = value
    return data


def statuses(session) -> dict[int, str]:
    return dict(session.attendance.values_list("learner_id", "status"))


def test_an_instructor_saves_a_change_in_a_cohort_of_six_hundred(instructor, session, big_cohort):
    client = signed_in(instructor)
    url = reverse("workshops:session_attendance", args=[session.pk])
    shown = form_as_shown(client.get(url).content.decode())
    first = big_cohort[0]
    assert shown[f"learner_{first.pk}"] == "present"

    # Oppija000 sent word afterwards that she was ill.
    response = client.post(url, {**shown, f"learner_{first.pk}": "excused"})

    assert response.status_code == 302
    saved = statuses(session)
    assert saved[first.pk] == "excused"
    assert list(saved.values()).count("present") == LEARNERS - 1


def test_a_later_page_saves_its_learners_and_comes_back_to_the_same_page(
    instructor, session, big_cohort
):
    client = signed_in(instructor)
    url = reverse("workshops:session_attendance", args=[session.pk])
    html = client.get(url, {"page": 4}).content.decode()
    shown = form_as_shown(html)
    on_page = [int(name.removeprefix("seen_")) for name in shown if name.startswith("seen_")]
    # A page the browser can send: far below the 1,000 fields Django accepts.
    assert len(shown) < 500
    # The pages are in name order: page 4 holds the learners after the first three pages.
    assert on_page == [u.pk for u in big_cohort[len(on_page) * 3 : len(on_page) * 4]]
    assert "Näytetään" in html

    last = on_page[-1]
    response = client.post(f"{url}?page=4", {**shown, f"learner_{last}": "absent"})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?page=4"
    assert statuses(session)[last] == "absent"
    assert list(statuses(session).values()).count("present") == LEARNERS - 1


def test_save_and_next_moves_on_to_the_next_learners(instructor, session, big_cohort):
    client = signed_in(instructor)
    url = reverse("workshops:session_attendance", args=[session.pk])
    html = client.get(url).content.decode()
    assert 'name="then" value="2"' in html
    shown = form_as_shown(html)
    first = big_cohort[0]

    response = client.post(url, {**shown, f"learner_{first.pk}": "absent", "then": "2"})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?page=2"
    assert statuses(session)[first.pk] == "absent"


def test_a_name_search_finds_one_learner_among_six_hundred(instructor, session, big_cohort):
    client = signed_in(instructor)
    url = reverse("workshops:session_attendance", args=[session.pk])
    target = big_cohort[437]

    html = client.get(url, {"q": "suku437"}).content.decode()
    shown = form_as_shown(html)

    assert [n for n in shown if n.startswith("seen_")] == [f"seen_{target.pk}"]
    response = client.post(f"{url}?q=suku437", {**shown, f"learner_{target.pk}": "excused"})
    assert response["Location"] == f"{url}?q=suku437"
    assert statuses(session)[target.pk] == "excused"


def test_another_cohorts_instructor_still_gets_no_page(session, big_cohort, other_instructor):
    url = reverse("workshops:session_attendance", args=[session.pk])
    assert signed_in(other_instructor).get(url, {"page": 2}).status_code == 404
