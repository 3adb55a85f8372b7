"""Deadline reminders, grouped review-waiting notices and escalations: scans that never repeat."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from learners.models import Membership
from notifications.models import Mode, Notification, NotificationPreference
from tests import factories
from workshops import reminders, tasks
from workshops import services as workshop_services
from workshops.models import Experiment, Extension, Submission

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")
# The cohort fixture starts on 2026-09-01; phase 1 is due 14 days later, on 2026-09-15.
DUE = datetime.date(2026, 9, 15)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HELSINKI)


def days_before(n: int, hour: int = 9) -> datetime.datetime:
    return at(DUE - datetime.timedelta(days=n), hour)


@pytest.fixture
def clock(monkeypatch):
    """Move the scans' clock: clock(moment) makes the beat tasks run 'at' that moment."""

    def set_to(moment):
        monkeypatch.setattr(reminders, "_now", lambda: moment)

    return set_to


@pytest.fixture
def experiment(learner, cohort, assignment):
    assignment.due_days = 14
    assignment.save()
    return workshop_services.experiment_create(
        learner=learner,
        workshop=assignment.workshop,
        cohort=cohort,
        title="Liityntäkyyti asemalle",
        challenge="Kylistä on vaikea päästä asemalle.",
    )


def deadline_rows(user=None):
    qs = Notification.objects.filter(category=Notification.Category.DEADLINES)
    return qs.filter(recipient=user) if user else qs


def submit(experiment, assignment, learner, status, version=1):
    return factories.SubmissionFactory(
        experiment=experiment,
        assignment=assignment,
        cohort=experiment.cohort,
        learner=learner,
        status=status,
        version=version,
        cycle=experiment.cycle,
    )


# --- deadline reminders ----------------------------------------------------------------------


def test_a_learner_is_reminded_three_days_before_the_phase_is_due_once_even_if_beat_fires_twice(
    experiment, learner, clock, django_capture_on_commit_callbacks
):
    clock(days_before(3))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deadline_reminders_send() == 1
        assert tasks.deadline_reminders_send() == 0
    rows = list(deadline_rows(learner))
    assert len(rows) == 1
    assert rows[0].url == reverse("workshops:experiment", args=[experiment.pk])
    assert "15.9.2026" in rows[0].body or "2026" in rows[0].body
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.email]
    assert mail.outbox[0].extra_headers["X-Alueagentti-Category"] == "deadlines"


def test_the_one_day_reminder_is_a_second_separate_message(experiment, learner, clock):
    clock(days_before(3))
    tasks.deadline_reminders_send()
    clock(days_before(2))
    assert tasks.deadline_reminders_send() == 0  # the 3-day one was already sent
    clock(days_before(1))
    assert tasks.deadline_reminders_send() == 1
    keys = sorted(deadline_rows(learner).values_list("key", flat=True))
    assert [k.rsplit("-", 1)[1] for k in keys] == ["d1", "d3"]


def test_a_missed_scan_still_reminds_once_for_the_offset_it_missed(experiment, learner):
    # Beat was down three days before; two days before, the 3-day reminder goes out late.
    assert reminders.deadline_reminders_send(now=days_before(2)) == 1
    assert deadline_rows(learner).get().key.endswith("-d3")


def test_nothing_is_sent_in_the_night_or_outside_the_window(experiment, learner):
    assert reminders.deadline_reminders_send(now=days_before(3, hour=3)) == 0
    assert reminders.deadline_reminders_send(now=days_before(5)) == 0
    assert reminders.deadline_reminders_send(now=at(DUE + datetime.timedelta(days=1))) == 0
    assert not deadline_rows().exists()


@pytest.mark.parametrize(
    ("status", "reminded"),
    [
        (Submission.Status.RECEIVED, False),
        (Submission.Status.APPROVED, False),
        (Submission.Status.PROCESSING, False),
        (Submission.Status.REVISION_REQUESTED, True),
        (Submission.Status.REJECTED, True),
    ],
)
def test_only_phases_waiting_on_the_learner_are_reminded(
    experiment, assignment, learner, status, reminded
):
    submit(experiment, assignment, learner, status)
    sent = reminders.deadline_reminders_send(now=days_before(1))
    assert sent == (1 if reminded else 0)


