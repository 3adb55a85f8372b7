"""Issue #11 items 1 and 14: staff read a learner's phase state from their experiment team, and
at-risk, reminders and nudges follow the real reason (the instructor's delay is not the
learner's; a nudge speaks to the reason and replies go to the coordinator).

The story is the demo's: Sanna and Jari share one experiment. Sanna sends phase 1, the
instructor asks for a revision, Jari sends version 2 and it is approved. Then phase 2 is sent
and waits for review while phase 3's due date passes.
"""

import datetime
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from learners import exports, selectors
from learners.progress_page import cohort_progress_page
from notifications.models import Notification
from tests import factories
from workshops import services as workshop_services
from workshops.models import Review, Submission
from workshops.reminders import deadline_reminders_due

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days):
    return NOW - datetime.timedelta(days=days)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def started(cohort):
    cohort.start_date = (NOW - datetime.timedelta(days=60)).date()
    cohort.save()
    return cohort


@pytest.fixture
def phases(assignment):
    """Phases 1-3 of the workshop; phase 3 was due 20 days ago."""
    second = factories.AssignmentFactory(
        workshop=assignment.workshop, phase=2, title="Idea ja hypoteesi"
    )
    third = factories.AssignmentFactory(
        workshop=assignment.workshop, phase=3, title="Kokeilusuunnitelma", due_days=40
    )
    return assignment, second, third


@pytest.fixture
def sanna(learner):
    return learner


@pytest.fixture
def jari(other_learner):
    return other_learner


def send(learner, assignment, cohort, text, experiment):
    submission = workshop_services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, text=text, experiment=experiment
    )
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.RECEIVED)
    submission.refresh_from_db()
    return submission


def review(submission, instructor, decision, when):
    result = workshop_services.submission_review(
        submission=submission,
        reviewer=instructor,
        decision=decision,
        feedback="Tarkenna kohderyhmää." if decision == "revise" else "Hyvä.",
    )
    Review.objects.filter(pk=result.pk).update(created_at=when)
    return result


@pytest.fixture
def team(started, sanna, jari, instructor, phases, django_capture_on_commit_callbacks):
    """Sanna's v1 got a revision request 25 days ago; Jari's v2 was approved 20 days ago."""
    first = phases[0]
    with django_capture_on_commit_callbacks(execute=True):
        experiment = workshop_services.experiment_create(
            learner=sanna, workshop=first.workshop, cohort=started, title="Kimppakyyti"
        )
        workshop_services.experiment_add_member(experiment=experiment, by=sanna, email=jari.email)
        v1 = send(sanna, first, started, "Haaste: kyydit.", experiment)
        review(v1, instructor, "revise", ago(25))
        v2 = send(jari, first, started, "Haaste: kyydit kuntien välillä.", experiment)
        review(v2, instructor, "approve", ago(20))
    experiment.refresh_from_db()
    return experiment


def state_of(overview, learner):
    row = next(r for r in overview.rows if r.learner.pk == learner.pk)
    return {a.phase: (s.status if s else None) for a, s in row.submissions}


def test_a_team_mates_approved_version_is_every_members_phase_state(team, sanna, jari, started):
    overview = selectors.cohort_overview(cohort=started)
    assert state_of(overview, sanna) == {1: "approved", 2: None, 3: None}
    assert state_of(overview, jari) == {1: "approved", 2: None, 3: None}
    # A page of the progress section reads the same rule for its learners.
    paged = cohort_progress_page(cohort=started, query=sanna.email)[1]
    assert [r.learner.pk for r in paged.rows] == [sanna.pk]
    assert state_of(paged, sanna) == {1: "approved", 2: None, 3: None}


def test_the_heatmap_and_table_show_sanna_her_teams_approval(
    client_for, coordinator, team, sanna, started
):
    client = client_for(coordinator)
    for view in ("grid", "table"):
        page = client.get(reverse("learners:cohort_detail", args=[started.pk]) + f"?view={view}")
        html = page.content.decode()
        row = html[html.index(f'data-learner="{sanna.email}"') :]
        row = row[: row.index("</tr>")]
        assert 'data-status="approved"' in row, view
        assert 'data-status="revision"' not in row, view


def test_a_revision_a_team_mate_answered_does_not_put_anyone_at_risk(
    team, sanna, jari, started, phases
):
    flagged = {
        r.learner.pk: r.reasons
        for r in selectors.at_risk(cohort=started, now=NOW)
        if any("Revision requested" in reason for reason in r.reasons)
    }
    assert flagged == {}


