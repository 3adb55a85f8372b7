"""The rubric editor of a phase (*Muokkaa arviointikehikkoa*): adding and removing criteria,
moving them up and down, and adding, removing and re-pointing their levels, in fi | sv | en
side by side. Server-rendered forms, one per action; the writes are in
workshops/services_rubric.py.

Who may use it: the same people as the phase text editor (`workshops:phase_texts`), through the
same check (access.get_assignment_for_editor: the instructors and coordinators of a cohort
running the workshop's course, the course's authors and the superuser); 404 for anyone else.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.http import AuthenticatedHttpRequest
from core.responses import action_refused
from courses.forms import fields_per_language
from workshops.access import get_assignment_for_editor

from . import selectors
from . import services_rubric as rubric_services
from .forms import CriterionTextsForm, RubricLevelForm
from .models import Assignment, RubricCriterion, RubricLevel

# Empty level rows on the form that adds a criterion, and on each criterion's form.
NEW_CRITERION_LEVELS = 3
NEW_LEVELS = 1


@dataclass
class CriterionBlock:
    """One criterion on the editor page: its texts' form, its levels' forms, an empty row to
    add a level (not for a criterion in use) and what its form sends back."""

    criterion: RubricCriterion
    form: CriterionTextsForm
    levels: list[RubricLevelForm]
    new_levels: list[RubricLevelForm]
    in_use: bool
    levels_seen: str

    def forms(self) -> list[Any]:
        return [self.form, *self.levels, *self.new_levels]

    def level_rows(self) -> list[tuple[RubricLevel, RubricLevelForm]]:
        """(the level as stored, its form), by points."""
        return list(zip(self.criterion.levels.all(), self.levels, strict=True))


def _level_texts(form: RubricLevelForm) -> dict[str, str | None]:
    return {
        name: form.cleaned_data.get(name) for name in fields_per_language("label", "descriptor")
    }


def _criterion_texts(form: CriterionTextsForm) -> dict[str, str | None]:
    return {
        name: form.cleaned_data.get(name) for name in fields_per_language("title", "description")
    }


def _new_level_forms(data: Any, prefix: str, count: int) -> list[RubricLevelForm]:
    return [
        RubricLevelForm(
            data, prefix=f"{prefix}-new{n}", empty_permitted=True, use_required_attribute=False
        )
        for n in range(count)
    ]


def _changes(
    levels: list[RubricLevelForm], new_levels: list[RubricLevelForm]
) -> list[rubric_services.LevelChange]:
    """The level changes the valid forms ask for: every existing level, and each new row
    that was filled in."""
    changes = [
        rubric_services.LevelChange(
            level_id=form.instance.pk,
            points=form.cleaned_data["points"],
            texts=_level_texts(form),
            remove=bool(form.cleaned_data.get("remove")),
        )
        for form in levels
    ]
    changes += [
        rubric_services.LevelChange(
            level_id=None, points=form.cleaned_data["points"], texts=_level_texts(form)
        )
        for form in new_levels
        if form.has_changed()
    ]
    return changes


def _same(row: Any) -> Any:
    return row


def _blocks(
    criteria: list[RubricCriterion],
    *,
    in_use: set[int],
    data: Any = None,
    bound: int | None = None,
) -> list[CriterionBlock]:
    """The page's criteria; the one whose pk is `bound` gets the posted `data`."""
    blocks = []
    for criterion in criteria:
        posted = data if criterion.pk == bound else None
        # A bound form writes what was posted on its instance: the page's headings keep the
        # stored rows (a refused "5 points" must not show as the level's points).
        keep = copy.copy if posted is not None else _same
        prefix = f"c{criterion.pk}"
        used = criterion.pk in in_use
        levels = [
            RubricLevelForm(posted, instance=keep(level), prefix=f"{prefix}-l{level.pk}")
            for level in criterion.levels.all()
        ]
        if used:
            # Shown, not changeable: the service refuses a change of a used level's points.
            for form in levels:
                form.fields["points"].widget.attrs["readonly"] = True
        blocks.append(
            CriterionBlock(
                criterion=criterion,
                form=CriterionTextsForm(posted, instance=keep(criterion), prefix=prefix),
                levels=levels,
                new_levels=[] if used else _new_level_forms(posted, prefix, NEW_LEVELS),
                in_use=used,
                levels_seen=rubric_services.criterion_levels_seen(criterion),
            )
        )
    return blocks


