"""News of one kind about one object is one line: a busy discussion gives the dashboard and the
notification list "10 new replies: "Title"" instead of ten "New reply" lines. Each reply is still
a notification of its own (its row, its email, one in the navigation's unread count, which
counts notifications as Canvas counts items); opening the line marks the group read and leads to
the first unread reply."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from discussions import services as discussions
from discussions.services import post_url
from notifications.models import Notification
from workshops.models import Experiment, ExperimentMember
from workshops.services import phase_comment_add

pytestmark = pytest.mark.django_db

TITLE = "Verkostojen rakentaminen"


@pytest.fixture
def thread(cohort, learner):
    learner.language = "en"
    learner.save(update_fields=["language"])
    return discussions.thread_start(
        cohort=cohort, author=learner, title=TITLE, body="<p>Miten kokoatte verkoston?</p>"
    )


def _replies(thread, author, n, start=0):
    return [
        discussions.post_reply(thread=thread, author=author, body=f"<p>Vastaus {start + i}</p>")
        for i in range(n)
    ]


def _lines(html: str, testid: str) -> list[str]:
    """The visible text of each line with this data-testid."""
    found = re.findall(rf'<li[^>]*data-testid="{testid}"[^>]*>(.*?)</li>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", line).split()) for line in found]


def _badge(client) -> str:
    return client.get(reverse("notifications:badge")).content.decode()


def test_ten_replies_are_one_line_on_the_dashboard(client, thread, learner, other_learner):
    _replies(thread, other_learner, 10)
    client.force_login(learner)
    html = client.get(reverse("core:home")).content.decode()
    lines = _lines(html, "dashboard-notification")
    assert len(lines) == 1
    assert lines[0].startswith(f"10 new replies: &quot;{TITLE}&quot;")
    assert "New reply" not in html
    # The navigation still counts notifications: the ten replies, as the line says.
    assert ">10<" in _badge(client)


def test_ten_replies_are_one_line_in_the_notification_list(client, thread, learner, other_learner):
    Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="palaute-1",
        subject="Vastauksesi on arvioitu",
        body="Ohjaaja antoi palautetta.",
        url="/",
    )
    _replies(thread, other_learner, 10)
    client.force_login(learner)
    html = client.get(reverse("notifications:list")).content.decode()
    lines = _lines(html, "notification")
    assert len(lines) == 2
    assert lines[0].startswith(f"10 new replies: &quot;{TITLE}&quot;")
    # A notification of its own keeps its own subject.
    assert lines[1].startswith("Vastauksesi on arvioitu")
    # Each reply is still a notification (and an email) of its own.
    replies = Notification.objects.filter(recipient=learner, key__startswith="discussion-post-")
    assert len({n.key for n in replies}) == 10


def test_opening_the_line_marks_the_group_read_and_leads_to_the_first_unread_reply(
    client, thread, learner, other_learner
):
    first, *_rest = _replies(thread, other_learner, 3)
    old = _replies(thread, other_learner, 1, start=3)
    client.force_login(learner)
    Notification.objects.filter(recipient=learner, url=post_url(old[0])).update(
        read_at="2026-01-01T00:00Z"
    )
    Notification.objects.filter(recipient=learner, url=post_url(first)).update(
        read_at="2026-01-01T00:00Z"
    )
    # Two of the four are new: the line says so, and leads to the older of the two.
    html = client.get(reverse("core:home")).content.decode()
    assert _lines(html, "dashboard-notification")[0].startswith("2 new replies")
    shown = Notification.objects.get(recipient=learner, url=post_url(_rest[0]))
    newest = Notification.objects.filter(recipient=learner).order_by("-pk")[0]
    response = client.post(
        reverse("notifications:open", args=[shown.pk]), {"through": str(newest.pk)}
    )
    assert response.status_code == 302
    assert response["Location"] == post_url(_rest[0])
    assert not Notification.objects.filter(recipient=learner, read_at__isnull=True).exists()
    assert ">" not in _badge(client)
    # Once all are read the list still shows the thread as one line, with every reply counted.
    lines = _lines(client.get(reverse("notifications:list")).content.decode(), "notification")
    assert len(lines) == 1
    assert lines[0].startswith(f"4 replies: &quot;{TITLE}&quot;")


def test_a_reply_that_came_after_the_page_was_shown_stays_unread(
    client, thread, learner, other_learner
):
    _replies(thread, other_learner, 2)
    client.force_login(learner)
    page = client.get(reverse("core:home"))
    (shown,) = page.context["notifications"]
    later = _replies(thread, other_learner, 1, start=2)[0]
    client.post(
        reverse("notifications:open", args=[shown.pk]), {"through": str(shown.group_latest_pk)}
    )
    unread = Notification.objects.filter(recipient=learner, read_at__isnull=True)
    assert [n.url for n in unread] == [post_url(later)]
    html = client.get(reverse("core:home")).content.decode()
    (line,) = _lines(html, "dashboard-notification")
    assert line.startswith(f"New reply: &quot;{TITLE}&quot; ·")


def test_another_persons_line_cannot_be_opened(client, thread, learner, other_learner):
    _replies(thread, other_learner, 2)
    theirs = Notification.objects.filter(recipient=learner).first()
    client.force_login(other_learner)
    response = client.post(reverse("notifications:open", args=[theirs.pk]))
    assert response.status_code == 404
    assert Notification.objects.filter(recipient=learner, read_at__isnull=True).count() == 2


def test_threads_and_other_news_stay_apart(client, cohort, thread, learner, other_learner):
    other = discussions.thread_start(
        cohort=cohort, author=learner, title="Rahoitus", body="<p>Mistä rahaa?</p>"
    )
    _replies(thread, other_learner, 3)
    _replies(other, other_learner, 2)
    _replies(thread, other_learner, 1, start=3)
    client.force_login(learner)
    html = client.get(reverse("core:home")).content.decode()
    lines = _lines(html, "dashboard-notification")
    # The newest news first: the thread that got the last reply.
    assert [line.split(" ·")[0] for line in lines] == [
        f"4 new replies: &quot;{TITLE}&quot;",
        "2 new replies: &quot;Rahoitus&quot;",
    ]


def test_a_phase_threads_messages_are_one_line(client, cohort, learner, other_learner, assignment):
    learner.language = "en"
    learner.save(update_fields=["language"])
    experiment = Experiment.objects.create(
        workshop=assignment.workshop, cohort=cohort, title="Kyläkyydit", created_by=learner
    )
    for person in (learner, other_learner):
        ExperimentMember.objects.create(
            experiment=experiment, user=person, cohort=cohort, workshop=assignment.workshop
        )
    for i in range(3):
        phase_comment_add(experiment=experiment, phase=1, author=other_learner, text=f"Idea {i}")
    client.force_login(learner)
    lines = _lines(client.get(reverse("core:home")).content.decode(), "dashboard-notification")
    assert len(lines) == 1
    assert lines[0].startswith("3 new messages on Kyläkyydit")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fi", "5 uutta vastausta: ”Otsikko”"), ("sv", "5 nya svar: ”Otsikko”")],
)
def test_the_line_is_in_the_readers_language(language, expected):
    from notifications.grouping import group_line

    with translation.override(language):
        notification = Notification(
            subject="Uusi vastaus", group_key="discussion-reply:1", group_title="Otsikko"
        )
        notification.group_total = notification.group_unread = 5
        line = group_line(notification)
        if line.startswith("5 new replies"):
            from tests.conftest import skip_or_fail

            skip_or_fail(f"the {language} catalogue has no group lines yet (locale/*.po)")
    assert line.replace('"', "”") == expected


def _fill(learner, other_learner, cohort, n):
    """`n` notifications for the learner, a third of them read: every other one a reply in one
    of `n / 10` threads, the others news of their own."""
    threads = [
        discussions.thread_start(cohort=cohort, author=learner, title=f"Ketju {t}", body="<p>x</p>")
        for t in range(max(1, n // 10))
    ]
    Notification.objects.filter(recipient=learner).delete()
    rows = []
    for i in range(n):
        grouped = i % 2 == 0
        rows.append(
            Notification(
                recipient=learner,
                category=Notification.Category.DISCUSSIONS,
                key=f"s14-{i}",
                subject=f"Uutinen {i}",
                body="Tekstiä.",
                url="/",
                group_key=f"discussion-reply:{threads[(i // 10) % len(threads)].pk}"
                if grouped
                else "",
                group_title="Ketju",
                read_at=None if i % 3 else "2026-01-01T00:00Z",
            )
        )
    Notification.objects.bulk_create(rows)


@pytest.mark.parametrize(
    ("page", "budget", "lines"), [("core:home", 10, 5), ("notifications:list", 4, 25)]
)
def test_the_pages_cost_the_same_with_200_notifications_as_with_5(
    client, cohort, learner, other_learner, django_assert_num_queries, page, budget, lines
):
    # The dashboard of a learner in one cohort: ten queries, the groups of unread news in the
    # one the notifications took before (tests/dashboard/test_page_cost.py's budget did not
    # move). The list: the session, the person with the navigation, the number of groups and
    # the page's groups (as many as it took for the notifications before).
    client.force_login(learner)
    url = reverse(page)
    testid = "dashboard-notification" if page == "core:home" else "notification"
    _fill(learner, other_learner, cohort, 5)
    client.get(url)  # the process compiles its prepared queries (core.prepared) once
    with django_assert_num_queries(budget):
        assert len(_lines(client.get(url).content.decode(), testid)) <= 5
    _fill(learner, other_learner, cohort, 200)
    with django_assert_num_queries(budget):
        html = client.get(url).content.decode()
    assert len(_lines(html, testid)) == lines