def test_an_untouched_revision_flags_the_whole_team_not_just_its_author(
    started, sanna, jari, instructor, phases, django_capture_on_commit_callbacks, english
):
    first = phases[0]
    with django_capture_on_commit_callbacks(execute=True):
        experiment = workshop_services.experiment_create(
            learner=sanna, workshop=first.workshop, cohort=started, title="Kimppakyyti"
        )
        workshop_services.experiment_add_member(experiment=experiment, by=sanna, email=jari.email)
        v1 = send(sanna, first, started, "Haaste.", experiment)
        review(v1, instructor, "revise", ago(20))
    rows = {r.learner: r for r in selectors.at_risk(cohort=started, now=NOW)}
    assert set(rows) == {sanna, jari}
    assert rows[jari].revisions == [first.title]


def test_the_timeline_shows_the_team_mates_version_and_its_review(
    client_for, coordinator, team, sanna, jari, started, english
):
    events = selectors.learner_timeline(cohort=started, learner=sanna)
    texts = [e.text for e in events]
    assert any(t.startswith(f"{jari.display_name} sent version 2") for t in texts), texts
    assert any("Approve" in t for t in texts if e_kind(events, t) == "review"), texts
    assert (
        client_for(coordinator)
        .get(reverse("learners:timeline", args=[started.pk, sanna.pk]))
        .status_code
        == 200
    )


def e_kind(events, text):
    return next(e.kind for e in events if e.text == text)


def test_a_phase_that_waits_for_the_instructors_review_is_their_delay_not_the_learners(
    client_for, coordinator, team, sanna, jari, started, phases, instructor, english
):
    second, third = phases[1], phases[2]
    # Both were learners when phase 3 was due (a phase due before joining is not theirs).
    for person in (sanna, jari):
        person.memberships.update(joined_at=ago(30))
    v = send(jari, second, started, "Hypoteesi.", team)
    Submission.objects.filter(pk=v.pk).update(submitted_at=ago(21), processed_at=ago(21))
    # Phase 3 was due 20 days ago but cannot open before phase 2 is reviewed.
    rows, delays = selectors.at_risk_and_delays(cohort=started, now=NOW)
    assert not any(third.title in reason for r in rows for reason in r.reasons)
    assert {(d.learner, d.title, d.waiting_title) for d in delays} == {
        (sanna, third.title, second.title),
        (jari, third.title, second.title),
    }
    assert {d.waiting_days for d in delays} == {21}
    page = client_for(coordinator).get(reverse("learners:at_risk", args=[started.pk]))
    html = page.content.decode()
    assert 'data-testid="staff-delays"' in html
    assert f'data-testid="delay-{sanna.email}"' in html
    assert f'data-testid="at-risk-{sanna.email}"' not in html
    delay = ngettext(
        "Instructor's delay: %(days)s day", "Instructor's delay: %(days)s days", 21
    ) % {"days": 21}
    assert delay in unescape(html)
    # Once the instructor asks for a revision the phase is the learners' again; phase 3 is
    # still not theirs to send, but the revision is overdue work that is theirs.
    summary = client_for(coordinator).get(reverse("learners:dashboard", args=[started.pk]))
    assert 'data-testid="figure-waiting-on-staff"' in summary.content.decode()
    assert selectors.cohort_summary(cohort=started, now=NOW).waiting_on_staff == 2
    review(Submission.objects.get(pk=v.pk), instructor, "revise", ago(1))
    rows, delays = selectors.at_risk_and_delays(cohort=started, now=NOW)
    assert delays == []
    assert {r.learner for r in rows if any(third.title in x for x in r.reasons)} == {sanna, jari}


def test_deadline_reminders_follow_the_team_not_the_author(team, sanna, jari, started, phases):
    # Phase 2 due in two days, nothing sent: both members are reminded, whoever sent phase 1.
    second = phases[1]
    second.due_days = (timezone.localdate() - started.start_date).days + 2
    second.save()
    due = deadline_reminders_due(today=timezone.localdate())
    assert [sorted(u.email for u in r.learners) for r in due] == [sorted([sanna.email, jari.email])]
    send(sanna, second, started, "Idea.", team)
    assert deadline_reminders_due(today=timezone.localdate()) == []