def test_every_team_member_is_reminded_and_nobody_else(
    experiment, learner, other_learner, outsider_learner, instructor
):
    workshop_services.experiment_add_member(
        experiment=experiment, by=learner, email=other_learner.email
    )
    reminders.deadline_reminders_send(now=days_before(3))
    about_experiment = deadline_rows().filter(key__startswith=f"deadline-e{experiment.pk}-")
    assert set(about_experiment.values_list("recipient__email", flat=True)) == {
        learner.email,
        other_learner.email,
    }
    # The learner of another cohort hears only about starting her own experiment.
    assert [n.key for n in deadline_rows(outsider_learner)] == [
        f"deadline-start-k{outsider_learner.memberships.get().cohort_id}"
        f"-w{experiment.workshop_id}-{DUE.isoformat()}-d3"
    ]


def test_an_extension_moves_the_reminders_with_the_due_date(experiment, learner, instructor):
    Extension.objects.create(
        experiment=experiment,
        phase=1,
        due_on=DUE + datetime.timedelta(days=7),
        granted_by=instructor,
    )
    assert reminders.deadline_reminders_send(now=days_before(3)) == 0
    assert reminders.deadline_reminders_send(now=days_before(3 - 7)) == 1
    assert "2026-09-22" in deadline_rows(learner).get().key


def test_completed_experiments_and_phases_without_a_due_date_are_left_alone(
    experiment, assignment, learner
):
    Experiment.objects.filter(pk=experiment.pk).update(status=Experiment.Status.COMPLETED)
    assert reminders.deadline_reminders_send(now=days_before(3)) == 0
    Experiment.objects.filter(pk=experiment.pk).update(status=Experiment.Status.ACTIVE)
    assignment.due_days = None
    assignment.save()
    assert reminders.deadline_reminders_send(now=days_before(3)) == 0


