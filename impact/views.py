"""The impact planner's pages. Every view loads its objects through impact/access.py:

- reading a plan (canvas, history, PDF): the experiment's team, its cohort's instructors and
  coordinators, and the superuser;
- changing a plan (statements, indicators, measurements): only the learners on the team,
  inline with htmx (the answer is the redrawn column or indicator list, or the refused form in
  place with a 4xx) and, without JavaScript, through plain forms that redirect back;
- rubric feedback on a phase 3 version: the cohort's instructors (and the superuser).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from core.access import Role, require_role
from core.http import AuthenticatedHttpRequest, content_disposition, download_name
from core.responses import action_refused
from impact.access import (
    get_impact_experiment_for_editor,
    get_impact_experiment_for_reader,
    get_indicator_for_editor,
    get_measurement_for_editor,
    get_statement_for_editor,
)
from learners.models import Membership
from workshops.access import get_submission_for_reviewer, is_experiment_instructor
from workshops.models import Experiment, ExperimentMember, Phase, Submission

from . import selectors, services
from .forms import IndicatorForm, MeasurementForm, PlanFeedbackForm, StatementForm
from .models import Column, Statement
from .rubric import PARTS


def _plan_url(experiment_id: int, anchor: str = "") -> str:
    url = reverse("impact:plan", args=[experiment_id])
    return f"{url}#{anchor}" if anchor else url


def _can_edit(user: Any, experiment: Experiment) -> bool:
    return (
        ExperimentMember.objects.filter(experiment=experiment, user=user).exists()
        and Membership.objects.filter(
            cohort_id=experiment.cohort_id, user=user, role=Membership.Role.LEARNER
        ).exists()
    )


def _feedback_context(user: Any, experiment: Experiment, is_instructor: bool) -> dict[str, Any]:
    """The rubric feedback shown with the plan: instructors see the latest phase 3 version's,
    the team only feedback whose review has been released."""
    versions = Submission.objects.filter(experiment=experiment, assignment__phase=Phase.PLAN)
    if not is_instructor:
        versions = versions.filter(review__isnull=False)
    submission = versions.order_by("-version").first()
    if submission is None:
        return {"feedback_submission": None, "feedback_rows": []}
    given = selectors.feedback_for(submission=submission)
    rows = [(part, given[part.code]) for part in PARTS if part.code in given]
    return {
        "feedback_submission": submission,
        "feedback_rows": rows,
        "feedback_released": services.is_released(submission),
    }


@login_required
def plan_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The plan as a canvas with its indicators, charts and tables (see the module docstring)."""
    experiment = get_impact_experiment_for_reader(request.user, pk)
    return _render_plan(request, experiment)


def _attach_forms(
    rows: list[selectors.IndicatorView],
    *,
    bound: MeasurementForm | None = None,
    bound_indicator_id: int | None = None,
    error: str = "",
) -> list[selectors.IndicatorView]:
    """For the team: a "record a value" form on each indicator, with ids of its own so each
    label finds its field; a refused value (or action) comes back on its own indicator with the
    reason."""
    for row in rows:
        if bound is not None and row.indicator.pk == bound_indicator_id:
            row.form = bound
        else:
            row.form = MeasurementForm(auto_id=f"id_m{row.indicator.pk}_%s")
        if row.indicator.pk == bound_indicator_id:
            row.error = error
    return rows


def _indicator_rows(
    experiment: Experiment, *, can_edit: bool, **bound: Any
) -> list[selectors.IndicatorView]:
    plan = selectors.plan_for(experiment=experiment)
    rows = selectors.plan_view(plan=plan).indicators if plan else []
    return _attach_forms(rows, **bound) if can_edit else rows


