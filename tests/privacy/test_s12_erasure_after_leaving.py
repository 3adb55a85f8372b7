"""Erasing a learner who has left her team (session 12: leaving a cohort or a team removes her
team row) keeps the versions she sent for the team: they are the team's work, as while she was
on it. Only work she did alone goes."""

import pytest

from privacy import services
from workshops.models import ExperimentMember, SubmissionFile

pytestmark = pytest.mark.django_db


def test_the_team_keeps_the_versions_a_departed_member_sent(world, superuser):
    team = world.answer.experiment
    versions = set(team.submissions.values_list("pk", "text"))
    ExperimentMember.objects.filter(experiment=team, user=world.learner).delete()

    request = services.erasure_request(user=world.learner, requested_by=world.learner)
    services.erasure_carry_out(request=request, by=superuser)

    assert set(team.submissions.values_list("pk", "text")) == versions
    assert SubmissionFile.objects.filter(submission=world.answer).exists()
    world.solo_answer.refresh_from_db()
    assert "vastaukseni" not in world.solo_answer.text
