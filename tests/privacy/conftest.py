"""A week of a team's work in one cohort: one record of every kind the archive must hold.

Oona (`learner`) and Olli (`other_learner`) run a team experiment; Oona also ran a solo one.
Their instructor reviewed Oona's answer, Olli gave her peer feedback and she gave him some,
both wrote in the phase thread, the impact plan has a statement, an indicator and a
measurement, the card has a question from the network, and Oona has a certificate.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from courses.models import Certificate, Completion, QuizAttempt, Reflection
from impact.models import ImpactPlan, Indicator, Measurement, PlanFeedback, PlanSnapshot, Statement
from learners.models import Membership
from notifications.models import Notification, NotificationPreference
from portfolio.models import Card, CardMessage
from tests import factories
from workshops.models import (
    Attendance,
    Draft,
    Experiment,
    ExperimentEvent,
    ExperimentMember,
    PeerReview,
    PhaseComment,
    RunLogEntry,
    Submission,
    WorkshopSession,
)

NAME = ("Oona", "Mäkelä")
EMAIL = "oona@example.fi"


@dataclass
class World:
    learner: Any
    team_mate: Any
    instructor: Any
    cohort: Any
    team_experiment: Experiment
    solo_experiment: Experiment
    answer: Submission
    answer_v2: Submission
    solo_answer: Submission
    certificate: Certificate
    card: Card


@pytest.fixture
def world(learner, other_learner, instructor, cohort, course, assignment) -> World:
    learner.last_name = NAME[1]
    learner.save()
    item = course.modules.first().items.first()
    workshop = assignment.workshop
    Completion.objects.create(user=learner, item=item)
    QuizAttempt.objects.create(
        user=learner, item=item, number=1, score=80, passed=True, answers={"1": [2]}
    )
    Reflection.objects.create(user=learner, item=item, text="Opin verkostoista paljon.")
    team = Experiment.objects.create(
        workshop=workshop,
        cohort=cohort,
        title="Kyläkyydit",
        challenge="Matkaketjut katkeavat kylissä.",
        created_by=learner,
    )
    for person in (learner, other_learner):
        ExperimentMember.objects.create(
            experiment=team, user=person, cohort=cohort, workshop=workshop
        )
    other_workshop = factories.WorkshopFactory(course=course, title="Toinen työpaja")
    other_assignment = factories.AssignmentFactory(workshop=other_workshop)
    solo = Experiment.objects.create(
        workshop=other_workshop,
        cohort=cohort,
        title="Oonan oma kokeilu",
        challenge=f"Minä, {NAME[0]} {NAME[1]}, kokeilen yksin.",
        created_by=learner,
    )
    ExperimentMember.objects.create(
        experiment=solo, user=learner, cohort=cohort, workshop=other_workshop
    )
    ExperimentEvent.objects.create(
        experiment=team, actor=learner, kind=ExperimentEvent.Kind.CREATED, phase=1, cycle=1
    )
    answer = factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        experiment=team,
        version=1,
        text="Ensimmäinen versio tiimin haasteesta.",
        status=Submission.Status.REVISION_REQUESTED,
    )
    answer_v2 = factories.SubmissionFactory(
        assignment=assignment,
        cohort=cohort,
        learner=learner,
        experiment=team,
        version=2,
        text="Toinen versio tiimin haasteesta.",
    )
    factories.SubmissionFileFactory(
        submission=answer,
        original_name="haaste.pdf",
        file=ContentFile(b"%PDF-1.4 tiimin liite", name="haaste.pdf"),
    )
    solo_answer = factories.SubmissionFactory(
        assignment=other_assignment,
        cohort=cohort,
        learner=learner,
        experiment=solo,
        text="Oma vastaukseni, terveisin Oona.",
    )
    solo_file = factories.SubmissionFileFactory(
        submission=solo_answer,
        original_name="oma.pdf",
        file=ContentFile(b"%PDF-1.4 oma liite", name="oma.pdf"),
    )
    review = factories.ReviewFactory(
        submission=answer,
        reviewer=instructor,
        decision="revise",
        feedback="Hyvä alku, Oona. Tarkenna kohderyhmää.",
    )
    Draft.objects.create(experiment=team, phase=1, learner=learner, text="Luonnos kesken.")
    RunLogEntry.objects.create(
        experiment=solo,
        author=learner,
        happened_on=datetime.date(2026, 10, 1),
        kind=RunLogEntry.Kind.PHOTO,
        text="Kuva pysäkiltä.",
        photo=ContentFile(b"\x89PNG kuva", name="pysakki.png"),
    )
    PhaseComment.objects.create(
        experiment=team, phase=1, author=learner, text="Kiitos palautteesta! t. Oona Mäkelä"
    )
    PhaseComment.objects.create(
        experiment=team, phase=1, author=instructor, text="Hei Oona, hyvä kysymys."
    )
    olli_answer = factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=other_learner, text="Ollin vastaus."
    )
    PeerReview.objects.create(
        submission=answer,
        reviewer=other_learner,
        status=PeerReview.Status.DONE,
        works="Selkeä haaste.",
        given_at=timezone.now(),
    )
    PeerReview.objects.create(
        submission=olli_answer,
        reviewer=learner,
        status=PeerReview.Status.DONE,
        works="Hyvä idea, Olli.",
        given_at=timezone.now(),
    )
    plan = ImpactPlan.objects.create(experiment=team)
    statement = Statement.objects.create(plan=plan, column="short_term", text="Kyydit löytyvät.")
    indicator = Indicator.objects.create(plan=plan, statement=statement, name="Kyytejä viikossa")
    Measurement.objects.create(
        indicator=indicator,
        value=Decimal("12"),
        measured_on=datetime.date(2026, 10, 8),
        recorded_by=learner,
    )
    PlanSnapshot.objects.create(plan=plan, submission=answer, phase=1, cycle=1, data={"s": 1})
    PlanFeedback.objects.create(
        submission=answer, part="indicators", level=2, comment="Mittari on hyvä.", author=instructor
    )
    card = Card.objects.create(
        experiment=team, title="Kyläkyydit", summary="Kyytejä kylille.", contacts=EMAIL
    )
    asker = factories.UserFactory(email="kysyja@example.fi")
    CardMessage.objects.create(card=card, author=asker, text="Miten Oona Mäkelä aloitti?")
    CardMessage.objects.create(card=card, author=learner, text="Vastaan: kysy lisää.")
    certificate = Certificate.objects.create(
        user=learner,
        course=course,
        cohort=cohort,
        code="AAAA-CERT-0001",
        status=Certificate.Status.ISSUED,
        learner_name="Oona Mäkelä",
        course_title=course.title,
        issued_at=timezone.now(),
        credential={"credentialSubject": {"name": "Oona Mäkelä", "email": EMAIL}},
        pdf=ContentFile(b"%PDF-1.4 todistus", name="todistus.pdf"),
    )
    Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="review-1",
        subject="Palautetta saatavilla",
        body="Hei Oona, vastauksesi on arvioitu.",
        email_status=Notification.EmailStatus.SENT,
    )
    Notification.objects.create(
        recipient=instructor,
        category=Notification.Category.REVIEWS,
        key="submitted-1",
        subject="Oona Mäkelä lähetti vastauksen",
        body=f"Oona Mäkelä ({EMAIL}) lähetti vastauksen.",
        email_status=Notification.EmailStatus.SENT,
    )
    NotificationPreference.objects.create(user=learner, email_modes={"reviews": "daily"})
    session = WorkshopSession.objects.create(
        workshop=workshop,
        cohort=cohort,
        title="Työpaja 1",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=2),
    )
    Attendance.objects.create(
        session=session, learner=learner, status="present", recorded_by=instructor
    )
    assert solo_file.file
    assert review.pk
    return World(
        learner=learner,
        team_mate=other_learner,
        instructor=instructor,
        cohort=cohort,
        team_experiment=team,
        solo_experiment=solo,
        answer=answer,
        answer_v2=answer_v2,
        solo_answer=solo_answer,
        certificate=certificate,
        card=card,
    )


def learner_count(cohort) -> int:
    return cohort.memberships.filter(role=Membership.Role.LEARNER).count()