def _render_plan(
    request: AuthenticatedHttpRequest,
    experiment: Experiment,
    *,
    bound: MeasurementForm | None = None,
    bound_indicator_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    plan = selectors.plan_for(experiment=experiment)
    can_edit = _can_edit(request.user, experiment)
    is_instructor = is_experiment_instructor(request.user, experiment)
    view = selectors.plan_view(plan=plan) if plan else None
    columns = view.columns if view else selectors.empty_columns()
    if view and can_edit:
        _attach_forms(view.indicators, bound=bound, bound_indicator_id=bound_indicator_id)
    return render(
        request,
        "impact/plan_detail.html",
        {
            "experiment": experiment,
            "plan": plan,
            "view": view,
            "columns": columns,
            "main_columns": [c for c in columns if c.code in selectors.MAIN_COLUMNS],
            "side_columns": [c for c in columns if c.code not in selectors.MAIN_COLUMNS],
            "indicators": view.indicators if view else [],
            "can_edit": can_edit,
            "is_instructor": is_instructor,
            "statement_form": StatementForm() if can_edit else None,
            **_feedback_context(request.user, experiment, is_instructor),
        },
        status=status,
    )


def _column_response(
    request: HttpRequest,
    experiment: Experiment,
    column: str,
    *,
    form: StatementForm | None = None,
    focus: str = "",
    status: int = 200,
) -> HttpResponse:
    """The column partial for htmx; a redirect back to the canvas without JavaScript."""
    if not getattr(request, "htmx", False):
        if status >= 400 and form is not None:
            return action_refused(
                request,
                "; ".join(str(e) for errs in form.errors.values() for e in errs),
                back_url=_plan_url(experiment.pk, f"column-{column}"),
                status=status,
            )
        return redirect(_plan_url(experiment.pk, f"column-{column}"))
    return render(
        request,
        "impact/includes/_column.html",
        {
            "experiment": experiment,
            "column": selectors.column_view(experiment=experiment, column=column),
            "can_edit": True,
            "statement_form": form or StatementForm(),
            "focus": focus,
        },
        status=status,
    )


@login_required
def column(request: AuthenticatedHttpRequest, pk: int, column: str) -> HttpResponse:
    """Readers of the plan: one column (htmx "cancel" of an inline edit)."""
    experiment = get_impact_experiment_for_reader(request.user, pk)
    if column not in Column.values:
        raise Http404
    return render(
        request,
        "impact/includes/_column.html",
        {
            "experiment": experiment,
            "column": selectors.column_view(experiment=experiment, column=column),
            "can_edit": _can_edit(request.user, experiment),
            "statement_form": StatementForm(),
        },
    )


@login_required
@require_POST
def statement_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team: add a statement at the end of a column."""
    experiment = get_impact_experiment_for_editor(request.user, pk)
    column = request.POST.get("column", "")
    if column not in Column.values:
        return action_refused(
            request, _("Choose a column of the logic model."), back_url=_plan_url(pk)
        )
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            services.statement_add(
                experiment=experiment, column=column, text=form.cleaned_data["text"]
            )
        except services.ImpactError as exc:
            form.add_error("text", exc.message)
        else:
            return _column_response(request, experiment, column, focus=f"add-{column}")
    return _column_response(request, experiment, column, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def statement_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team: change a statement's text, inline (htmx) or on its own page without JS."""
    statement: Statement = get_statement_for_editor(request.user, pk)
    experiment = statement.plan.experiment
    status = 200
    if request.method == "POST":
        form = StatementForm(request.POST)
        if form.is_valid():
            try:
                services.statement_update(
                    statement=statement,
                    text=form.cleaned_data["text"],
                    # A form opened before the field existed carries none: not checked.
                    based_on=form.cleaned_data["based_on"] if "based_on" in request.POST else None,
                )
            except services.StatementChanged as exc:
                form.add_error("text", exc.message)
                # Saving again (after reading the mate's text) is the person's choice.
                data = request.POST.copy()
                data["based_on"] = exc.current
                form.data = data
            except services.ImpactError as exc:
                form.add_error("text", exc.message)
            else:
                response = _column_response(
                    request, experiment, statement.column, focus=f"edit-{statement.pk}"
                )
                # The inline form replaced only the statement; the answer redraws its column.
                response["HX-Retarget"] = f"#column-{statement.column}"
                response["HX-Reswap"] = "outerHTML"
                return response
        status = 400
    else:
        form = StatementForm(initial={"text": statement.text, "based_on": statement.text})
    template = (
        "impact/includes/_statement_form.html"
        if getattr(request, "htmx", False)
        else "impact/statement_edit.html"
    )
    return render(
        request,
        template,
        {"experiment": experiment, "statement": statement, "form": form},
        status=status,
    )


@login_required
@require_POST
def statement_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    statement: Statement = get_statement_for_editor(request.user, pk)
    experiment, column = statement.plan.experiment, statement.column
    services.statement_delete(statement=statement)
    if not getattr(request, "htmx", False):
        messages.success(request, _("The statement was removed."))
    return _column_response(request, experiment, column, focus=f"add-{column}")


@login_required
@require_POST
def statement_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team: move a statement up or down (buttons, so it works by keyboard and without JS)."""
    statement: Statement = get_statement_for_editor(request.user, pk)
    direction = request.POST.get("direction", "")
    try:
        services.statement_move(statement=statement, direction=direction)
    except services.ImpactError as exc:
        return action_refused(
            request, exc.message, back_url=_plan_url(statement.plan.experiment_id)
        )
    return _column_response(
        request,
        statement.plan.experiment,
        statement.column,
        focus=f"{direction}-{statement.pk}",
    )


# --- indicators and measurements -------------------------------------------------------------
#
# With htmx every indicator action answers with the indicator list (#indicator-list) redrawn,
# or, for a refused form, with that form and its reasons in place (HTTP 400). Without
# JavaScript the same URLs answer with a redirect back to the plan or a page of their own.


def _indicators_response(
    request: HttpRequest,
    experiment: Experiment,
    *,
    anchor: str = "indicators",
    focus: str = "",
    status: int = 200,
    bound: MeasurementForm | None = None,
    bound_indicator_id: int | None = None,
    error: str = "",
) -> HttpResponse:
    """The indicator list for htmx; a redirect back to the plan without JavaScript."""
    if not getattr(request, "htmx", False):
        return redirect(_plan_url(experiment.pk, anchor))
    response = render(
        request,
        "impact/includes/_indicators.html",
        {
            "experiment": experiment,
            "indicators": _indicator_rows(
                experiment,
                can_edit=True,
                bound=bound,
                bound_indicator_id=bound_indicator_id,
                error=error,
            ),
            "can_edit": True,
            "focus": focus,
        },
        status=status,
    )
    # Forms inside a single indicator (or the new-indicator slot) target themselves; the
    # answer redraws the whole list, which keeps order and the move buttons right.
    response["HX-Retarget"] = "#indicator-list"
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
def indicators(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Readers of the plan: the indicator list (htmx "cancel" of an inline indicator form)."""
    experiment = get_impact_experiment_for_reader(request.user, pk)
    if not getattr(request, "htmx", False):
        return redirect(_plan_url(experiment.pk, "indicators"))
    can_edit = _can_edit(request.user, experiment)
    return render(
        request,
        "impact/includes/_indicators.html",
        {
            "experiment": experiment,
            "indicators": _indicator_rows(experiment, can_edit=can_edit),
            "can_edit": can_edit,
            "focus": request.GET.get("focus", "")[:40] if can_edit else "",
        },
    )


def _indicator_fields(form: IndicatorForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "unit": data.get("unit", ""),
        "baseline": data.get("baseline"),
        "target": data.get("target"),
        "data_source": data.get("data_source", ""),
        "measured_when": data.get("measured_when", ""),
        "statement": data.get("statement"),
    }


def _indicator_form_response(
    request: HttpRequest,
    experiment: Experiment,
    form: IndicatorForm,
    indicator: Any,
    *,
    status: int,
) -> HttpResponse:
    """The indicator form: in place for htmx (with the reasons, 400), or a page of its own."""
    template = (
        "impact/includes/_indicator_form.html"
        if getattr(request, "htmx", False)
        else "impact/indicator_form.html"
    )
    return render(
        request,
        template,
        {"experiment": experiment, "form": form, "indicator": indicator},
        status=status,
    )


def _indicator_auto_id(indicator: Any) -> str:
    # Each inline form has ids of its own: the add form and an edit form can be open at once.
    return f"id_i{indicator.pk}_%s" if indicator is not None else "id_inew_%s"


@login_required
@require_http_methods(["GET", "POST"])
def indicator_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team: add an indicator tied to an outcome or impact statement."""
    experiment = get_impact_experiment_for_editor(request.user, pk)
    plan = selectors.plan_for(experiment=experiment)
    auto_id = _indicator_auto_id(None)
    status = 200
    if request.method == "POST":
        form = IndicatorForm(request.POST, plan=plan, auto_id=auto_id)
        if form.is_valid():
            try:
                indicator = services.indicator_save(
                    experiment=experiment, **_indicator_fields(form)
                )
            except services.ImpactError as exc:
                form.add_error(None, exc.message)
            else:
                if not getattr(request, "htmx", False):
                    messages.success(request, _("The indicator was added."))
                return _indicators_response(
                    request,
                    experiment,
                    anchor=f"indicator-{indicator.pk}",
                    focus=f"indicator-{indicator.pk}-name",
                )
        status = 400
    else:
        form = IndicatorForm(plan=plan, auto_id=auto_id)
    return _indicator_form_response(request, experiment, form, None, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team: change an indicator, inline (htmx) or on its own page without JS."""
    indicator = get_indicator_for_editor(request.user, pk)
    experiment = indicator.plan.experiment
    auto_id = _indicator_auto_id(indicator)
    status = 200
    if request.method == "POST":
        form = IndicatorForm(request.POST, instance=indicator, plan=indicator.plan, auto_id=auto_id)
        if form.is_valid():
            try:
                services.indicator_save(
                    experiment=experiment, indicator=indicator, **_indicator_fields(form)
                )
            except services.ImpactError as exc:
                form.add_error(None, exc.message)
            else:
                if not getattr(request, "htmx", False):
                    messages.success(request, _("The indicator was saved."))
                return _indicators_response(
                    request,
                    experiment,
                    anchor=f"indicator-{indicator.pk}",
                    focus=f"iedit-{indicator.pk}",
                )
        status = 400
        # A refused form keeps what was typed but not the half-changed object.
        indicator.refresh_from_db()
    else:
        form = IndicatorForm(instance=indicator, plan=indicator.plan, auto_id=auto_id)
    return _indicator_form_response(request, experiment, form, indicator, status=status)


@login_required
@require_POST
def indicator_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    indicator = get_indicator_for_editor(request.user, pk)
    experiment = indicator.plan.experiment
    services.indicator_delete(indicator=indicator)
    if not getattr(request, "htmx", False):
        messages.success(request, _("The indicator was removed."))
    return _indicators_response(request, experiment, focus="indicator-add")


@login_required
@require_POST
def indicator_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team: move an indicator up or down (buttons: keyboard and no-JS friendly)."""
    indicator = get_indicator_for_editor(request.user, pk)
    direction = request.POST.get("direction", "")
    try:
        services.indicator_move(indicator=indicator, direction=direction)
    except services.ImpactError as exc:
        return action_refused(
            request, exc.message, back_url=_plan_url(indicator.plan.experiment_id)
        )
    return _indicators_response(
        request,
        indicator.plan.experiment,
        anchor=f"indicator-{indicator.pk}",
        focus=f"i{direction}-{indicator.pk}",
    )


@login_required
@require_POST
def measurement_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team: record a measured value of an indicator directly in the planner."""
    indicator = get_indicator_for_editor(request.user, pk)
    experiment = indicator.plan.experiment
    form = MeasurementForm(request.POST, auto_id=f"id_m{indicator.pk}_%s")
    if form.is_valid():
        try:
            services.measurement_record(
                indicator=indicator,
                value=form.cleaned_data["value"],
                measured_on=form.cleaned_data["measured_on"],
                note=form.cleaned_data.get("note", ""),
                by=request.user,
            )
        except services.ImpactError as exc:
            form.add_error(None, exc.message)
        else:
            if not getattr(request, "htmx", False):
                messages.success(request, _("The value was recorded."))
            return _indicators_response(
                request,
                experiment,
                anchor=f"indicator-{indicator.pk}",
                focus=f"measurements-{indicator.pk}",
            )
    if getattr(request, "htmx", False):
        # The list again, the value as it was typed in its open form with the reason beside it.
        return _indicators_response(
            request,
            experiment,
            focus=f"record-form-{indicator.pk}",
            status=400,
            bound=form,
            bound_indicator_id=indicator.pk,
        )
    # The plan again, with the value as it was typed and the reason beside it.
    return _render_plan(
        request,
        experiment,
        bound=form,
        bound_indicator_id=indicator.pk,
        status=400,
    )


@login_required
@require_POST
def measurement_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    measurement = get_measurement_for_editor(request.user, pk)
    indicator = measurement.indicator
    experiment = indicator.plan.experiment
    back = _plan_url(experiment.pk, f"indicator-{indicator.pk}")
    try:
        services.measurement_delete(measurement=measurement)
    except services.ImpactError as exc:
        if getattr(request, "htmx", False):
            return _indicators_response(
                request,
                experiment,
                focus=f"indicator-{indicator.pk}-error",
                status=409,
                bound_indicator_id=indicator.pk,
                error=exc.message,
            )
        return action_refused(request, exc.message, back_url=back, status=409)
    if not getattr(request, "htmx", False):
        messages.success(request, _("The value was removed."))
    return _indicators_response(
        request,
        experiment,
        anchor=f"indicator-{indicator.pk}",
        focus=f"measurements-{indicator.pk}",
    )


# --- history, PDF and review -----------------------------------------------------------------


@login_required
def plan_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Readers of the plan: each snapshot taken with a phase version, and what changed."""
    experiment = get_impact_experiment_for_reader(request.user, pk)
    plan = selectors.plan_for(experiment=experiment)
    return render(
        request,
        "impact/plan_history.html",
        {
            "experiment": experiment,
            "plan": plan,
            "history": selectors.history(plan=plan) if plan else [],
        },
    )


@login_required
def plan_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Readers of the plan: the canvas and indicators on one A4 page."""
    from .pdf import plan_pdf as render_pdf

    experiment = get_impact_experiment_for_reader(request.user, pk)
    plan = selectors.plan_for(experiment=experiment)
    pdf = render_pdf(experiment=experiment, plan=plan)
    if pdf is None:
        return render(
            request,
            "403.html",
            {"reason": _("PDF export is not available on this server.")},
            status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    # Named in the reader's language, as the page that links it, with the experiment's title.
    name = download_name(
        pgettext("file name of the impact plan download", "impact-plan"),
        experiment.title,
        extension="pdf",
    )
    response["Content-Disposition"] = content_disposition(name)
    return response


@require_role(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def plan_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the cohort: rubric feedback on the impact plan of a phase 3 version, with
    what changed in the plan since the previous version. The team sees it once released."""
    submission = get_submission_for_reviewer(request.user, pk)
    experiment = submission.experiment  # no query when the submission has no experiment
    if experiment is None or submission.assignment.phase != Phase.PLAN:
        raise Http404
    released = services.is_released(submission)
    given = selectors.feedback_for(submission=submission)
    status = 200
    if request.method == "POST":
        form = PlanFeedbackForm(request.POST)
        if form.is_valid():
            try:
                services.plan_feedback_save(
                    submission=submission, by=request.user, parts=form.parts()
                )
            except services.ImpactError as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(
                    request,
                    _(
                        "The feedback on the impact plan was saved. The team sees it when the "
                        "review is released."
                    ),
                )
                return redirect("impact:review", pk=submission.pk)
        else:
            status = 400
    else:
        initial: dict[str, Any] = {}
        for code, feedback in given.items():
            initial[f"level_{code}"] = feedback.level
            initial[f"comment_{code}"] = feedback.comment
        form = PlanFeedbackForm(initial=initial)
    plan = selectors.plan_for(experiment=experiment)
    view = selectors.plan_view(plan=plan) if plan else None
    return render(
        request,
        "impact/plan_review.html",
        {
            "submission": submission,
            "experiment": experiment,
            "columns": view.columns if view else selectors.empty_columns(),
            "indicators": view.indicators if view else [],
            "changes": selectors.changes_since_snapshot(submission=submission),
            "form": form,
            "parts": [
                (part, form[f"level_{part.code}"], form[f"comment_{part.code}"]) for part in PARTS
            ],
            "released": released,
        },
        status=status,
    )
