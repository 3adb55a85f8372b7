import copy
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial, wraps
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.access import Role, has_role, require_role
from core.http import AuthenticatedHttpRequest
from core.ids import parse_id
from core.models import StagedUpload
from core.responses import action_refused
from core.staged_fields import staged_name
from core.staged_uploads import StagedUploadedFile, staged_uploads_for
from courses.languages import content_note
from workshops.access import (
    can_review,
    get_assignment_for_editor,
    get_assignment_for_learner,
    get_experiment_for_instructor,
    get_experiment_for_member,
    get_experiment_for_thread,
    get_experiment_for_user,
    get_file_for_user,
    get_review_file_for_reviewer,
    get_review_file_for_user,
    get_runlog_entry_for_user,
    get_submission_for_reviewer,
    get_submission_for_user,
    get_workshop_for_learner,
    is_experiment_instructor,
    may_see_thread,
    review_files_closed_to,
)

from . import blind as blind_copies
from . import marking, selectors, services, sessions, texts, views_marking
from .checks import sniff
from .cohort_settings import marking_for, peer_of
from .forms import (
    AddFilesForm,
    CommentForm,
    CriterionTextsForm,
    ExperimentForm,
    ExtensionForm,
    FeedbackFilesForm,
    LevelTextsForm,
    MemberForm,
    NewCycleForm,
    PhaseTextsForm,
    PivotForm,
    ReviewForm,
    RunLogForm,
    SubmissionForm,
    draft_levels,
    posted_levels,
)
from .models import (
    Assignment,
    Experiment,
    ExperimentEvent,
    Marking,
    PeerReview,
    Phase,
    Review,
    ReviewDraft,
    ReviewFile,
    RunLogEntry,
    Submission,
)
from .services_rubric import (
    RubricCheck,
    review_rubric_check,
    review_rubric_seen,
    review_rubric_seen_valid,
)


def _of_this_cycle(newest: Submission | None, experiment: Experiment) -> Submission | None:
    """The newest version of a phase if it belongs to the experiment's current cycle (version
    numbers keep growing across cycles, so the newest of the cycle is the newest of all)."""
    return newest if newest is not None and newest.cycle == experiment.cycle else None


def _can_submit(experiment: Experiment, assignment, latest: Submission | None) -> bool:
    """Whether the page offers a new version (the service checks again under its lock)."""
    return (
        experiment.is_active
        and experiment.phase == assignment.phase
        and (latest is None or latest.status in Submission.RESUBMITTABLE)
    )


def _phase_context(request: AuthenticatedHttpRequest, experiment: Experiment, assignment) -> dict:
    # The phase's versions, read once, serve the phase's row, the history and the feedback.
    history = selectors.phase_history(experiment=experiment, assignment=assignment)
    current = [s for s in history if s.cycle == experiment.cycle]
    latest = current[0] if current else None
    can_submit = _can_submit(experiment, assignment, latest)
    return {
        "experiment": experiment,
        "row": selectors.phase_row(experiment=experiment, assignment=assignment, history=history),
        "history": history,
        "latest": latest,
        "can_submit": can_submit,
        "run_log": (
            list(experiment.run_log.select_related("author", "measurement__indicator")[:200])
            if assignment.phase == Phase.RUN
            else []
        ),
    }


def _staged_posted(request: AuthenticatedHttpRequest) -> list[StagedUpload]:
    """The files this person sent ahead of the posted form (its `attachments` field) that are
    still waiting, unused, in the order the form listed them (one query, none without any)."""
    tokens = [t for t in request.POST.getlist(staged_name("attachments")) if t]
    if not tokens:
        return []
    rows = staged_uploads_for(owner_id=request.user.pk, tokens=tokens)
    return [rows[t] for t in dict.fromkeys(tokens) if t in rows]


def _carry_url(assignment_id: int, staged: list[StagedUpload]) -> str:
    """The answer form of the phase with these waiting files already listed in it."""
    url = reverse("workshops:assignment", args=[assignment_id])
    return f"{url}?{urlencode([('staged', f.token) for f in staged])}" if staged else url


