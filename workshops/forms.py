from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.http import QueryDict
from django.template.defaultfilters import unordered_list
from django.templatetags.l10n import unlocalize
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import CalendarDateField, CalendarDateTimeField, DecimalCommaField
from core.html import clean_html
from core.ids import parse_id
from core.staged_fields import MultipleFileInput as StagedFilesInput
from core.staged_fields import StagedFilesField
from courses.forms import TranslatedTextsMixin, fields_per_language, language_marker
from courses.languages import content_languages

from .checks import max_file_bytes, too_large_message
from .cohort_settings import PEER_FIELDS
from .models import (
    Assignment,
    CohortMarkingSettings,
    CohortPeerSettings,
    Experiment,
    Phase,
    Review,
    RubricCriterion,
    RubricLevel,
    RunLogEntry,
    Theme,
    Workshop,
    WorkshopSession,
)
from .services import MAX_FILES
from .services_rubric import review_rubric_seen, review_rubric_seen_valid

ACCEPT = (
    "application/pdf,.pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,image/png,image/jpeg,image/gif,"
    "image/webp"
)


def _attrs_html(attrs: dict[str, Any]) -> str:
    """A widget's attributes as django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{_as_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _as_text(value: Any) -> str:
    # `{{ value|stringformat:"s" }}`: the filter keeps a safe string safe.
    return conditional_escape(value if isinstance(value, SafeData) else str(value))


class Textarea(forms.Textarea):
    """A Textarea written in Python exactly as Django's template for it writes it
    (django/forms/widgets/textarea.html), without the template's cost: the review page and the
    phase answer page have four and one of them (issue 13; tests/workshops/test_page_cost.py
    holds the markup equal to Django's). Named as Django's, since crispy makes a widget's CSS
    class of its class name."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        text = conditional_escape(widget["value"]) if widget["value"] else ""
        return mark_safe(  # noqa: S308 - every part is escaped above
            f'<textarea name="{conditional_escape(widget["name"])}"'
            f"{_attrs_html(widget['attrs'])}>\n{text}</textarea>"
        )


class HiddenInput(forms.HiddenInput):
    """A HiddenInput written in Python as django/forms/widgets/input.html writes it (see
    Textarea)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{_as_text(widget["value"])}"'
        return mark_safe(  # noqa: S308 - every part is escaped above
            f'<input type="{conditional_escape(widget["type"])}"'
            f' name="{conditional_escape(widget["name"])}"{shown}{_attrs_html(widget["attrs"])}>'
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _check_sizes(uploads: list) -> list:
    if len(uploads) > MAX_FILES:
        raise forms.ValidationError(_("Attach at most %(n)s files at a time.") % {"n": MAX_FILES})
    for upload in uploads:
        if upload.size > max_file_bytes():
            raise forms.ValidationError(f"{upload.name}: {too_large_message(upload.size)}")
    return uploads


def _check_count(uploads: list) -> list:
    """Answers: only the number of files is a form error; an empty or too large file is
    recorded as rejected on its own (services.refusal_reason), keeping the rest."""
    if len(uploads) > MAX_FILES:
        raise forms.ValidationError(_("Attach at most %(n)s files at a time.") % {"n": MAX_FILES})
    return uploads


def attachments_help(*, sent: bool = False) -> str:
    """The file field's help: the kinds and size, and when the files are checked (`sent`: they
    are added to a version already sent, so they are checked once added)."""
    if sent:
        return _(
            "PDF, Office or OpenDocument files or images, at most %(mb)s MB each. They are "
            "checked shortly after you add them."
        ) % {"mb": max_file_bytes() // (1024 * 1024)}
    return _(
        "PDF, Office or OpenDocument files or images, at most %(mb)s MB each. They are stored "
        "at once and checked after you submit."
    ) % {"mb": max_file_bytes() // (1024 * 1024)}


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        widget=Textarea(attrs={"rows": 12}),
        max_length=50_000,
        error_messages={"required": _("Write your answer before submitting.")},
    )
    # An empty file is refused by the service, named with its reason, on its own: the field's
    # generic "The submitted file is empty." would throw away the whole form.
    # Sent ahead of the form as soon as they are chosen (core/staged_fields.py), or with it.
    attachments = StagedFilesField(
        label=_("New attachments (optional)"),
        required=False,
        allow_empty_file=True,
        widget=StagedFilesInput(attrs={"accept": ACCEPT}),
    )
    # The number of the phase's newest version when the page was shown (0: none): a version
    # sent after it (by a team mate, or in another window) refuses this text instead of
    # sending it over that version's changes (services.VersionSentMeanwhile).
    based_on = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    # The previous version's files are kept unless ticked here.
    remove_files = forms.TypedMultipleChoiceField(
        label=_("Files from the previous version"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        draft_url: str = "",
        draft_revision: int = 0,
        draft_owner: int | None = None,
        keepable: list | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()
        # Files staged by the person whose draft this is (the learner signed in).
        attachments = cast(StagedFilesField, self.fields["attachments"])
        attachments.owner_id = draft_owner
        if draft_url and draft_owner is not None:
            # The answer's files follow the person across devices, as its words do: the form
            # lists the files added to it on the phone, and sending from the laptop takes them
            # (core/staged_fields.py). Its name is the answer's autosave address.
            widget = cast(StagedFilesInput, attachments.widget)
            widget.form_key = draft_url
            if not self.is_bound:
                carried = list(self.initial.get("attachments") or [])
                listed = {f.token for f in carried}
                waiting = [f for f in widget.waiting_for_form() if f.token not in listed]
                if waiting:
                    self.initial["attachments"] = [*carried, *waiting]
        self.keepable = keepable or []
        cast(forms.ChoiceField, self.fields["remove_files"]).choices = [
            (f.pk, f.original_name) for f in self.keepable
        ]
        if draft_url:
            # Autosave (static/js/workshops-draft.js) posts the text with its revision after
            # every pause in typing.
            self.fields["text"].widget.attrs.update(
                {
                    "data-draft-url": draft_url,
                    "data-draft-revision": str(draft_revision),
                    # The browser's copy is per person: team mates may share a computer.
                    "data-draft-owner": str(draft_owner or ""),
                    "data-testid": "answer-text",
                }
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The template puts the previous version's files between the text and new files.
        self.helper.layout = Layout("text")

    def clean_attachments(self):
        return _check_count(self.cleaned_data.get("attachments") or [])

    @property
    def removed_ids(self) -> set[int]:
        """The files ticked for removal (kept ticked when the form is shown again)."""
        if not self.is_bound:
            return set()
        data = cast(QueryDict, self.data)  # a bound form's POST
        return {pk for v in data.getlist("remove_files") if (pk := parse_id(v)) is not None}

    def kept_ids(self) -> list[int]:
        removed = set(self.cleaned_data.get("remove_files") or [])
        return [f.pk for f in self.keepable if f.pk not in removed]


class AddFilesForm(forms.Form):
    # Sent ahead of the form as soon as they are chosen (core/staged_fields.py), or with it.
    attachments = StagedFilesField(
        label=_("Add a file"),
        allow_empty_file=True,
        widget=StagedFilesInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, owner_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help(sent=True)
        # Files staged by the person adding them (the learner signed in).
        cast(StagedFilesField, self.fields["attachments"]).owner_id = owner_id
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_attachments(self):
        return _check_count(self.cleaned_data.get("attachments") or [])


class FeedbackFilesForm(forms.Form):
    """Files an instructor attaches to the review (an annotated PDF, say)."""

    attachments = StagedFilesField(
        label=_("Attach a file to your feedback"),
        allow_empty_file=True,
        widget=StagedFilesInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, owner_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Files staged by the reviewer signed in.
        cast(StagedFilesField, self.fields["attachments"]).owner_id = owner_id
        self.fields["attachments"].help_text = _(
            "PDF, Office or OpenDocument files or images, at most %(mb)s MB each. The learners "
            "see them with your review, once each has passed its check."
        ) % {"mb": max_file_bytes() // (1024 * 1024)}
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_attachments(self):
        return _check_count(self.cleaned_data.get("attachments") or [])


class ExperimentForm(forms.ModelForm):
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # The description as it was when the editor opened it (services.experiment_description):
    # a team mate's save since is not overwritten.
    based_on = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Experiment
        fields = ["title", "organisation", "themes", "challenge", "target_group"]
        widgets = {
            "challenge": forms.Textarea(attrs={"rows": 4}),
            "target_group": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "challenge": _("The puzzle or development idea you bring, in a few sentences."),
            "target_group": _("Whose everyday life does it touch?"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("Email address of a learner in your cohort"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class PivotForm(forms.Form):
    to_phase = forms.TypedChoiceField(label=_("Back to phase"), choices=Phase.choices, coerce=int)
    note = forms.CharField(
        label=_("Why, and what to rethink"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, experiment: Experiment | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if experiment is not None and experiment.is_active:
            cast(forms.ChoiceField, self.fields["to_phase"]).choices = [
                (value, label) for value, label in Phase.choices if value < experiment.phase
            ]
        self.helper = FormHelper()
        self.helper.form_tag = False


class NewCycleForm(forms.Form):
    phase = forms.TypedChoiceField(
        label=_("Start the new cycle from"), choices=Phase.choices, coerce=int, initial=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ExtensionForm(forms.Form):
    phase = forms.TypedChoiceField(label=_("Phase"), choices=Phase.choices, coerce=int)
    due_on = CalendarDateField(label=_("New due date"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class RunLogForm(forms.ModelForm):
    class Meta:
        model = RunLogEntry
        fields = ["happened_on", "kind", "text", "photo"]
        # ISO, whatever the language: a date input ignores a value like "29.11.2026".
        field_classes = {"happened_on": CalendarDateField}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "photo": forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
            ),
        }

    # Optional: the entry records a value of one of the experiment's impact-plan indicators.
    indicator = forms.TypedChoiceField(
        label=_("Indicator (optional)"), required=False, coerce=int, empty_value=None
    )
    # Typed with a decimal comma ("9,5") or point (core.forms).
    value = DecimalCommaField(
        label=_("Measured value"), required=False, max_digits=14, decimal_places=2
    )

    def __init__(self, *args: Any, experiment: Experiment | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["happened_on"].initial = timezone.localdate
        from impact.selectors import indicators_for_experiment

        indicators = indicators_for_experiment(experiment_id=experiment.pk) if experiment else []
        if indicators:
            cast(forms.ChoiceField, self.fields["indicator"]).choices = [("", "—")] + [
                (i.pk, f"{i.name} ({i.unit})" if i.unit else i.name) for i in indicators
            ]
            self.fields["indicator"].help_text = _(
                "Record a value for an indicator of your impact plan with this entry."
            )
        else:
            del self.fields["indicator"]
            del self.fields["value"]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self) -> dict:
        data = super().clean() or {}
        if "indicator" in self.fields:
            if data.get("indicator") is not None and data.get("value") is None:
                self.add_error("value", _("Give the measured value of the indicator."))
            if data.get("value") is not None and data.get("indicator") is None:
                self.add_error("indicator", _("Choose the indicator the value is for."))
        return data


def _field_errors(field: forms.BoundField, tag: str) -> str:
    """A field's errors as workshops/includes/_review_field_errors.html writes them."""
    esc = conditional_escape
    items = "".join(
        f'<{tag} id="error_{n}_{esc(field.auto_id)}"><strong>{esc(str(error))}</strong></{tag}>'
        for n, error in enumerate(field.errors, 1)
    )
    field_id = getattr(field.errors, "field_id")  # noqa: B009 - not in django-stubs' ErrorList
    return f'<div id="{esc(field_id)}_error" class="invalid-feedback">{items}</div>\n'


