"""Editing the logic model: add, edit, delete and reorder statements, inline with htmx and
without JavaScript, and who may see or change a plan."""

import pytest
from django.urls import reverse

from impact.models import ImpactPlan, Statement
from learners.models import Membership
from tests.refusals import assert_refused
from workshops import services as workshop_services

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def column_texts(experiment, column):
    return list(
        Statement.objects.filter(plan__experiment=experiment, column=column)
        .order_by("position", "pk")
        .values_list("text", flat=True)
    )


def test_a_learner_adds_statements_inline_and_sees_the_column_redrawn(
    client_for, experiment, learner
):
    client = client_for(learner)
    url = reverse("impact:statement_add", args=[experiment.pk])
    client.post(url, {"column": "activities", "text": "Kyytikokeilu kolmesta kylästä"}, **HTMX)
    response = client.post(
        url, {"column": "activities", "text": "  Aikataulut  junien mukaan "}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="column-activities"' in html
    assert "Aikataulut junien mukaan" in html
    assert "<html" not in html  # only the column, for htmx to swap in
    assert column_texts(experiment, "activities") == [
        "Kyytikokeilu kolmesta kylästä",
        "Aikataulut junien mukaan",
    ]
    page = client.get(reverse("impact:plan", args=[experiment.pk]))
    assert "Kyytikokeilu kolmesta kylästä" in page.content.decode()


def test_without_javascript_adding_redirects_back_to_the_column(client_for, experiment, learner):
    response = client_for(learner).post(
        reverse("impact:statement_add", args=[experiment.pk]),
        {"column": "risks", "text": "Kuljettajat uupuvat"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#column-risks")
    assert column_texts(experiment, "risks") == ["Kuljettajat uupuvat"]


def test_an_empty_or_too_long_statement_is_refused_and_the_text_is_kept(
    client_for, experiment, learner
):
    client = client_for(learner)
    url = reverse("impact:statement_add", args=[experiment.pk])
    response = client.post(url, {"column": "outputs", "text": "   "}, **HTMX)
    assert response.status_code == 400
    long_text = "Pitkä lause " * 40
    response = client.post(url, {"column": "outputs", "text": long_text}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert long_text.strip()[:50] in html  # what they wrote is still in the box
    assert column_texts(experiment, "outputs") == []
    response = client.post(url, {"column": "nonsense", "text": "x"})
    assert_refused(response, 400, "Choose a column of the logic model.")


def test_a_statement_is_edited_inline_and_without_javascript(client_for, experiment, learner, plan):
    client = client_for(learner)
    statement = plan["statements"]["outputs"]
    url = reverse("impact:statement_edit", args=[statement.pk])
    form = client.get(url, **HTMX)
    assert form.status_code == 200
    assert 'data-testid="statement-edit-form"' in form.content.decode()
    assert "<html" not in form.content.decode()
    response = client.post(url, {"text": "50 kyytiä kuukaudessa"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#column-outputs"
    assert "50 kyytiä kuukaudessa" in response.content.decode()
    # Without JavaScript the edit link is a page of its own.
    page = client.get(url)
    assert "<html" in page.content.decode()
    response = client.post(url, {"text": "60 kyytiä kuukaudessa"})
    assert response.status_code == 302
    assert column_texts(experiment, "outputs") == ["60 kyytiä kuukaudessa"]
    response = client.post(url, {"text": ""}, **HTMX)
    assert response.status_code == 400
    assert column_texts(experiment, "outputs") == ["60 kyytiä kuukaudessa"]


def test_statements_move_up_and_down_and_stay_put_at_either_end(client_for, experiment, learner):
    client = client_for(learner)
    for text in ("A", "B", "C"):
        client.post(
            reverse("impact:statement_add", args=[experiment.pk]),
            {"column": "activities", "text": text},
        )
    a, b, c = Statement.objects.filter(plan__experiment=experiment).order_by("position")
    move = lambda s, d, **kw: client.post(  # noqa: E731
        reverse("impact:statement_move", args=[s.pk]), {"direction": d}, **kw
    )
    response = move(c, "up", **HTMX)
    assert response.status_code == 200
    assert f'data-impact-focus="up-{c.pk}"' in response.content.decode()
    assert column_texts(experiment, "activities") == ["A", "C", "B"]
    move(c, "up")
    assert column_texts(experiment, "activities") == ["C", "A", "B"]
    move(c, "up")  # already first
    assert column_texts(experiment, "activities") == ["C", "A", "B"]
    move(b, "down")  # already last
    move(a, "down")
    assert column_texts(experiment, "activities") == ["C", "B", "A"]
    assert_refused(move(a, "sideways"), 400, "Choose up or down.")


def test_deleting_a_statement_keeps_its_indicator_untied(client_for, experiment, learner, plan):
    client = client_for(learner)
    outcome = plan["statements"]["short_term"]
    response = client.post(reverse("impact:statement_delete", args=[outcome.pk]), **HTMX)
    assert response.status_code == 200
    assert column_texts(experiment, "short_term") == []
    plan["indicator"].refresh_from_db()
    assert plan["indicator"].statement is None
    page = client.get(reverse("impact:plan", args=[experiment.pk]))
    assert "Ei vielä liitetty tulokseen." in page.content.decode()


def test_the_team_edits_and_staff_of_the_cohort_only_read(
    client_for, experiment, learner, other_learner, instructor, coordinator, superuser, plan
):
    # Olli joins Oona's team: he may edit too.
    workshop_services.experiment_add_member(
        experiment=experiment, by=learner, email=other_learner.email
    )
    url = reverse("impact:plan", args=[experiment.pk])
    add = reverse("impact:statement_add", args=[experiment.pk])
    for member in (learner, other_learner):
        page = client_for(member).get(url)
        assert page.status_code == 200
        assert page.context["can_edit"] is True
        assert 'data-testid="statement-add-risks"' in page.content.decode()
    for reader in (instructor, coordinator, superuser):
        client = client_for(reader)
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["can_edit"] is False
        html = page.content.decode()
        assert "Kuljettajat uupuvat" in html
        assert "statement-add-" not in html
        assert 'data-testid="statement-edit"' not in html
        assert client.post(add, {"column": "risks", "text": "x"}).status_code == 404
        statement = plan["statements"]["risks"]
        assert (
            client.post(reverse("impact:statement_delete", args=[statement.pk])).status_code == 404
        )
    assert column_texts(experiment, "risks") == ["Kuljettajat uupuvat"]


def test_people_outside_the_team_and_cohort_get_404_everywhere(
    client_for, experiment, other_learner, outsider_learner, other_instructor, plan
):
    statement = plan["statements"]["risks"]
    indicator = plan["indicator"]
    read_urls = [
        reverse("impact:plan", args=[experiment.pk]),
        reverse("impact:history", args=[experiment.pk]),
        reverse("impact:pdf", args=[experiment.pk]),
        reverse("impact:column", args=[experiment.pk, "risks"]),
    ]
    write_posts = [
        (reverse("impact:statement_add", args=[experiment.pk]), {"column": "risks", "text": "x"}),
        (reverse("impact:statement_edit", args=[statement.pk]), {"text": "x"}),
        (reverse("impact:statement_move", args=[statement.pk]), {"direction": "up"}),
        (reverse("impact:statement_delete", args=[statement.pk]), {}),
        (reverse("impact:indicator_edit", args=[indicator.pk]), {"name": "x"}),
        (reverse("impact:indicator_delete", args=[indicator.pk]), {}),
        (reverse("impact:measurement_add", args=[indicator.pk]), {"value": "1"}),
    ]
    # A classmate in the same cohort, a learner and an instructor of another cohort.
    for person in (other_learner, outsider_learner, other_instructor):
        client = client_for(person)
        for url in read_urls:
            assert client.get(url).status_code == 404, (person, url)
        for url, data in write_posts:
            assert client.post(url, data).status_code == 404, (person, url)
    assert column_texts(experiment, "risks") == ["Kuljettajat uupuvat"]
    assert indicator.measurements.count() == 0


def test_a_former_learner_of_the_cohort_can_no_longer_edit(client_for, experiment, learner, cohort):
    Membership.objects.filter(user=learner, cohort=cohort).update(role=Membership.Role.COORDINATOR)
    response = client_for(learner).post(
        reverse("impact:statement_add", args=[experiment.pk]), {"column": "risks", "text": "x"}
    )
    assert response.status_code == 404


def test_the_plan_page_of_an_experiment_without_a_plan_creates_nothing(
    client_for, experiment, instructor
):
    page = client_for(instructor).get(reverse("impact:plan", args=[experiment.pk]))
    assert page.status_code == 200
    assert "Ei vielä mittareita." in page.content.decode()
    assert not ImpactPlan.objects.exists()


def test_the_experiment_page_and_phase_3_link_to_the_plan(
    client_for, experiment, learner, instructor, phases, plan
):
    from tests.impact.conftest import open_phase

    open_phase(experiment, 3)
    url = reverse("impact:plan", args=[experiment.pk])
    for person in (learner, instructor):
        page = client_for(person).get(reverse("workshops:experiment", args=[experiment.pk]))
        html = page.content.decode()
        assert 'data-testid="impact-plan-card"' in html
        assert url in html
        assert "7 kohtaa vaikutusketjussa" in html
    phase3 = client_for(learner).get(reverse("workshops:assignment", args=[phases[3].pk]))
    assert url in phase3.content.decode()
    phase1 = client_for(learner).get(reverse("workshops:assignment", args=[phases[1].pk]))
    assert 'data-testid="impact-plan-card"' not in phase1.content.decode()


def test_a_column_holds_a_short_list(experiment):
    from impact import services

    for n in range(services.MAX_STATEMENTS_PER_COLUMN):
        services.statement_add(experiment=experiment, column="risks", text=f"Riski {n}")
    with pytest.raises(services.ImpactError):
        services.statement_add(experiment=experiment, column="risks", text="Yksi liikaa")


def test_the_canvas_is_served_with_its_own_stylesheet_and_no_inline_styles(
    client_for, experiment, learner, plan
):
    html = client_for(learner).get(reverse("impact:plan", args=[experiment.pk])).content.decode()
    assert "css/impact.css" in html
    assert "js/impact.js" in html
    assert "style=" not in html
    assert "<style" not in html