def _refused_with_files(
    request: AuthenticatedHttpRequest,
    message: str,
    *,
    assignment: Assignment,
    experiment: Experiment | None,
    version: Submission | None,
    kept_text: str = "",
    posted_names: list[str] | None = None,
    back_url: str = "",
) -> HttpResponse:
    """A send or an add of files refused because of `version` (a team mate's, or one decided
    meanwhile), as a 409: the person's words to copy and the files they chose that were not
    attached, never dropped without a word. Files sent ahead of the form are still waiting
    (for a day): while `version` waits for review they are offered to it in one click (the
    version page's "Add a replacement or missing file"); when the phase takes a new version
    they are carried into its form. `posted_names`: files that came with the form itself,
    which are gone and are only named. "Back" leads to where the files can go (the version
    waiting, the next version's form), else to `back_url` (the phase's page by default)."""
    staged = _staged_posted(request)
    if version is not None and version.assignment_id == assignment.pk:
        version.assignment = assignment
    waiting = version is not None and version.status in (
        Submission.Status.PROCESSING,
        Submission.Status.RECEIVED,
    )
    carry = (
        bool(staged)
        and version is not None
        and experiment is not None
        and not version.superseded
        and version.cycle == experiment.cycle
        and _can_submit(experiment, version.assignment, version)
    )
    if carry:
        back_url = _carry_url(assignment.pk, staged)
    elif waiting and version is not None:
        back_url = reverse("workshops:submission_detail", args=[version.pk])
    elif not back_url:
        back_url = reverse("workshops:assignment", args=[assignment.pk])
    return render(
        request,
        "workshops/send_refused.html",
        {
            "message": message,
            "kept_text": kept_text,
            "back_url": back_url,
            "staged": staged,
            "staged_field": staged_name("attachments"),
            "posted_names": posted_names or [],
            "add_to": version if waiting else None,
            "carry_url": back_url if carry else "",
        },
        status=409,
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def assignment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners of a cohort running the course: the phase of their own experiment that this
    assignment describes; they write (with autosave) and submit versions here. Never kept by
    the browser (never_cache): Back from a page reached after sending, or after a team mate
    sent meanwhile, asks for the phase as it is now instead of showing a form to send again."""
    assignment, cohort = get_assignment_for_learner(request.user, pk)
    experiment = selectors.learner_experiment(
        learner=request.user, assignment=assignment, cohort=cohort
    )
    if experiment is None:
        return render(
            request,
            "workshops/experiment_start.html",
            {
                "workshop": assignment.workshop,
                "cohort": cohort,
                "assignment": assignment,
                "content_note": content_note(([assignment], ("instructions",))),
                "form": ExperimentForm(
                    initial={
                        "organisation": getattr(request.user.organisation, "name", ""),
                    }
                ),
            },
        )
    # The rows the access check loaded already (the phase track reads the cohort's dates).
    if experiment.cohort_id == cohort.pk:
        experiment.cohort = cohort
    if experiment.workshop_id == assignment.workshop_id:
        experiment.workshop = assignment.workshop
    draft_url = reverse("workshops:draft", args=[assignment.pk])
    status = 200
    if request.method == "POST":
        # A successful POST does only what sending needs and redirects: no page context. The
        # service checks every rule again under the experiment's lock and loads the files it
        # keeps itself, so here the previous version's files are read only when one is ticked
        # for removal (the form turns the ticks into the ids to keep).
        newest = services.latest_in_phase(experiment=experiment, assignment=assignment)
        if not _can_submit(experiment, assignment, _of_this_cycle(newest, experiment)):
            message = _("You cannot send a new version now.")
            if (
                newest is not None
                and newest.learner_id != request.user.pk
                and newest.status in (Submission.Status.PROCESSING, Submission.Status.RECEIVED)
            ):
                # A team mate sent first (the form was open for both): say who, and keep the
                # words this person wrote on the page to copy.
                message = _(
                    "%(name)s sent version %(version)s of this answer for your team while you "
                    "were writing, so no other version can be sent now."
                ) % {"name": newest.learner.display_name, "version": newest.version}
            return _refused_with_files(
                request,
                message,
                assignment=assignment,
                experiment=experiment,
                version=newest,
                kept_text=request.POST.get("text", ""),
                posted_names=_posted_names(request, newest),
            )
        removing = bool(request.POST.getlist("remove_files"))
        form = SubmissionForm(
            request.POST,
            request.FILES,
            draft_url=draft_url,
            draft_owner=request.user.pk,
            keepable=(
                services.keepable_files(experiment=experiment, assignment=assignment)
                if removing
                else []
            ),
        )
        storage_failed = False
        if form.is_valid():
            uploads = form.cleaned_data["attachments"]
            try:
                submission = services.submission_submit(
                    learner=request.user,
                    assignment=assignment,
                    cohort=cohort,
                    experiment=experiment,
                    text=form.cleaned_data["text"],
                    uploads=uploads,
                    keep_files=form.kept_ids() if removing else None,  # None: keep them all
                    based_on=form.cleaned_data.get("based_on"),
                )
            except services.VersionSentMeanwhile as exc:
                # Nothing was sent: the person's words are shown to copy into the new version,
                # and the files they chose are offered to it.
                return _refused_with_files(
                    request,
                    exc.message,
                    assignment=assignment,
                    experiment=experiment,
                    version=exc.newest,
                    kept_text=form.cleaned_data["text"],
                    posted_names=_posted_names(request, exc.newest),
                )
            except services.SubmissionError as exc:
                form.add_error(None, exc.message)
                # A full or read-only disk: the form comes back with the text, as a 503.
                storage_failed = isinstance(exc, services.StorageUnavailable)
            else:
                # The files' check may wait for the broker (a sweeper publishes it again), so
                # the promise is "shortly", not "now". A version is PROCESSING exactly when new
                # files were stored (kept ones were checked already, refused ones not stored),
                # and the refused ones are the uploads the service turned away on arrival: both
                # known here without reading the version's files back.
                messages.success(
                    request,
                    _("Your answer was saved and sent. Its files will be checked shortly.")
                    if submission.status == Submission.Status.PROCESSING
                    else _("Your answer was saved and sent."),
                )
                _warn_refused(
                    request,
                    [
                        SimpleNamespace(original_name=upload.name, reason=reason)
                        for upload in uploads
                        if (reason := services.refusal_reason(upload))
                    ],
                )
                return redirect("workshops:submission_detail", pk=submission.pk)
        status = 503 if storage_failed else 400
        # The page again, with the form's errors and the previous version's files to tick.
        context = _phase_context(request, experiment, assignment)
        if not context["can_submit"] and not storage_failed:
            # The phase stopped taking versions while this was sent (a team mate's version, a
            # decision): the page has no form to show the words and files in again.
            errors = form.non_field_errors()
            newest = context["history"][0] if context["history"] else None
            return _refused_with_files(
                request,
                str(errors[0]) if errors else _("You cannot send a new version now."),
                assignment=assignment,
                experiment=experiment,
                version=newest,
                kept_text=request.POST.get("text", ""),
                posted_names=_posted_names(request, newest),
            )
        if context["can_submit"] and not removing:
            form.keepable = services.keepable_files(experiment=experiment, assignment=assignment)
        elif not context["can_submit"]:
            form.keepable = []
    else:
        context = _phase_context(request, experiment, assignment)
        history = context["history"]
        # The revision loop on one page: the previous version's files are kept unless removed.
        # They are services.keepable_files: the accepted files of the phase's newest version.
        keepable = (
            selectors.accepted_files(submission=history[0])
            if context["can_submit"] and history
            else []
        )
        draft = experiment.phase_draft  # type: ignore[attr-defined] # read with the experiment
        latest = context["latest"] or (history[0] if history else None)
        text = draft.text if draft else (latest.text if latest else "")
        if (
            draft is not None
            and latest is not None
            and latest.submitted_at is not None
            and draft.updated_at < latest.submitted_at
        ):
            # A team mate sent a version after this person last wrote: the form starts from
            # that version (sending the old draft would undo the mate's changes), and the
            # draft is shown beside it to copy from until the person writes.
            text = latest.text
            context["stale_draft"] = draft
            context["stale_draft_before"] = latest
        context["draft"] = draft
        form = SubmissionForm(
            # The base is the newest version of this cycle (services.submission_submit).
            initial={
                "text": text,
                "based_on": context["latest"].version if context["latest"] else 0,
                **_carried_files(request, context["can_submit"]),
            },
            draft_url=draft_url,
            draft_revision=draft.revision if draft else 0,
            draft_owner=request.user.pk,
            keepable=keepable,
        )
    latest = context["latest"]
    # The feedback the new version answers, shown above the form.
    context["feedback_for"] = (
        latest
        if context["can_submit"]
        and latest is not None
        and latest.status == Submission.Status.REVISION_REQUESTED
        else None
    )
    feedback = getattr(context["feedback_for"], "review", None)
    context["feedback_review"] = feedback
    if feedback is not None:
        # The scores and the rubric's levels read once serve the points and the texts.
        scores, levels = selectors.feedback_parts(review=feedback)
        context["review_points"] = selectors.review_points(review=feedback, levels=levels)
        context["review_scores"] = texts.scores_in_language(
            review=feedback, scores=scores, levels=levels
        )
        context["hide_reviewer"] = marking.is_blind(latest)
    else:
        context["review_points"], context["review_scores"] = None, []
        context["hide_reviewer"] = False
    context.update(
        {
            "assignment": assignment,
            "cohort": cohort,
            "form": form,
            "content_note": content_note(([assignment], ("title", "instructions"))),
            # Read with the experiment (selectors.learner_experiment).
            "may_edit_texts": experiment.texts_editor,  # type: ignore[attr-defined]
            "run_log_form": (
                RunLogForm(experiment=experiment) if assignment.phase == Phase.RUN else None
            ),
        }
    )
    return render(request, "workshops/assignment_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def phase_texts(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The instructors and coordinators of a cohort running the workshop's course, the course's
    authors and the superuser: a phase's title and instructions and its rubric's criteria and
    levels in fi | sv | en side by side, with the languages each still lacks. 404 for anyone
    else; a bad form is a 400 and saves nothing."""
    assignment = get_assignment_for_editor(request.user, pk)
    criteria = selectors.rubric(workshop_id=assignment.workshop_id, phase=assignment.phase)
    data = request.POST if request.method == "POST" else None
    phase_form = PhaseTextsForm(data, instance=assignment, prefix="phase")
    rubric = [
        (
            CriterionTextsForm(data, instance=criterion, prefix=f"criterion-{criterion.pk}"),
            [
                LevelTextsForm(data, instance=level, prefix=f"level-{level.pk}")
                for level in criterion.levels.all()
            ],
        )
        for criterion in criteria
    ]
    every_form = [phase_form, *(f for c, levels in rubric for f in (c, *levels))]
    status = 200
    if request.method == "POST":
        if all([f.is_valid() for f in every_form]):  # a list: every form shows its errors
            try:
                texts.phase_texts_save(
                    rows=[(f.save(commit=False), f.translated) for f in every_form]
                )
            except IntegrityError:
                phase_form.add_error(
                    None, _("Two criteria of the same phase cannot have the same title.")
                )
            else:
                messages.success(request, _("The phase texts were saved."))
                return redirect("workshops:phase_texts", pk=assignment.pk)
        status = 400
    return render(
        request,
        "workshops/phase_texts.html",
        {"assignment": assignment, "phase_form": phase_form, "rubric": rubric},
        status=status,
    )


def _carried_files(request: AuthenticatedHttpRequest, can_submit: bool) -> dict[str, Any]:
    """The files a refused send carried here (`?staged=<token>`, _refused_with_files): this
    person's, still waiting, listed in the form as if it had come back with them."""
    tokens = [t for t in request.GET.getlist("staged") if t] if can_submit else []
    rows = staged_uploads_for(owner_id=request.user.pk, tokens=tokens) if tokens else {}
    files = [StagedUploadedFile(rows[t]) for t in dict.fromkeys(tokens) if t in rows]
    return {"attachments": files} if files else {}


def _posted_names(request: AuthenticatedHttpRequest, newest: Submission | None) -> list[str]:
    """The names of the files that came with a refused send itself (no script sent them
    ahead), when a team mate's version refused it; the person's own (a second click) has
    them already."""
    if newest is None or newest.learner_id == request.user.pk:
        return []
    return [f.name or "" for f in request.FILES.getlist("attachments") if f.name]


def _count(text: str) -> int | None:
    """A count that a page sends back (a draft's revision or version, where 0 is the first),
    or None if `text` is not one."""
    return 0 if text == "0" else parse_id(text)


def _draft_refused(message: str, status: int) -> HttpResponse:
    """The autosave's own plain refusal: its words are for the page's status line. The header
    tells it from any other answer (a 404 page, a proxy's error), whose body is never shown
    there (static/js/workshops-draft.js)."""
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["X-Draft-Refusal"] = "1"
    return response


def _draft_signed_out() -> HttpResponse:
    """The autosave's answer to someone no longer signed in: the page keeps its text (and this
    browser's copy of it) and says to sign in again."""
    response = HttpResponse(
        _("You are no longer signed in, so your text was not saved. Sign in again."), status=403
    )
    response["X-Draft-Signed-Out"] = "1"
    return response


@require_POST
def draft_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners on the experiment: autosave (htmx) of the answer they are writing. Someone
    signed out (in another tab, or the session expired) gets a 403 saying so, never the
    sign-in page: a redirect followed by the script looked like a saved draft."""
    if not request.user.is_authenticated:
        return _draft_signed_out()
    assignment, cohort = get_assignment_for_learner(request.user, pk)
    experiment = services.experiment_for(
        learner=request.user, workshop=assignment.workshop, cohort=cohort
    )
    if experiment is None:
        raise Http404
    raw_revision = request.POST.get("revision", "")
    # No revision: a page loaded before revisions existed. Anything else must be a count the
    # database can hold (the column is a 32-bit integer).
    revision = _count(raw_revision) if raw_revision else None
    # The stored revision the page's words were built on: none from a page loaded before it
    # was sent.
    raw_base = request.POST.get("base", "")
    base = _count(raw_base) if raw_base else None
    if (raw_revision and (revision is None or revision > 2_000_000_000)) or (
        raw_base and (base is None or base > 2_000_000_000)
    ):
        return _draft_refused(_("The page is out of date; reload it."), 400)
    try:
        draft = services.draft_save(
            experiment=experiment,
            phase=assignment.phase,
            learner=request.user,
            text=request.POST.get("text", ""),
            revision=revision,
            writer=request.POST.get("writer", "")[:40],
            base=base,
        )
    except services.DraftStale as exc:
        # The page keeps its text; the headers tell it which revision the server holds and
        # which page saved it (its own earlier save, or another tab's words).
        response = HttpResponse(exc.message, status=409)
        response["X-Draft-Revision"] = str(exc.draft.revision)
        response["X-Draft-Writer"] = exc.draft.writer
        return response
    except services.DraftClosed as exc:
        # An autosave that arrives after the submit: the sent version holds the text.
        return _draft_refused(exc.message, 409)
    except services.SubmissionError as exc:
        return _draft_refused(exc.message, 400)
    response = render(request, "workshops/includes/_draft_status.html", {"draft": draft})
    response["X-Draft-Revision"] = str(draft.revision)
    return response


def _warn_refused(request: HttpRequest, refused) -> None:
    """Name each file refused on arrival (empty or too large) with its reason."""
    for attachment in refused:
        messages.warning(
            request,
            _("%(name)s was rejected: %(reason)s Your text and your other files are kept.")
            % {"name": attachment.original_name, "reason": attachment.reason},
        )


@login_required
@require_http_methods(["POST"])
def experiment_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners of a cohort running the workshop's course: start their own experiment."""
    workshop, cohort = get_workshop_for_learner(request.user, pk)
    form = ExperimentForm(request.POST)
    if form.is_valid():
        try:
            experiment = services.experiment_create(
                learner=request.user,
                workshop=workshop,
                cohort=cohort,
                title=form.cleaned_data["title"],
                organisation=form.cleaned_data["organisation"],
                themes=form.cleaned_data["themes"],
                challenge=form.cleaned_data["challenge"],
                target_group=form.cleaned_data["target_group"],
            )
        except services.ExperimentError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your experiment was created."))
            first = services.phase_assignment(workshop_id=workshop.pk, phase=experiment.phase)
            if first is not None:
                return redirect("workshops:assignment", pk=first.pk)
            return redirect("workshops:experiment", pk=experiment.pk)
    return render(
        request,
        "workshops/experiment_start.html",
        {"workshop": workshop, "cohort": cohort, "form": form},
        status=400,
    )


@login_required
def experiment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The team's learners, their cohort's instructors and coordinators, and superusers:
    the phase track, the team, the run log and the audit trail."""
    experiment = get_experiment_for_user(request.user, pk)
    is_member = experiment.members.filter(user=request.user).exists()
    is_instructor = is_experiment_instructor(request.user, experiment)
    members = list(experiment.members.select_related("user__organisation"))
    blind = marking_for(workshop=experiment.workshop, cohort_id=experiment.cohort_id).blind_review
    return render(
        request,
        "workshops/experiment_detail.html",
        {
            "experiment": experiment,
            # Blind review: only the team itself sees who they are and where they come from.
            "blind": blind and not is_member,
            # ... and the team does not see which instructor reviewed them.
            "hide_staff": blind and is_member and not is_instructor,
            "member_ids": {m.user_id for m in members},
            "track": selectors.phase_track(experiment=experiment),
            "members": members,
            "themes": list(experiment.themes.all()),
            "events": list(
                (
                    experiment.events.exclude(kind__in=ExperimentEvent.INTERNAL)
                    if is_member and not is_instructor
                    else experiment.events
                ).select_related("actor")[:50]
            ),
            "run_log": list(
                experiment.run_log.select_related("author", "measurement__indicator")[:50]
            ),
            "is_member": is_member,
            "is_instructor": is_instructor,
            "peer_todo": PeerReview.objects.filter(
                reviewer=request.user, status=PeerReview.Status.ASSIGNED
            ).count()
            if is_member
            else 0,
            "pivot_form": PivotForm(experiment=experiment) if is_instructor else None,
            "extension_form": ExtensionForm() if is_instructor else None,
            "cycle_form": NewCycleForm() if is_member and not experiment.is_active else None,
            **(_sessions_context(request) if is_member else {"upcoming_sessions": None}),
        },
    )


def _sessions_context(request: AuthenticatedHttpRequest) -> dict:
    feed = sessions.calendar_feed_for(request.user)
    return {
        "upcoming_sessions": sessions.upcoming_for_learner(request.user),
        "calendar_url": request.build_absolute_uri(
            reverse("workshops:calendar_feed", args=[feed.token])
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def experiment_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners on the team: describe the experiment and add team members."""
    experiment = get_experiment_for_member(request.user, pk)
    status = 200
    form = ExperimentForm(
        instance=experiment, initial={"based_on": services.experiment_description(experiment)}
    )
    member_form = MemberForm()
    saved_now = None
    if request.method == "POST" and "email" in request.POST:
        member_form = MemberForm(request.POST)
        if member_form.is_valid():
            try:
                services.experiment_add_member(
                    experiment=experiment, by=request.user, email=member_form.cleaned_data["email"]
                )
            except services.ExperimentError as exc:
                member_form.add_error("email", exc.message)
            else:
                messages.success(request, _("The learner was added to the team."))
                return redirect("workshops:experiment_edit", pk=experiment.pk)
        status = 400
    elif request.method == "POST":
        form = ExperimentForm(request.POST, instance=experiment)
        if form.is_valid():
            try:
                services.experiment_update(
                    experiment=experiment,
                    title=form.cleaned_data["title"],
                    organisation=form.cleaned_data["organisation"],
                    themes=form.cleaned_data["themes"],
                    challenge=form.cleaned_data["challenge"],
                    target_group=form.cleaned_data["target_group"],
                    # A form opened before the field existed carries none: not checked.
                    based_on=form.cleaned_data["based_on"] if "based_on" in request.POST else None,
                )
            except services.ExperimentChanged as exc:
                form.add_error(None, exc.message)
                # The saved description is shown beside the person's words; saving again
                # (having read it) is their choice.
                saved_now = Experiment.objects.prefetch_related("themes").get(pk=experiment.pk)
                data = request.POST.copy()
                data["based_on"] = services.experiment_description(saved_now)
                form.data = data
            except services.ExperimentError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The experiment was saved."))
                return redirect("workshops:experiment", pk=experiment.pk)
        status = 400
    return render(
        request,
        "workshops/experiment_edit.html",
        {
            "experiment": experiment,
            "form": form,
            "member_form": member_form,
            "saved_now": saved_now,
            "members": list(experiment.members.select_related("user__organisation")),
        },
        status=status,
    )


@login_required
@require_POST
def experiment_pivot(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the experiment's cohort: send it back to an earlier phase."""
    experiment = get_experiment_for_instructor(request.user, pk)
    form = PivotForm(request.POST, experiment=experiment)
    back_url = reverse("workshops:experiment", args=[experiment.pk])
    if not form.is_valid():
        return action_refused(request, _("Choose an earlier phase and say why."), back_url=back_url)
    try:
        services.experiment_pivot(
            experiment=experiment,
            by=request.user,
            to_phase=form.cleaned_data["to_phase"],
            note=form.cleaned_data["note"],
        )
    except services.ExperimentError as exc:
        return action_refused(request, exc.message, back_url=back_url)
    messages.success(request, _("The experiment was sent back and the team notified."))
    return redirect("workshops:experiment", pk=experiment.pk)


@login_required
@require_POST
def experiment_new_cycle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners on the team, after phase 6: start another cycle."""
    experiment = get_experiment_for_member(request.user, pk)
    form = NewCycleForm(request.POST)
    back_url = reverse("workshops:experiment", args=[experiment.pk])
    if not form.is_valid():
        return action_refused(request, _("Choose a phase."), back_url=back_url)
    try:
        services.experiment_start_cycle(
            experiment=experiment, by=request.user, phase=form.cleaned_data["phase"]
        )
    except services.ExperimentError as exc:
        # A cycle still running is a conflict with the experiment's state; anything else is
        # the input.
        status = 409 if experiment.is_active else 400
        return action_refused(request, exc.message, back_url=back_url, status=status)
    messages.success(request, _("A new cycle started."))
    return redirect("workshops:experiment", pk=experiment.pk)


@login_required
@require_POST
def extension_grant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the experiment's cohort: a later due date for one phase."""
    experiment = get_experiment_for_instructor(request.user, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return action_refused(
            request,
            _("Choose a phase and a valid date."),
            back_url=reverse("workshops:experiment", args=[experiment.pk]),
        )
    try:
        services.extension_grant(
            experiment=experiment,
            by=request.user,
            phase=form.cleaned_data["phase"],
            due_on=form.cleaned_data["due_on"],
        )
    except services.ExperimentError as exc:
        return action_refused(
            request, exc.message, back_url=reverse("workshops:experiment", args=[experiment.pk])
        )
    messages.success(request, _("The due date was extended."))
    return redirect("workshops:experiment", pk=experiment.pk)


@login_required
@require_POST
def runlog_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Learners on the team: add a dated entry to the run log of phase 4."""
    experiment = get_experiment_for_member(request.user, pk)
    form = RunLogForm(request.POST, request.FILES, experiment=experiment)
    back = services.phase_assignment(workshop_id=experiment.workshop_id, phase=Phase.RUN)
    target = (
        reverse("workshops:assignment", args=[back.pk])
        if back
        else reverse("workshops:experiment", args=[experiment.pk])
    )
    if form.is_valid():
        try:
            services.runlog_add(
                experiment=experiment,
                author=request.user,
                happened_on=form.cleaned_data["happened_on"],
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                photo=form.cleaned_data.get("photo") or None,
                indicator_id=form.cleaned_data.get("indicator"),
                value=form.cleaned_data.get("value"),
            )
        except services.ExperimentError as exc:
            return action_refused(request, exc.message, back_url=f"{target}#run-log")
        messages.success(request, _("The entry was added to the run log."))
        return redirect(f"{target}#run-log")
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    return action_refused(request, errors or _("Check the entry."), back_url=f"{target}#run-log")


@login_required
def runlog_photo(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Whoever may see the experiment; photos have no other address."""
    entry: RunLogEntry = get_runlog_entry_for_user(request.user, pk)
    if not entry.photo:
        raise Http404
    # FieldFile.open() returns the field itself, so the type is read before the stream is
    # handed over: closing a second "open" would close the file being streamed.
    stream = entry.photo.open("rb")
    kind = sniff(stream.read(1024))
    stream.seek(0)
    response = FileResponse(stream, content_type=kind or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def submission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The learner who wrote it and their team, their cohort's instructors and coordinators,
    and superusers. The team may add replacement files while the version waits for review."""
    submission = get_submission_for_user(request.user, pk)
    add_form = AddFilesForm(owner_id=request.user.pk)
    status = 200
    if request.method == "POST":
        add_form = AddFilesForm(request.POST, request.FILES, owner_id=request.user.pk)
        if add_form.is_valid():
            try:
                added = services.submission_add_files(
                    submission=submission,
                    learner=request.user,
                    uploads=add_form.cleaned_data["attachments"],
                )
            except services.UploadAlreadyUsed as exc:
                # A second click of the same form: the first send has the file. Show the
                # version, whose list says whether it is there.
                messages.info(request, exc.message)
                return redirect("workshops:submission_detail", pk=submission.pk)
            except services.SubmissionError as exc:
                if submission.status in Submission.RESUBMITTABLE + (
                    Submission.Status.APPROVED,
                ) and not isinstance(exc, services.StorageUnavailable):
                    # Decided before the files came: say why, and name the files sent ahead
                    # (carried into the next version's form when the phase takes one).
                    return _refused_with_files(
                        request,
                        exc.message,
                        assignment=submission.assignment,
                        experiment=submission.experiment,
                        version=submission,
                        back_url=reverse("workshops:submission_detail", args=[submission.pk]),
                    )
                if submission.status != Submission.Status.RECEIVED:
                    # The form is not on the page any more (the version was decided): say why.
                    return action_refused(
                        request,
                        exc.message,
                        back_url=reverse("workshops:submission_detail", args=[submission.pk]),
                        status=503 if isinstance(exc, services.StorageUnavailable) else 409,
                    )
                add_form.add_error(None, exc.message)
                if isinstance(exc, services.StorageUnavailable):
                    status = 503
            else:
                if any(f.status == "pending" for f in added):
                    messages.success(request, _("The file was added and is being checked."))
                _warn_refused(request, [f for f in added if f.status == "rejected"])
                return redirect("workshops:submission_detail", pk=submission.pk)
        status = status if status == 503 else 400
    selectors.with_files(submission)
    versions = list(selectors.versions(submission=submission))
    earlier = [v for v in versions if v.version < submission.version]
    is_author = submission.learner_id == request.user.pk or (
        submission.experiment is not None  # no query when there is no experiment
        and submission.experiment.members.filter(user=request.user).exists()
    )
    experiment = submission.experiment if submission.experiment_id else None
    review_obj = getattr(submission, "review", None)
    # The review's scores (with their criteria) and the rubric's levels, read once for the
    # points and the texts (and its files for the feedback's list), as the phase page does.
    scores, levels = selectors.feedback_parts(review=review_obj) if review_obj else ([], [])
    # Blind review: only the learner and their team see the name and municipality.
    blind = marking.is_blind(submission) and not is_author
    # ... and the files' names ("Liisa_Virtanen_suunnitelma.pdf" shows as "Attachment 1.pdf").
    blind_copies.name_files(submission.files.all(), hide_author=blind)
    context = {
        "submission": submission,
        "blind": blind,
        "status_reason": blind_copies.status_reason_shown(submission, blind=blind),
        # ... and both ways: the learner does not see who reviewed them.
        "hide_reviewer": marking.is_blind(submission) and is_author,
        "versions": versions,
        "previous": earlier[0] if earlier else None,
        # A newer version of the same answer (a team mate's, say): this one's state is history.
        "newer": versions[0] if versions[0].version > submission.version else None,
        "may_review": can_review(request.user, submission),
        # Asked by the feedback's file list only when it lists a file (a call, so lazily).
        "review_files_closed": lambda: review_files_closed_to(request.user, submission),
        "is_author": is_author,
        "review_points": (
            selectors.review_points(review=review_obj, levels=levels) if review_obj else None
        ),
        "review_scores": (
            texts.scores_in_language(review=review_obj, scores=scores, levels=levels)
            if review_obj
            else []
        ),
        # The revision loop: from the feedback straight to the next version's form.
        "write_next": is_author
        and experiment is not None
        and submission.status == Submission.Status.REVISION_REQUESTED
        and versions[0].pk == submission.pk
        and experiment.is_active
        and experiment.phase == submission.assignment.phase
        and experiment.cycle == submission.cycle,
        "add_form": add_form if is_author and submission.status == "received" else None,
        "thread": None if blind else _thread_context(request, submission),
        "peer_anonymous": peer_of(submission).peer_anonymous,
        "content_note": content_note(([submission.assignment], ("title",))),
        "peer_feedback": list(
            submission.peer_reviews.filter(status=PeerReview.Status.DONE)
            .select_related("reviewer")
            .order_by("given_at")
        ),
    }
    if request.htmx and request.GET.get("part") == "status":
        return render(request, "workshops/includes/_submission_status.html", context)
    if not is_author and request.method == "GET":
        # Staff opening a learner's work: one row the learner sees on "My data".
        from privacy.services import access_log_record

        access_log_record(
            viewer=request.user,
            learner_id=submission.learner_id,
            kind="submission",
            cohort_id=submission.cohort_id,
            object_id=submission.pk,
        )
    return render(request, "workshops/submission_detail.html", context, status=status)


@login_required
def submission_diff(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Same audience as the submission: what changed between two versions of a phase."""
    submission = get_submission_for_user(request.user, pk)
    versions = list(selectors.versions(submission=submission))
    against_pk = request.GET.get("against")
    others = [v for v in versions if v.pk != submission.pk]
    if against_pk:
        against = next((v for v in others if str(v.pk) == against_pk), None)
        if against is None:
            raise Http404
    else:
        earlier = [v for v in others if v.version < submission.version]
        against = earlier[0] if earlier else None
    return render(
        request,
        "workshops/submission_diff.html",
        {
            "submission": submission,
            "against": against,
            "others": others,
            "diff": selectors.text_diff(against.text, submission.text) if against else [],
        },
    )


def _serve_private(field, *, filename: str, content_type: str, inline: bool) -> FileResponse:
    response = FileResponse(
        field.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def file_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Same audience as the submission; files have no other address. Under blind review
    everyone but the team gets a copy without author metadata under a neutral name."""
    attachment = get_file_for_user(request.user, pk)
    if not attachment.file:
        raise Http404
    return _serve_private(
        blind_copies.submission_file_for(request.user, attachment),
        # Named by the detected type, never the uploaded extension (`x.pdf.exe` -> `x.pdf`);
        # "Attachment 1.pdf" for someone who may not know the author.
        filename=blind_copies.submission_file_name(request.user, attachment),
        content_type="application/octet-stream",
        inline=False,
    )


@login_required
def file_preview(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Same audience as the file: the PNG of a PDF's first page, or an accepted image."""
    attachment = get_file_for_user(request.user, pk)
    if attachment.preview:
        return _serve_private(
            attachment.preview, filename="preview.png", content_type="image/png", inline=True
        )
    if attachment.status == "accepted" and attachment.content_type.startswith("image/"):
        return _serve_private(
            blind_copies.submission_file_for(request.user, attachment),
            filename="preview",
            content_type=attachment.content_type,
            inline=True,
        )
    raise Http404


@require_role(Role.INSTRUCTOR)
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Instructors: versions from their own cohorts, waiting ones by default, filtered by
    cohort, phase, municipality, state and lateness; the longest-waiting first, fifty a page."""
    user = request.user
    filters = selectors.QueueFilters.from_query(request.GET)
    options = selectors.queue_filter_options(user=user)
    scope = selectors.QueueScope(user=user, cohorts=tuple(c.pk for c in options["cohorts"]))
    counts = selectors.queue_counts(scope=scope, filters=filters)
    queue = selectors.QueuePage(
        scope=scope, filters=filters, count=counts[filters.status], cohorts=options["cohorts"]
    )
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    waiting = list(page.object_list)
    return render(
        request,
        "workshops/review_queue.html",
        {
            "page": page,
            "waiting": waiting,
            "filters": filters,
            "options": options,
            "counts": counts,
            # The state tabs keep the other filters.
            "other_filters": _without(query, "status"),
            "statuses": Submission.Status.choices,
            "reviewed": selectors.recently_reviewed(scope=scope),
            "marking_states": Marking.State.choices,
            **selectors.queue_marking(user=user, submissions=waiting, led=options["led"]),
        },
    )


def _without(query, name: str) -> str:
    rest = query.copy()
    rest.pop(name, None)
    return rest.urlencode()


def _review_initial(submission: Submission, criteria: list, draft: ReviewDraft | None) -> dict:
    """The review form's initial values: the shared draft's, else the rubric's levels given
    to the previous version (the next round starts from there)."""
    # Each render names its page: its autosaves and its decision carry the name.
    writer = {"draft_writer": secrets.token_hex(8)}
    if draft is None:
        initial: dict = {"draft_version": 0, **writer}
        if criteria:
            for criterion_id, level_id in selectors.review_page_previous_levels(submission).items():
                initial[f"criterion_{criterion_id}"] = level_id
        return initial
    initial = {name: getattr(draft, name) for name in services.REVIEW_DRAFT_FIELDS}
    initial["draft_version"] = draft.version
    initial.update(writer)
    for criterion in criteria:
        level = draft.levels.get(str(criterion.pk))
        if level:
            initial[f"criterion_{criterion.pk}"] = level
    return initial


def _rubric_check(request: HttpRequest, criteria: list) -> RubricCheck | None:
    """The posted review page's rubric (`rubric_seen`) compared with `criteria`; None when the
    page sent none (a page from before the field, or a script) or a broken one (the form
    says so)."""
    seen = request.POST.get("rubric_seen") or ""
    if not review_rubric_seen_valid(seen):
        return None
    return review_rubric_check(seen=seen, criteria=criteria, picks=posted_levels(request.POST))


def _rubric_changed_form(request: HttpRequest, criteria: list, check: RubricCheck) -> ReviewForm:
    """The review form again after the rubric changed under it: the texts and the decision as
    posted, the levels that still mean what was picked, the rubric as it is now (the next save
    is based on it); what changed is named above the fields and every criterion without a
    level asks for one."""
    data = request.POST.copy()
    for name in [name for name in data if name.startswith("criterion_")]:
        del data[name]
    for criterion_id, level_id in check.kept.items():
        data[f"criterion_{criterion_id}"] = str(level_id)
    data["rubric_seen"] = review_rubric_seen(criteria)
    form = ReviewForm(data, criteria=criteria)
    form.is_valid()
    form.add_error(None, services.ReviewRubricChanged(check).message)
    for change in check.changes:
        form.add_error(None, change.message)
    return form


def _role_asked_on_refusal(role: str) -> Callable[[Callable[..., HttpResponse]], Callable]:
    """As core.access.require_role(role), without reading the person's roles on the way in,
    for a view whose access helper admits only those who hold `role` in the object's cohort
    (and the superuser): everyone it admits holds the role. When the view refuses (the
    helper's 404, or a 405 for the method), someone who holds the role nowhere gets
    require_role's 403 instead, as before. The review page reads one query less (#13)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                if not has_role(request.user, role):
                    raise PermissionDenied from None
                raise
            if response.status_code == 405 and not has_role(request.user, role):
                raise PermissionDenied
            return response

        return wrapper

    return decorator


_upload_boxes: dict[tuple[Any, ...], SafeString] = {}
# The box of the upload review_file_add refused, while it shows the review page again.
_refused_upload: ContextVar[SafeString | None] = ContextVar("_refused_upload", default=None)


def _feedback_upload_box(owner_id: int) -> SafeString:
    """The review page's box for feedback files (FeedbackFilesForm's field, unbound, as
    _plain_field.html writes it), rendered once per process for each language, URL prefix,
    URLconf, static URL and size limit: it holds nothing of the person or the version, and
    was an eighth of the page's time (#13). On the page review_file_add shows after refusing
    an upload, the box is that form's, with the files still waiting and the reason."""
    refused = _refused_upload.get()
    if refused is not None:
        return refused
    key = (
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        settings.STATIC_URL,
        settings.SUBMISSION_MAX_FILE_MB,
    )
    box = _upload_boxes.get(key)
    if box is None:
        field = FeedbackFilesForm(owner_id=owner_id)["attachments"]
        box = _upload_boxes[key] = render_to_string(
            "workshops/includes/_plain_field.html", {"field": field}
        )
    return box


# get_submission_for_reviewer admits only the cohort's instructors and the superuser.
@_role_asked_on_refusal(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the submission's cohort: a level per rubric criterion, structured
    feedback and the decision; the draft autosaves and is shared by the cohort's instructors."""
    # The draft, the marking settings and which lists are empty come with the version.
    submission = get_submission_for_reviewer(request.user, pk, extend=selectors.review_page_reads)
    draft = selectors.review_page_prepare(submission)
    criteria = selectors.review_page_rubric(submission)
    initial = _review_initial(submission, criteria, draft)
    workflow = marking.uses_workflow(submission)
    status = 200
    conflict = None
    rubric_refused = False
    if request.method == "POST":
        rubric_check = _rubric_check(request, criteria)
        if not workflow and submission.status != Submission.Status.RECEIVED:
            # A colleague decided the version after this page was shown: say so, instead of
            # judging a form the page no longer offers; the posted words stay to copy.
            form = ReviewForm(request.POST, criteria=criteria)
            form.is_valid()
            form.errors.clear()
            form.add_error(
                None, _("This submission has already been reviewed or is not ready for review.")
            )
            status = 409
        elif rubric_check is not None and rubric_check.changes:
            # The rubric changed after the page was shown: the form is not judged on criteria
            # and levels the reviewer never saw.
            form = _rubric_changed_form(request, criteria, rubric_check)
            status, rubric_refused = 409, True
        elif (form := ReviewForm(request.POST, criteria=criteria)).is_valid():
            # Two services that share most arguments: marking_mark_ready takes `by`, a direct
            # review `files_seen`.
            decide: Callable[..., object] = (
                marking.marking_mark_ready
                if workflow
                else partial(services.submission_review, reviewer=request.user)
            )
            try:
                decide(
                    submission=submission,
                    **({"by": request.user} if workflow else {}),
                    decision=form.cleaned_data["decision"],
                    feedback=form.cleaned_data["feedback"],
                    strengths=form.cleaned_data["strengths"],
                    questions=form.cleaned_data["questions"],
                    suggestions=form.cleaned_data["suggestions"],
                    levels=form.levels(),
                    draft_version=form.cleaned_data.get("draft_version"),
                    draft_writer=form.cleaned_data.get("draft_writer") or "",
                    rubric_seen=form.cleaned_data.get("rubric_seen") or None,
                    # The files the reviewer was shown (a hidden field of the form).
                    **({} if workflow else {"files_seen": request.POST.get("files_seen")}),
                )
            except services.ReviewRubricChanged as exc:
                # Changed while this save waited for the rubric's lock: show it as it is now.
                criteria = selectors.rubric(
                    workshop_id=submission.assignment.workshop_id,
                    phase=submission.assignment.phase,
                )
                form = _rubric_changed_form(request, criteria, exc.check)
                status, rubric_refused = 409, True
            except services.ReviewConflict as exc:
                conflict = exc.draft
                form.add_error(None, exc.message)
                # The next save is deliberate: base it on the colleague's version.
                data = request.POST.copy()
                data["draft_version"] = str(exc.draft.version)
                form = ReviewForm(data, criteria=criteria)
                form.is_valid()
                form.add_error(None, exc.message)
                status = 409
            except (services.SubmissionError, marking.MarkingError) as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                if workflow:
                    messages.success(
                        request,
                        _("The review is ready for release; the learner does not see it yet."),
                    )
                    return redirect("workshops:review", submission.pk)
                messages.success(request, _("Your review was saved and the learner was notified."))
                return redirect("workshops:review_queue")
        else:
            status = 400
    else:
        form = ReviewForm(initial=initial, criteria=criteria)
    # The page shows the versions' numbers, states and the previous text, not their files.
    versions = selectors.review_page_versions(submission)
    earlier = [v for v in versions if v.version < submission.version]
    previous = earlier[0] if earlier else None
    blind = marking.is_blind(submission)
    # Under blind review the files show as "Attachment 1.pdf" ..., not by their uploaded names.
    blind_copies.name_files(submission.files.all(), hide_author=blind)
    marking_context = views_marking.review_marking_context(request.user, submission, workflow)
    return render(
        request,
        "workshops/review_form.html",
        {
            "submission": submission,
            "status_reason": blind_copies.status_reason_shown(submission, blind=blind),
            "versions": versions,
            "previous": previous,
            # What the previous round asked (read with the versions: review__reviewer).
            "previous_review": getattr(previous, "review", None) if previous else None,
            "diff": selectors.text_diff(previous.text, submission.text) if previous else [],
            "form": form,
            "criteria": criteria,
            "draft": draft,
            "conflict": conflict,
            "rubric_refused": rubric_refused,
            "is_open": submission.status == Submission.Status.RECEIVED,
            # Who decided the version, when and how (read with the version: review__reviewer).
            "decided": getattr(submission, "review", None),
            # services.files_fingerprint of the files shown (with_files loaded them in order).
            "files_seen": ",".join(str(f.pk) for f in submission.files.all()),
            # The draft's files while the review is written, the review's once it is sent.
            "feedback_files": selectors.review_page_feedback_files(submission),
            "feedback_upload_box": _feedback_upload_box(request.user.pk),
            "content_note": content_note(
                ([submission.assignment], ("title",)),
                (criteria, ("title", "description")),
                ([level for c in criteria for level in c.levels.all()], ("label", "descriptor")),
            ),
            # A reviewer is an instructor of the cohort, who may see the thread.
            "thread": None
            if blind
            else _thread_context(
                request, submission, reviewer=True, comments=selectors.review_page_thread
            ),
            **marking_context,
        },
        status=status,
    )


@require_POST
def review_draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the submission's cohort: autosave (htmx) of the review being written.
    Answers 409, keeping the colleague's text, if someone saved a newer draft meanwhile. Someone
    signed out (in another tab, or the session expired) gets a 403 saying so, never the sign-in
    page, which htmx would have shown in the status line as if the review were saved. A page
    older than the rubric saves its words and the levels that still apply, and is asked to
    reload."""
    if not request.user.is_authenticated:
        return _draft_signed_out()
    if not has_role(request.user, Role.INSTRUCTOR):
        raise PermissionDenied
    submission = get_submission_for_reviewer(request.user, pk)
    criteria = selectors.rubric(
        workshop_id=submission.assignment.workshop_id, phase=submission.assignment.phase
    )
    base_version = _count(request.POST.get("draft_version", "0"))
    if base_version is None:
        return HttpResponse(_("The review form is out of date; reload the page."), status=400)
    levels = draft_levels(request.POST, criteria)
    # A page older than the rubric: its words are saved, and only the levels that still mean
    # what was picked (never a level whose points or words changed since); the status line
    # asks for a reload to see the rubric as it is.
    rubric_check = _rubric_check(request, criteria)
    rubric_changed = rubric_check is not None and bool(rubric_check.changes)
    if rubric_check is not None and rubric_changed:
        levels = {c: lv for c, lv in levels.items() if rubric_check.kept.get(c) == lv}
    try:
        draft = services.review_draft_save(
            submission=submission,
            by=request.user,
            base_version=base_version,
            fields={name: request.POST.get(name, "") for name in services.REVIEW_DRAFT_FIELDS},
            levels=levels,
            writer=request.POST.get("draft_writer", "")[:40],
        )
    except services.ReviewConflict as exc:
        return render(
            request,
            "workshops/includes/_review_draft_status.html",
            {"conflict": exc.draft, "message": exc.message},
            status=409,
        )
    except services.SubmissionError as exc:
        if Review.objects.filter(submission=submission, reviewer=request.user).exists():
            # An autosave that raced the reviewer's own decision: the decision holds the text.
            return HttpResponse(status=204)
        return HttpResponse(exc.message, status=409)
    return render(
        request,
        "workshops/includes/_review_draft_status.html",
        {"draft": draft, "rubric_changed": rubric_changed},
    )


@require_role(Role.INSTRUCTOR)
@require_POST
def review_file_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the submission's cohort: attach files to the review being written
    (checked by content after upload; the learners see them only with the decision). A
    refused upload shows the review page again, the reason beside the file field."""
    submission = get_submission_for_reviewer(request.user, pk)
    back = reverse("workshops:review", args=[submission.pk]) + "#feedback-files"
    form = FeedbackFilesForm(request.POST, request.FILES, owner_id=request.user.pk)
    if not form.is_valid():
        if closed := _feedback_files_closed(submission):
            # Decided meanwhile: its page has no file field to show the form's reason beside.
            return action_refused(request, closed, back_url=back, status=409)
        return _review_page_with_refused_upload(request, submission.pk, form, status=400)
    try:
        services.review_file_add(
            submission=submission, by=request.user, uploads=form.cleaned_data["attachments"]
        )
    except (services.FeedbackFileRefused, services.StorageUnavailable) as exc:
        if closed := _feedback_files_closed(submission):
            return action_refused(request, closed, back_url=back, status=409)
        form.add_error("attachments", exc.message)
        status = 503 if isinstance(exc, services.StorageUnavailable) else 400
        return _review_page_with_refused_upload(request, submission.pk, form, status=status)
    except services.SubmissionError as exc:
        # The version was decided meanwhile (or the review is frozen): the page has no file
        # field to show the reason beside.
        return action_refused(request, exc.message, back_url=back, status=409)
    messages.success(request, _("The file was attached and is being checked."))
    return redirect(back)


def _feedback_files_closed(submission: Submission) -> str | None:
    """Why the version's feedback files can no longer change (the rule
    services.review_file_add applies under its lock), or None while they can: decided
    (approved, sent back, or released in the marking workflow), or ready for release."""
    if submission.status != Submission.Status.RECEIVED:
        return _("Files can be attached to the review only while the version waits for review.")
    if (
        marking.uses_workflow(submission)
        and Marking.objects.filter(
            submission=submission, state__in=(Marking.State.READY, Marking.State.RELEASED)
        ).exists()
    ):
        return _("This review is ready for release; send it back to review to change it.")
    return None


def _review_page_with_refused_upload(
    request: AuthenticatedHttpRequest, pk: int, form: FeedbackFilesForm, *, status: int
) -> HttpResponse:
    """The review page as a GET shows it (the shared draft's text in the form; the words not
    saved yet come back from the browser's copy, static/js/workshops-review.js), with the
    refused upload's field: its reason and the files still waiting. The page's script puts
    the review page's own address back in the address bar, so a reload does not post again."""
    page_request = copy.copy(request)
    page_request.method = "GET"
    token = _refused_upload.set(_refused_upload_box(form))
    try:
        response = review(page_request, pk)
    finally:
        _refused_upload.reset(token)
    if response.status_code == 200:
        response.status_code = status
    return response


def _refused_upload_box(form: FeedbackFilesForm) -> SafeString:
    """The feedback files' box of a refused upload: the reason in an alert right above the
    field (which refers to it), the files that were fine listed to send again."""
    reasons = [str(e) for errors in form.errors.values() for e in errors]
    # The reason is said once, in the alert, not again under the field.
    form.errors.clear()
    field = form["attachments"]
    field.field.widget.attrs.update(
        {
            "aria-invalid": "true",
            "aria-describedby": f"feedback-files-refused {field.auto_id}_helptext",
        }
    )
    return format_html(
        '<div class="alert alert-danger py-2 small" role="alert" id="feedback-files-refused"'
        ' data-testid="feedback-files-refused">{}</div>{}',
        " ".join(reasons) or _("Choose a file."),
        render_to_string("workshops/includes/_plain_field.html", {"field": field}),
    )


@require_role(Role.INSTRUCTOR)
@require_POST
def review_file_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Instructors of the submission's cohort: remove a file from the review being written."""
    attachment = get_review_file_for_reviewer(request.user, pk)
    back = reverse("workshops:review", args=[attachment.submission_id]) + "#feedback-files"
    try:
        services.review_file_delete(attachment=attachment, by=request.user)
    except services.SubmissionError as exc:
        return action_refused(request, exc.message, back_url=back, status=409)
    messages.success(request, _("The file was removed."))
    return redirect(back)


@login_required
def review_file_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The cohort's instructors and the reviewer; the learner and their team once the review
    has reached them (see get_review_file_for_user). With blind review the team gets the file
    under a neutral name, so the name cannot reveal the reviewer."""
    attachment: ReviewFile = get_review_file_for_user(request.user, pk)
    if not attachment.file:
        raise Http404
    submission = attachment.submission
    on_team = submission.learner_id == request.user.pk or (
        submission.experiment_id is not None
        and submission.experiment is not None
        and submission.experiment.members.filter(user=request.user).exists()
    )
    blind = on_team and marking.is_blind(submission)
    index = ReviewFile.objects.filter(review=attachment.review, pk__lte=attachment.pk)
    return _serve_private(
        blind_copies.review_file_for(attachment, hide_reviewer=blind),
        filename=services.feedback_file_name(
            attachment, index=index.count() if blind else 0, blind=blind
        ),
        content_type="application/octet-stream",
        inline=False,
    )


def _thread_context(
    request: AuthenticatedHttpRequest,
    submission: Submission,
    *,
    reviewer: bool = False,
    comments: Callable[[Submission], list] | None = None,
) -> dict | None:
    """The phase thread shown with a version, or None. `reviewer`: the person came through
    get_submission_for_reviewer (an instructor of the cohort, or the superuser), whom
    may_see_thread lets in without asking. `comments` reads the messages instead of
    selectors.thread (the review page's knows when there are none)."""
    if submission.experiment_id is None:
        return None
    if not reviewer and not may_see_thread(request.user, submission):
        return None
    return {
        "experiment_id": submission.experiment_id,
        "phase": submission.assignment.phase,
        "comments": comments(submission)
        if comments
        else selectors.thread(
            experiment_id=submission.experiment_id, phase=submission.assignment.phase
        ),
        "form": CommentForm(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def thread(request: AuthenticatedHttpRequest, pk: int, phase: int) -> HttpResponse:
    """The learners on the team and the cohort's instructors: the thread on one phase.
    GET leads to the phase's latest version where the thread is shown; POST adds a message."""
    experiment = get_experiment_for_thread(request.user, pk)
    if phase not in Phase.values:
        raise Http404
    latest = (
        Submission.objects.filter(experiment=experiment, assignment__phase=phase)
        .order_by("-version")
        .first()
    )
    target = (
        reverse("workshops:submission_detail", args=[latest.pk])
        if latest
        else reverse("workshops:experiment", args=[experiment.pk])
    )
    if request.method == "POST":
        back = request.POST.get("next", "")
        if back.startswith("/") and not back.startswith("//"):
            target = back
        form = CommentForm(request.POST)
        if not form.is_valid():
            return action_refused(request, _("Write a message."), back_url=f"{target}#thread")
        try:
            services.phase_comment_add(
                experiment=experiment,
                phase=phase,
                author=request.user,
                text=form.cleaned_data["text"],
            )
        except services.ExperimentError as exc:
            return action_refused(request, exc.message, back_url=f"{target}#thread")
        messages.success(request, _("Your message was sent."))
    return redirect(f"{target}#thread")