def test_a_learner_who_turned_deadline_email_off_gets_the_in_app_reminder_only(
    experiment, learner, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(
        user=learner, email_modes={Notification.Category.DEADLINES: Mode.OFF}
    )
    with django_capture_on_commit_callbacks(execute=True):
        reminders.deadline_reminders_send(now=days_before(3))
    row = deadline_rows(learner).get()
    assert row.email_status == Notification.EmailStatus.SKIPPED
    assert mail.outbox == []


def test_a_learner_on_a_daily_digest_gets_the_reminder_in_the_digest(experiment, learner):
    NotificationPreference.objects.create(
        user=learner, email_modes={Notification.Category.DEADLINES: Mode.DAILY}
    )
    reminders.deadline_reminders_send(now=days_before(3))
    assert deadline_rows(learner).get().email_status == Notification.EmailStatus.DIGEST


def test_finding_due_reminders_takes_the_same_queries_for_many_experiments(
    cohort, assignment, django_assert_max_num_queries
):
    assignment.due_days = 14
    assignment.save()

    def add_experiments(n):
        for _i in range(n):
            person = factories.UserFactory()
            factories.MembershipFactory(cohort=cohort, user=person)
            workshop_services.experiment_create(
                learner=person, workshop=assignment.workshop, cohort=cohort, title="Kokeilu"
            )

    add_experiments(3)
    with django_assert_max_num_queries(5):
        assert len(reminders.deadline_reminders_due(today=DUE - datetime.timedelta(days=3))) == 3
    add_experiments(30)
    with django_assert_max_num_queries(5):
        assert len(reminders.deadline_reminders_due(today=DUE - datetime.timedelta(days=3))) == 33


# --- learners who have not started their experiment ----------------------------------------


@pytest.fixture
def phase_one_due(assignment):
    assignment.due_days = 14
    assignment.save()
    return assignment


def test_a_learner_without_an_experiment_is_reminded_to_start_it_once_even_if_beat_fires_twice(
    phase_one_due, cohort, learner, clock, django_capture_on_commit_callbacks
):
    clock(days_before(3))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.deadline_reminders_send.apply()
        tasks.deadline_reminders_send.apply()
    row = deadline_rows(learner).get()
    assert row.key == f"deadline-start-k{cohort.pk}-w{phase_one_due.workshop_id}-2026-09-15-d3"
    assert row.url == reverse("workshops:assignment", args=[phase_one_due.pk])
    assert phase_one_due.workshop.title in row.body  # names the workshop, not an experiment
    [email] = mail.outbox
    assert email.to == [learner.email]
    # The link goes through the signed follow link, which marks the notice read (session 11).
    from notifications.services import notification_follow_url

    assert notification_follow_url(row) in email.body


def test_starting_the_experiment_after_the_reminder_does_not_bring_a_second_one_that_day(
    phase_one_due, cohort, learner
):
    assert reminders.deadline_reminders_send(now=days_before(3)) == 1
    experiment = workshop_services.experiment_create(
        learner=learner, workshop=phase_one_due.workshop, cohort=cohort, title="Kyyti"
    )
    assert reminders.deadline_reminders_send(now=days_before(3, hour=15)) == 0
    # The one-day reminder is about the experiment itself, once.
    assert reminders.deadline_reminders_send(now=days_before(1)) == 1
    assert reminders.deadline_reminders_send(now=days_before(1)) == 0
    assert deadline_rows(learner).filter(key__startswith=f"deadline-e{experiment.pk}-").count() == 1
    assert deadline_rows(learner).count() == 2


def test_nobody_is_reminded_to_start_who_answered_or_is_staff_or_in_an_ended_cohort(
    phase_one_due, cohort, learner, other_learner, instructor, coordinator
):
    factories.SubmissionFactory(
        cohort=cohort, assignment=phase_one_due, learner=other_learner, status="received"
    )
    assert reminders.deadline_reminders_send(now=days_before(3)) == 1
    assert list(deadline_rows().values_list("recipient", flat=True)) == [learner.pk]
    cohort.end_date = DUE - datetime.timedelta(days=5)
    cohort.save()
    Notification.objects.all().delete()
    assert reminders.deadline_reminders_send(now=days_before(1)) == 0


def test_a_cohort_reminded_to_start_is_greeted_by_name_from_one_render_per_language(
    phase_one_due, cohort, monkeypatch
):
    from notifications import services

    people = [
        factories.MembershipFactory(
            cohort=cohort,
            user=factories.UserFactory(first_name=name, language=language),
        ).user
        for name, language in [
            ("Aino", "fi"),
            ("Börje", "sv"),
            ("Eeva <3", "fi"),
            ("Fredrik", "sv"),
            ("Grace", "en"),
        ]
    ]
    renders = []
    real_render = services._render_in
    monkeypatch.setattr(
        services,
        "_render_in",
        lambda language, **kw: renders.append(language) or real_render(language, **kw),
    )

    assert reminders.deadline_reminders_send(now=days_before(3)) == 5
    assert reminders.deadline_reminders_send(now=days_before(3)) == 0

    assert sorted(renders) == ["en", "fi", "sv"]
    emails = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 5
    for person in people:
        email = emails[person.email]
        assert person.first_name in email.body
        assert "alueagentti-name" not in email.body
        html = email.alternatives[0][0]
        assert "Eeva &lt;3" in html if person.first_name == "Eeva <3" else person.first_name in html
    assert "Börje" not in emails[people[0].email].body


def test_start_reminders_take_the_same_queries_for_many_learners(
    phase_one_due, cohort, django_assert_max_num_queries
):
    def add_learners(n):
        for _i in range(n):
            factories.MembershipFactory(cohort=cohort, user=factories.UserFactory())

    today = DUE - datetime.timedelta(days=3)
    add_learners(3)
    with django_assert_max_num_queries(5):
        [due] = reminders.start_reminders_due(today=today)
    assert len(due.learners) == 3
    add_learners(30)
    with django_assert_max_num_queries(5):
        [due] = reminders.start_reminders_due(today=today)
    assert len(due.learners) == 33


# --- review-waiting notices and escalations -------------------------------------------------


def waiting(cohort, assignment, learner, days, version=1):
    submission = factories.SubmissionFactory(
        cohort=cohort, assignment=assignment, learner=learner, version=version
    )
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=at(DUE) - datetime.timedelta(days=days)
    )
    return submission


def review_rows(user):
    return Notification.objects.filter(recipient=user, category=Notification.Category.REVIEWS)


def test_an_instructor_gets_one_grouped_notice_listing_every_waiting_answer(
    cohort,
    assignment,
    learner,
    other_learner,
    instructor,
    other_instructor,
    clock,
    django_capture_on_commit_callbacks,
):
    waiting(cohort, assignment, learner, days=2)
    waiting(cohort, assignment, other_learner, days=1)
    waiting(cohort, assignment, learner, days=0, version=2)
    clock(at(DUE))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.review_notices_send()
        tasks.review_notices_send()  # beat fires twice
    notice = review_rows(instructor).get()
    assert notice.key == "reviews-waiting-2026-09-15"
    assert notice.url == reverse("workshops:review_queue")
    assert notice.body.count(assignment.title) == 3
    assert not review_rows(other_instructor).exists()
    assert [m.to for m in mail.outbox] == [[instructor.email]]