class ReviewForm(forms.Form):
    """The structured review: a level per rubric criterion, strengths, questions, suggestions,
    what to change, and the decision. `draft_version` is the shared draft it is based on."""

    draft_version = forms.IntegerField(widget=HiddenInput, required=False, min_value=0)
    # This page's name (a random id per render): see services.review_draft_moved_on.
    draft_writer = forms.CharField(widget=HiddenInput, required=False, max_length=40)
    # The rubric this page shows (services_rubric.review_rubric_seen): a decision made on a
    # page older than the rubric is refused with what changed.
    rubric_seen = forms.CharField(
        widget=HiddenInput, required=False, strip=False, max_length=200_000
    )
    strengths = forms.CharField(
        label=_("Strengths"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
    )
    questions = forms.CharField(
        label=_("Questions"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
    )
    suggestions = forms.CharField(
        label=_("Suggestions"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
    )
    feedback = forms.CharField(
        label=_("What to change"),
        help_text=_("Required when you ask for a revision."),
        widget=Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20_000,
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Review.Decision.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, criteria: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria or []
        self.fields["rubric_seen"].initial = review_rubric_seen(self.criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.title,
                help_text=criterion.description,
                choices=[
                    (level.pk, f"{level.points} · {level.label}: {level.descriptor}")
                    for level in criterion.levels.all()
                ],
                coerce=int,
                widget=forms.RadioSelect(attrs={"data-testid": f"criterion-{criterion.position}"}),
                error_messages={"required": _("Pick a level for this criterion.")},
            )
        self.order_fields(
            [f"criterion_{c.pk}" for c in self.criteria]
            + ["strengths", "questions", "suggestions", "feedback", "decision"]
        )

    def plain_fields(self) -> list[forms.BoundField]:
        """The form's fields, the text boxes with Bootstrap's classes (crispy's bootstrap5
        pack gave them the same)."""
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Textarea):
                invalid = " is-invalid" if self.is_bound and self.errors.get(name) else ""
                field.widget.attrs["class"] = f"textarea form-control{invalid}"
        return list(self)

    def plain_html(self) -> SafeString:
        """The fields in the markup crispy's bootstrap5 pack gave them (the same ids, labels,
        errors and aria attributes; tests/workshops/test_review_fields_markup.py holds the two
        equal), written in Python as the template that replaced crispy wrote them, byte for
        byte (the test keeps that template too): the template was a tenth of the review
        page's time (#13). Every value is escaped as the template engine escapes it."""
        esc = conditional_escape
        out = ["\n"]
        errors = self.non_field_errors()
        if errors:
            out.append(
                '<div class="alert alert-block alert-danger"><ul class="m-0">'
                f"{unordered_list(errors, autoescape=True)}</ul></div>"
            )
        out.append("\n")
        for field in self.plain_fields():
            if field.is_hidden:
                out.append(str(field))
                continue
            auto_id = esc(field.auto_id)
            required = field.field.required
            label = esc(str(field.label))
            help_html = (
                f'<div id="{auto_id}_helptext" class="form-text">{field.help_text}</div>'
                if field.help_text
                else ""
            )
            if field.use_fieldset:
                described = field.aria_describedby
                invalid = " is-invalid" if field.errors else ""
                options = field.subwidgets
                out.append(
                    f'\n<div id="div_{auto_id}" class="mb-3"><fieldset'
                    + (f' aria-describedby="{esc(described)}"' if described else "")
                    + '><legend class="form-label'
                    + (" requiredField" if required else "")
                    + f' fs-6">{label}'
                    + ('<span class="asteriskField">*</span>' if required else "")
                    + "</legend>\n<div>"
                )
                for n, option in enumerate(options, 1):
                    data = option.data
                    out.append(
                        f'<div class="form-check"><input type="{esc(data["type"])}" '
                        f'class="form-check-input{invalid}" name="{esc(field.html_name)}" '
                        f'value="{esc(unlocalize(data["value"]))}"{_attrs_html(data["attrs"])}>'
                        f'<label for="{esc(data["attrs"].get("id", ""))}" '
                        f'class="form-check-label">{esc(unlocalize(data["label"]))}</label>'
                        + (_field_errors(field, "p") if field.errors and n == len(options) else "")
                        + "</div>"
                    )
                out.append(f"</div>\n{help_html}</fieldset></div>\n")
            else:
                out.append(
                    f'\n<div id="div_{auto_id}" class="mb-3"><label '
                    f'for="{esc(field.id_for_label)}" class="form-label'
                    + (" requiredField" if required else "")
                    + f'">{label}'
                    + ('<span class="asteriskField">*</span>' if required else "")
                    + f"</label>{field}"
                    + (_field_errors(field, "span") if field.errors else "")
                    + f"{help_html}</div>\n"
                )
        out.append("\n")
        return mark_safe("".join(out))  # noqa: S308 - every part is escaped above

    def clean(self):
        data = super().clean() or {}
        if data.get("decision") == Review.Decision.REVISE and not data.get("feedback", "").strip():
            self.add_error(
                "feedback", _("Tell the learner what to change when you ask for a revision.")
            )
        seen = data.get("rubric_seen")
        if seen and not review_rubric_seen_valid(seen):
            # A hidden field's error would not show beside it: said above the fields.
            self.add_error(None, _("The review form is out of date; reload the page."))
        return data

    def levels(self) -> dict[int, int]:
        return {
            c.pk: self.cleaned_data[f"criterion_{c.pk}"]
            for c in self.criteria
            if self.cleaned_data.get(f"criterion_{c.pk}")
        }


def posted_levels(data: QueryDict) -> dict[int, int]:
    """The levels a review page sent, {criterion id: level id}, whatever rubric they belong to
    (services_rubric.review_rubric_check tells which still apply)."""
    picked = {}
    for name in data:
        if not name.startswith("criterion_"):
            continue
        criterion = parse_id(name.removeprefix("criterion_"))
        level = parse_id(data.get(name, ""))
        if criterion is not None and level is not None:
            picked[criterion] = level
    return picked


def draft_levels(data, criteria: list) -> dict[int, int]:
    """Levels picked so far in an autosaved review (ignores anything that is not a level)."""
    picked = {}
    for criterion in criteria:
        level = parse_id(data.get(f"criterion_{criterion.pk}", ""))
        if level is not None and level in {lv.pk for lv in criterion.levels.all()}:
            picked[criterion.pk] = level
    return picked


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        widget=Textarea(attrs={"rows": 3, "data-testid": "comment-text"}),
        max_length=5000,
        error_messages={"required": _("Write a message.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class SessionForm(forms.ModelForm):
    # The form's metaclass takes declared fields off the class, so BaseForm.files (the uploads)
    # is not replaced at run time; mypy sees only the class body.
    files = MultipleFileField(label=_("Material files (optional)"), required=False)  # type: ignore[assignment]

    class Meta:
        model = WorkshopSession
        fields = [
            "workshop",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "agenda",
            "materials",
        ]
        widgets = {
            "agenda": forms.Textarea(attrs={"rows": 5}),
            "materials": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"materials": _("Material links")}
        field_classes = {
            "online_url": partial(forms.URLField, assume_scheme="https"),
            "starts_at": CalendarDateTimeField,
            "ends_at": CalendarDateTimeField,
        }

    def __init__(self, *args: Any, cohort=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cohort is not None:
            workshop = cast("forms.ModelChoiceField[Workshop]", self.fields["workshop"])
            workshop.queryset = cohort.course.workshops.all()
            if workshop.queryset.count() == 1 and not self.instance.pk:
                workshop.initial = workshop.queryset.first()
        self.fields["files"].help_text = _(
            "Slides or handouts: PDF, Office or OpenDocument files or images, at most %(mb)s MB "
            "each. Only the cohort's learners and staff can download them."
        ) % {"mb": max_file_bytes() // (1024 * 1024)}
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The session must end after it starts."))
        if not data.get("place", "").strip() and not data.get("online_url"):
            self.add_error("place", _("Give a place or an online link."))
        return data

    def clean_files(self):
        return _check_sizes(self.cleaned_data.get("files") or [])


class SessionRecordingForm(forms.Form):
    """A session's recording (a link, or a video file with captions) and its slides."""

    recording_url = forms.URLField(
        label=_("Recording address"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "A YouTube or Vimeo address is played on the session's page; another address is "
            "shown as a link."
        ),
    )
    recording_video = forms.FileField(
        label=_("Or upload the video"),
        required=False,
        help_text=_("MP4, WebM or Ogg."),
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/webm,video/ogg"}),
    )
    recording_captions = forms.FileField(
        label=_("Captions (.vtt)"),
        required=False,
        help_text=_("WebVTT captions for the uploaded video."),
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,text/vtt"}),
    )
    slides = forms.FileField(
        label=_("Slides"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    remove = forms.MultipleChoiceField(
        label=_("Remove"),
        required=False,
        choices=[
            ("video", pgettext_lazy("session recording", "the video")),
            ("captions", pgettext_lazy("session recording", "the captions")),
            ("slides", pgettext_lazy("session recording", "the slides")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slides"].help_text = _(
            "PDF, Office or OpenDocument file, at most %(mb)s MB. Shown to the cohort once the "
            "session has started."
        ) % {"mb": max_file_bytes() // (1024 * 1024)}
        self.helper = FormHelper()
        self.helper.form_tag = False


class PeerReviewForm(forms.Form):
    works = forms.CharField(
        label=_("What works well?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )
    question = forms.CharField(
        label=_("What would you like to ask?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )
    suggestion = forms.CharField(
        label=_("One suggestion"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
    )


# A mixin for the two model forms below: the type checker sees the form it is mixed into.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class _PeerCounts(_FormBase):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("peer_reviewers", "peer_reviews_each"):
            value = data.get(name)
            if value is not None and not 1 <= value <= 10:
                self.add_error(name, _("Choose a number from 1 to 10."))
        return data


class PeerSettingsForm(_PeerCounts, forms.ModelForm):
    """A phase's course-wide peer feedback defaults (course authors)."""

    class Meta:
        model = Assignment
        fields = list(PEER_FIELDS)


class CohortPeerForm(_PeerCounts, forms.ModelForm):
    """One cohort's own peer feedback settings for a phase (its lead instructor)."""

    class Meta:
        model = CohortPeerSettings
        fields = list(PEER_FIELDS)


class MarkingSettingsForm(forms.ModelForm):
    """The workshop's course-wide defaults (course authors)."""

    class Meta:
        model = Workshop
        fields = ["marking_workflow", "second_check", "blind_review"]


class CohortMarkingForm(forms.ModelForm):
    """One cohort's own marking settings (its lead instructor)."""

    class Meta:
        model = CohortMarkingSettings
        fields = ["marking_workflow", "second_check", "blind_review"]


# --- phase texts per language (the phase text editor) -------------------------------------


class _TextsForm(TranslatedTextsMixin, forms.ModelForm):
    """A row's texts in fi | sv | en side by side (courses.forms.TranslatedTextsMixin); the
    `html` texts are sanitised in every language as they are saved, as they are again when
    shown."""

    labels: ClassVar[dict[str, Any]] = {}
    html: tuple[str, ...] = ()

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(self._translated_data(data), *args, **kwargs)
        self._label_translated(self.labels)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.html:
            for language in content_languages():
                key = f"{name}_{language}"
                if data.get(key):
                    data[key] = clean_html(data[key])
        return data

    def missing(self) -> list[dict[str, Any]]:
        """[{"code", "name"}] of the languages the saved row still lacks (the marker)."""
        return language_marker(self.missing_languages())


def _textareas(name: str, rows: int) -> dict[str, forms.Widget]:
    return {
        f"{name}_{language}": forms.Textarea(attrs={"rows": rows})
        for language in content_languages()
    }


class PhaseTextsForm(_TextsForm):
    """A phase's (assignment's) title and instructions."""

    translated = ("title", "instructions")
    html = ("instructions",)
    labels: ClassVar[dict[str, Any]] = {"title": _("title"), "instructions": _("instructions")}

    class Meta:
        model = Assignment
        fields = fields_per_language("title", "instructions")
        widgets = _textareas("instructions", 8)


class CriterionTextsForm(_TextsForm):
    """A rubric criterion's title and description."""

    translated = ("title", "description")
    labels: ClassVar[dict[str, Any]] = {"title": _("criterion"), "description": _("description")}

    class Meta:
        model = RubricCriterion
        fields = fields_per_language("title", "description")
        widgets = _textareas("description", 2)


class LevelTextsForm(_TextsForm):
    """A rubric level's label and descriptor."""

    translated = ("label", "descriptor")
    required_translated = ("label",)
    labels: ClassVar[dict[str, Any]] = {"label": _("level"), "descriptor": _("descriptor")}

    class Meta:
        model = RubricLevel
        fields = fields_per_language("label", "descriptor")
        widgets = _textareas("descriptor", 2)


# --- the rubric editor (workshops/views_rubric.py) --------------------------------------------


class RubricLevelForm(LevelTextsForm):
    """A level on the rubric editor: its points and its label and descriptor per language;
    `remove` (on an existing level) deletes it. A new level's row left empty is skipped (build
    it with `empty_permitted=True`)."""

    points = forms.IntegerField(label=_("Points"))
    remove = forms.BooleanField(label=_("Remove this level"), required=False)

    class Meta(LevelTextsForm.Meta):
        fields = ["points", *fields_per_language("label", "descriptor")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The bounds live with the service that enforces them again (imported here to keep
        # this block of the module self-contained).
        from .services_rubric import MAX_POINTS

        super().__init__(*args, **kwargs)
        message = _("Give the points as a whole number from 0 to %(max)s.") % {"max": MAX_POINTS}
        self.fields["points"] = forms.IntegerField(
            label=_("Points"),
            min_value=0,
            max_value=MAX_POINTS,
            error_messages={
                "required": message,
                "invalid": message,
                "min_value": message,
                "max_value": message,
            },
            widget=forms.NumberInput(attrs={"class": "rubric-points"}),
        )
        if self.instance.pk is None:
            del self.fields["remove"]