def _render(
    request: AuthenticatedHttpRequest,
    assignment: Assignment,
    criteria: list[RubricCriterion],
    blocks: list[CriterionBlock],
    *,
    add_form: CriterionTextsForm | None = None,
    add_levels: list[RubricLevelForm] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    if add_form is None:
        add_form = CriterionTextsForm(prefix="new")
        add_levels = _new_level_forms(None, "new", NEW_CRITERION_LEVELS)
    return render(
        request,
        "workshops/rubric_edit.html",
        {
            "assignment": assignment,
            "blocks": blocks,
            "order": rubric_services.rubric_order(criteria),
            "add_form": add_form,
            "add_levels": add_levels,
            "errors": errors or [],
            "max_points": rubric_services.MAX_POINTS,
            "may_add": len(criteria) < rubric_services.MAX_CRITERIA,
            "full_note": _("A rubric can have at most %(count)s criteria.")
            % {"count": rubric_services.MAX_CRITERIA},
        },
        status=status,
    )


def _form_errors(forms: list[Any], *, levels_from: int = 1) -> list[str]:
    """Every error of these forms, as the alert at the top of the page lists them: the first
    form is the criterion's, the others its levels in the page's order ("Level 2 – Points:
    ..."), numbered from `levels_from`."""
    found: list[str] = []
    for index, form in enumerate(forms):
        where = _("Level %(n)s") % {"n": index - 1 + levels_from} + " – " if index else ""
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else None
            found += [f"{where}{capfirst(label)}: {e}" if label else f"{where}{e}" for e in errors]
    return list(dict.fromkeys(found))


def _rubric(assignment: Assignment) -> tuple[list[RubricCriterion], set[int]]:
    criteria = selectors.rubric(workshop_id=assignment.workshop_id, phase=assignment.phase)
    in_use = rubric_services.rubric_criteria_in_use(
        workshop_id=assignment.workshop_id,
        phase=assignment.phase,
        criterion_ids=[c.pk for c in criteria],
    )
    return criteria, in_use


def _status(exc: rubric_services.RubricError) -> int:
    """409 for a state that stops the change (the rubric changed, or is in use), else 400."""
    changed = (rubric_services.RubricChanged, rubric_services.RubricLocked)
    return 409 if isinstance(exc, changed) else 400


def _editor_url(assignment: Assignment) -> str:
    return reverse("workshops:rubric_edit", args=[assignment.pk])


def _criterion_of(assignment: Assignment, criterion_pk: int) -> RubricCriterion:
    """A criterion of this phase's rubric; 404 for any other."""
    return get_object_or_404(
        RubricCriterion, pk=criterion_pk, workshop_id=assignment.workshop_id, phase=assignment.phase
    )


@login_required
@require_http_methods(["GET", "POST"])
def rubric_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The phase text editor's people (access.get_assignment_for_editor: the instructors and
    coordinators of a cohort running the course, its authors, the superuser; 404 for anyone
    else): the phase's rubric to build. A POST adds a criterion with its levels at the end; a
    bad one is a 400 that saves nothing."""
    assignment = get_assignment_for_editor(request.user, pk)
    criteria, in_use = _rubric(assignment)
    if request.method != "POST":
        return _render(request, assignment, criteria, _blocks(criteria, in_use=in_use))
    add_form = CriterionTextsForm(request.POST, prefix="new")
    add_levels = _new_level_forms(request.POST, "new", NEW_CRITERION_LEVELS)
    every_form = [add_form, *add_levels]
    status = 400
    if all([f.is_valid() for f in every_form]):  # a list: every form shows its errors
        try:
            rubric_services.rubric_criterion_add(
                workshop_id=assignment.workshop_id,
                phase=assignment.phase,
                texts=_criterion_texts(add_form),
                levels=_changes([], add_levels),
            )
        except rubric_services.RubricError as exc:
            add_form.add_error(None, exc.message)
            status = _status(exc)
        else:
            messages.success(request, _("The criterion was added to the rubric."))
            return redirect(_editor_url(assignment))
    return _render(
        request,
        assignment,
        criteria,
        _blocks(criteria, in_use=in_use),
        add_form=add_form,
        add_levels=add_levels,
        errors=_form_errors(every_form),
        status=status,
    )


@login_required
@require_POST
def rubric_criterion_save(
    request: AuthenticatedHttpRequest, pk: int, criterion_pk: int
) -> HttpResponse:
    """The phase text editor's people (access.get_assignment_for_editor; 404 for anyone else):
    save one criterion's texts and levels (points, new and removed levels). Bad input is a
    400, a criterion used in reviews whose levels or points would change, or a rubric changed
    since the page was shown, a 409; either saves nothing."""
    assignment = get_assignment_for_editor(request.user, pk)
    _criterion_of(assignment, criterion_pk)
    criteria, in_use = _rubric(assignment)
    blocks = _blocks(criteria, in_use=in_use, data=request.POST, bound=criterion_pk)
    block = next((b for b in blocks if b.criterion.pk == criterion_pk), None)
    if block is None:  # removed after the check above
        return action_refused(
            request,
            rubric_services.RubricChanged().message,
            back_url=_editor_url(assignment),
            status=409,
        )
    # The new-level rows as posted, even for a criterion in use (the service refuses them).
    if block.in_use:
        block.new_levels = _new_level_forms(request.POST, f"c{criterion_pk}", NEW_LEVELS)
    status = 400
    if all([f.is_valid() for f in block.forms()]):
        try:
            rubric_services.rubric_criterion_update(
                workshop_id=assignment.workshop_id,
                phase=assignment.phase,
                criterion_id=criterion_pk,
                levels_seen=request.POST.get("levels_seen", ""),
                texts=_criterion_texts(block.form),
                levels=_changes(block.levels, block.new_levels),
            )
        except rubric_services.RubricError as exc:
            block.form.add_error(None, exc.message)
            status = _status(exc)
        else:
            messages.success(request, _("The criterion was saved."))
            return redirect(f"{_editor_url(assignment)}#criterion-{criterion_pk}")
    errors = _form_errors(block.forms())
    if block.in_use:
        block.new_levels = []
    return _render(request, assignment, criteria, blocks, errors=errors, status=status)


@login_required
@require_POST
def rubric_criterion_move(
    request: AuthenticatedHttpRequest, pk: int, criterion_pk: int
) -> HttpResponse:
    """The phase text editor's people (access.get_assignment_for_editor; 404 for anyone else):
    move a criterion up or down (`direction`), in the order the page showed (`order`); a
    rubric reordered since is a 409 that moves nothing."""
    assignment = get_assignment_for_editor(request.user, pk)
    _criterion_of(assignment, criterion_pk)
    offsets = {"up": -1, "down": 1}
    direction = request.POST.get("direction", "")
    if direction not in offsets:
        return action_refused(
            request,
            _("Choose whether to move the criterion up or down."),
            back_url=_editor_url(assignment),
        )
    try:
        rubric_services.rubric_criterion_move(
            workshop_id=assignment.workshop_id,
            phase=assignment.phase,
            criterion_id=criterion_pk,
            offset=offsets[direction],
            order_seen=request.POST.get("order", ""),
        )
    except rubric_services.RubricError as exc:
        return action_refused(
            request, exc.message, back_url=_editor_url(assignment), status=_status(exc)
        )
    return redirect(f"{_editor_url(assignment)}#criterion-{criterion_pk}")


@login_required
@require_POST
def rubric_criterion_delete(
    request: AuthenticatedHttpRequest, pk: int, criterion_pk: int
) -> HttpResponse:
    """The phase text editor's people (access.get_assignment_for_editor; 404 for anyone else):
    remove a criterion and its levels; one used in reviews is refused with a 409."""
    assignment = get_assignment_for_editor(request.user, pk)
    _criterion_of(assignment, criterion_pk)
    try:
        rubric_services.rubric_criterion_delete(
            workshop_id=assignment.workshop_id, phase=assignment.phase, criterion_id=criterion_pk
        )
    except rubric_services.RubricError as exc:
        return action_refused(
            request, exc.message, back_url=_editor_url(assignment), status=_status(exc)
        )
    messages.success(request, _("The criterion was removed from the rubric."))
    return redirect(_editor_url(assignment))
