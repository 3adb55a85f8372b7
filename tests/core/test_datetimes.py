"""Dates and times as each language writes them (#11 item 19).

Finnish: "6.12.2026 klo 7.06" (not "klo 6.12.2026 7.06"), "9.00–12.00" (not "9.00–12:00"), the
autosave "klo 6.47" (not "klo 06:47:25"); Swedish as in Finland; English day first (never the
US 12/06/2026); "just now" instead of "0 minutes".
"""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification
from workshops.models import Draft, Experiment, WorkshopSession

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")
MORNING = datetime.datetime(2026, 12, 6, 7, 6, tzinfo=HELSINKI)


def render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load datetimes %}" + source).render(Context(context)).strip()


@pytest.mark.parametrize(
    ("language", "short_datetime", "short_date", "time"),
    [
        ("fi", "6.12.2026 klo 7.06", "6.12.2026", "7.06"),
        ("sv", "6.12.2026 kl. 7.06", "6.12.2026", "7.06"),
        ("en", "6 Dec 2026, 07:06", "6 Dec 2026", "07:06"),
    ],
)
def test_each_language_writes_dates_and_times_its_own_way(
    language, short_datetime, short_date, time
):
    html = render(
        '{{ d|date:"SHORT_DATETIME_FORMAT" }}|{{ d|date:"SHORT_DATE_FORMAT" }}'
        '|{{ d|time:"TIME_FORMAT" }}',
        language,
        d=MORNING,
    )
    assert html.split("|") == [short_datetime, short_date, time]


def test_english_dates_are_day_first_never_us_style():
    september = datetime.date(2026, 9, 1)
    html = render('{{ d|date:"SHORT_DATE_FORMAT" }} {{ d|date:"DATE_FORMAT" }}', "en", d=september)
    assert html == "1 Sep 2026 1 September 2026"
    assert "09/01/2026" not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "6.12.2026 klo 9.00–12.00"),
        ("sv", "6.12.2026 kl. 9.00–12.00"),
        ("en", "6 Dec 2026, 09:00–12:00"),
    ],
)
def test_a_session_on_one_day_reads_as_one_range(language, expected):
    start = datetime.datetime(2026, 12, 6, 9, 0, tzinfo=HELSINKI)
    html = render("{{ s|timerange:e }}", language, s=start, e=start + datetime.timedelta(hours=3))
    assert html == expected


def test_a_range_across_days_names_both_days_in_local_time():
    start = datetime.datetime(2026, 12, 6, 18, 0, tzinfo=HELSINKI)
    end = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)  # 12.00 in Helsinki
    assert render("{{ s|timerange:e }}", "fi", s=start, e=end) == (
        "6.12.2026 klo 18.00 – 7.12.2026 klo 12.00"
    )


def test_a_moment_ago_is_just_now_not_zero_minutes():
    now = timezone.now()
    assert render("{{ t|ago }}", "en", t=now - datetime.timedelta(seconds=20)) == "just now"
    assert render("{{ t|ago }}", "en", t=now - datetime.timedelta(hours=3)) == "3\xa0hours ago"
    assert render("{{ t|waited }}", "en", t=now) == "less than a minute"
    assert render("{{ t|waited }}", "en", t=now - datetime.timedelta(days=2)) == "2\xa0days"
    assert "0" not in render("{{ t|ago }}", "fi", t=now)
    assert render("{{ t|ago }}", "en", t=None) == ""


def test_the_session_list_shows_nine_to_twelve_the_finnish_way(client_for, instructor, cohort):
    from tests import factories

    workshop = factories.WorkshopFactory(course=cohort.course)
    start = datetime.datetime(2026, 12, 6, 9, 0, tzinfo=HELSINKI)
    WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title="Työpaja 1",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
    )
    page = client_for(instructor).get(reverse("workshops:session_list", args=[cohort.pk]))
    html = page.content.decode()
    assert "6.12.2026 klo 9.00–12.00" in html
    assert "12:00" not in html


def test_the_autosave_status_says_the_time_the_finnish_way(client_for, learner, assignment, cohort):
    from workshops import services

    experiment = services.experiment_create(
        learner=learner, workshop=assignment.workshop, cohort=cohort, title="Kyyti"
    )
    Experiment.objects.filter(pk=experiment.pk).update(phase=assignment.phase)
    response = client_for(learner).post(
        reverse("workshops:draft", args=[assignment.pk]), {"text": "Luonnos", "revision": 1}
    )
    assert response.status_code == 200
    saved = timezone.localtime(Draft.objects.get().updated_at)
    text = re.sub(r"<[^>]+>", "", response.content.decode()).strip()
    assert text == f"Luonnos tallennettu klo {saved.hour}.{saved.minute:02d}"


def test_the_dashboard_says_just_now_for_a_new_notification(client_for, learner):
    learner.language = "en"
    learner.save(update_fields=["language"])
    Notification.objects.create(
        recipient=learner,
        category=Notification.Category.ANNOUNCEMENTS,
        key="test-just-now",
        subject="Tervetuloa",
        body="Tervetuloa kurssille.",
    )
    html = client_for(learner).get(reverse("core:home")).content.decode()
    assert 'Tervetuloa <small class="text-body-secondary">· just now</small>' in html
    assert "0\xa0minutes" not in html