def test_the_next_day_brings_a_new_notice_and_an_empty_queue_none(
    cohort, assignment, learner, instructor
):
    submission = waiting(cohort, assignment, learner, days=1)
    assert reminders.review_waiting_notices_send(now=at(DUE)) == 1
    assert reminders.review_waiting_notices_send(now=at(DUE + datetime.timedelta(days=1))) == 1
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.APPROVED)
    assert reminders.review_waiting_notices_send(now=at(DUE + datetime.timedelta(days=2))) == 0
    assert review_rows(instructor).count() == 2


def test_coordinators_are_told_once_when_an_answer_waits_past_the_review_target(
    cohort, assignment, learner, coordinator, instructor, clock
):
    factories.MembershipFactory(cohort=factories.CohortFactory(), user=factories.UserFactory())
    outsider_coordinator = factories.UserFactory()
    factories.MembershipFactory(
        cohort=factories.CohortFactory(),
        user=outsider_coordinator,
        role=Membership.Role.COORDINATOR,
    )
    late = waiting(cohort, assignment, learner, days=8)
    waiting(cohort, assignment, learner, days=5, version=2)
    clock(at(DUE))
    tasks.review_notices_send()
    tasks.review_notices_send()
    escalation = Notification.objects.get(recipient=coordinator)
    assert escalation.key == f"review-overdue-{late.pk}"
    assert escalation.url == reverse("learners:timeline", args=[cohort.pk, learner.pk])
    assert "8" in escalation.body
    assert not Notification.objects.filter(recipient=outsider_coordinator).exists()
    # The instructor's grouped notice marks the late one.
    assert review_rows(instructor).get().body.count(assignment.title) == 2


def test_an_answer_waits_from_when_its_files_were_checked_not_from_sending(
    cohort, assignment, learner, coordinator, instructor
):
    # Sent eight days ago, but the file checks finished only two days ago: not late yet.
    submission = waiting(cohort, assignment, learner, days=8)
    Submission.objects.filter(pk=submission.pk).update(
        processed_at=at(DUE) - datetime.timedelta(days=2)
    )
    assert reminders.review_escalations_send(now=at(DUE)) == 0
    reminders.review_waiting_notices_send(now=at(DUE))
    assert "odottanut 2 päivää" in review_rows(instructor).get().body  # "waiting 2 days"
    # Eight days after the checks it is past the seven-day target.
    assert reminders.review_escalations_send(now=at(DUE + datetime.timedelta(days=6))) == 1


def test_the_review_target_is_the_cohorts_own(cohort, assignment, learner, coordinator):
    cohort.review_target_days = 10
    cohort.save()
    waiting(cohort, assignment, learner, days=8)
    assert reminders.review_escalations_send(now=at(DUE)) == 0
    assert reminders.review_escalations_send(now=at(DUE + datetime.timedelta(days=3))) == 1


def test_review_scans_keep_their_query_count_with_more_answers(
    cohort, assignment, instructor, coordinator, django_assert_max_num_queries
):
    def add(n):
        for _i in range(n):
            waiting(cohort, assignment, factories.UserFactory(), days=9)

    add(2)
    with django_assert_max_num_queries(3):
        reminders._waiting_submissions(at(DUE))
    add(20)
    with django_assert_max_num_queries(3):
        assert len(reminders._waiting_submissions(at(DUE))) == 22


def test_the_scans_are_on_the_beat_schedule():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "workshops.tasks.deadline_reminders_send" in tasks_scheduled
    assert "workshops.tasks.review_notices_send" in tasks_scheduled


# --- the cohort setting ----------------------------------------------------------------------


def test_a_coordinator_sets_the_review_target_and_a_bad_value_is_refused(
    cohort, coordinator, client_for
):
    client = client_for(coordinator)
    url = reverse("learners:cohort_settings", args=[cohort.pk])
    data = {"inactivity_days": 14, "revision_days": 14, "review_target_days": 5}
    assert client.post(url, data).status_code == 302
    cohort.refresh_from_db()
    assert cohort.review_target_days == 5
    response = client.post(url, {**data, "review_target_days": 0, "inactivity_days": 20})
    assert response.status_code == 400  # refused, with the reason on the form
    cohort.refresh_from_db()
    assert (cohort.review_target_days, cohort.inactivity_days) == (5, 14)


def test_an_instructor_cannot_change_the_review_target(cohort, instructor, client_for):
    url = reverse("learners:cohort_settings", args=[cohort.pk])
    response = client_for(instructor).post(
        url, {"inactivity_days": 14, "revision_days": 14, "review_target_days": 1}
    )
    assert response.status_code in (403, 404)
    cohort.refresh_from_db()
    assert cohort.review_target_days == 7