def test_a_nudge_speaks_to_the_revision_and_replies_go_to_the_coordinator(
    client_for,
    started,
    sanna,
    jari,
    instructor,
    coordinator,
    phases,
    django_capture_on_commit_callbacks,
    english,
):
    first = phases[0]
    sanna.language = "en"
    sanna.save()
    with django_capture_on_commit_callbacks(execute=True):
        experiment = workshop_services.experiment_create(
            learner=sanna, workshop=first.workshop, cohort=started, title="Kimppakyyti"
        )
        v1 = send(sanna, first, started, "Haaste.", experiment)
        review(v1, instructor, "revise", ago(20))
    # Sanna was active today: a lesson done this morning.
    from courses.models import Completion, Item

    Completion.objects.create(
        user=sanna, item=Item.objects.filter(module__course=started.course)[0]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(instructor).post(
            reverse("learners:nudge", args=[started.pk, sanna.pk])
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert "have not seen you" not in message.body
    assert f"your revision of {first.title} is still waiting" in message.body
    assert message.reply_to == [coordinator.email]
    assert coordinator.display_name in message.body
    assert Notification.objects.get(recipient=sanna, key__startswith="nudge").reply_to == (
        coordinator.email
    )


def test_a_nudge_to_someone_silent_says_so_and_the_coordinator_answers_their_own(
    client_for, started, learner, coordinator, django_capture_on_commit_callbacks, english
):
    learner.language = "en"
    learner.save()
    learner.memberships.update(joined_at=ago(40))
    with django_capture_on_commit_callbacks(execute=True):
        client_for(coordinator).post(reverse("learners:nudge", args=[started.pk, learner.pk]))
    [message] = mail.outbox
    assert "we have not seen you in the course for a while" in message.body
    assert message.reply_to == [coordinator.email]


def test_a_nudge_is_refused_to_an_instructor_of_another_cohort(
    client_for, started, learner, other_instructor
):
    response = client_for(other_instructor).post(
        reverse("learners:nudge", args=[started.pk, learner.pk])
    )
    assert response.status_code in (403, 404)
    assert mail.outbox == []


def test_the_progress_export_reads_the_team_too(team, sanna, started, phases, english):
    header, rows = exports.progress_table(started)
    rows = list(rows)
    row = next(r for r in rows if r[1] == sanna.email)
    assert "Revision requested" not in row[header.index("At risk")]
    assert row[header.index(f"1. {phases[0].title}")] == "Approved"
    assert row[header.index(f"2. {phases[1].title}")] == "Not submitted"


@pytest.mark.parametrize("learners", [5, 60])
def test_the_team_rule_keeps_its_query_count_flat(
    started, instructor, assignment, learners, django_assert_num_queries
):
    from tests.learners.bulk import grow_cohort

    grow_cohort(cohort=started, learners=learners, instructor=instructor)
    # The teams' members (1) and their latest versions (1).
    with django_assert_num_queries(2):
        latest = selectors.team_latest(cohort=started)
    assert latest
    # The same two (2); the memberships (1); the phases (1); the last completions (1),
    # versions (1) and reminders (1), for 5 learners or 60. (11 allowed before.)
    with django_assert_num_queries(7):
        selectors.at_risk_and_delays(cohort=started, now=NOW)


def test_in_the_demo_sanna_shows_her_teams_state_and_is_not_at_risk_for_it(demo_data):

    from core.models import User
    from learners.models import Membership

    sanna = User.objects.get(email__startswith="sanna.korhonen")
    cohort = Membership.objects.get(user=sanna, role="learner").cohort
    overview = selectors.cohort_overview(cohort=cohort)
    states = state_of(overview, sanna)
    jari = User.objects.get(email__startswith="jari.makinen")
    assert states == state_of(overview, jari)
    assert states[1] == "approved"
    assert states[2] == "received"
    flagged = {r.learner for r in selectors.at_risk(cohort=cohort) if r.revisions}
    assert sanna not in flagged
    assert jari not in flagged


def test_every_learner_waiting_on_staff_is_reachable_page_by_page(
    client_for, coordinator, team, sanna, jari, started, phases, monkeypatch
):
    """The summary counts every learner whose phase waits on an instructor and links to the
    at-risk page's list of them, which is paged on its own (`delays_page`): only its first
    page was reachable before (session 14). One learner a page here."""
    monkeypatch.setattr("learners.views.ROWS_PER_PAGE", 1)
    for person in (sanna, jari):
        person.memberships.update(joined_at=ago(30))
    v = send(jari, phases[1], started, "Hypoteesi.", team)
    Submission.objects.filter(pk=v.pk).update(submitted_at=ago(21), processed_at=ago(21))
    client = client_for(coordinator)
    url = reverse("learners:at_risk", args=[started.pk])
    shown = []
    for number in (1, 2):
        html = client.get(url, {"delays_page": number}).content.decode()
        shown += [p.split('"')[0] for p in html.split('<tr data-testid="delay-')[1:]]
        assert 'data-testid="delay-pages"' in html
    assert sorted(shown) == sorted([sanna.email, jari.email])
    assert "delays_page=2#staff-delays" in client.get(url).content.decode()
