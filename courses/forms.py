from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db import models
from django.urls import reverse
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from core.forms import DecimalCommaField

from . import video
from .authoring import (
    CHOICE_TEXTS,
    QUESTION_TEXTS,
    QUIZ_FORMAT_HELP,
    AuthoringError,
    quiz_parse,
    quiz_translation_parse,
)
from .languages import SOURCE_LANGUAGE, content_languages, missing_languages
from .models import Course, Item, Module, Question, QuestionTag

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from core.models import User
    from workshops.models import Assignment

VIDEO_SUFFIXES = {".mp4", ".webm", ".ogv", ".m4v"}
MAX_UPLOAD_MB = 200


def _capitalise_labels(form: forms.BaseForm) -> None:
    """Start every label with a capital letter, in every language.

    Django capitalises only labels it derives from a model field's verbose name; labels declared
    on the form (and their translations, such as "videon osoite") are shown as written.
    """
    for field in form.fields.values():
        if field.label:
            field.label = capfirst(field.label)


LANGUAGE_NAMES = {
    "fi": _("Finnish"),
    "sv": _("Swedish"),
    "en": _("English"),
}


def language_marker(codes: Any) -> list[dict[str, Any]]:
    """[{"code", "name"}] of these languages, in the editor's order: what the missing-language
    marker (courses/includes/_missing_languages.html) shows."""
    return [{"code": code, "name": name} for code, name in LANGUAGE_NAMES.items() if code in codes]


def fields_per_language(*names: str) -> list[str]:
    return [f"{name}_{language}" for name in names for language in content_languages()]


class TranslatedTextsMixin:
    """The form's texts in every language side by side (`title_fi`, `title_sv`, ...): Finnish
    required, the others optional. A post that names the plain field ("title") gives the
    Finnish text, as the form did before it had languages."""

    translated: tuple[str, ...] = ()
    required_translated: tuple[str, ...] = ("title",)
    fields: dict[str, forms.Field]

    def _translated_data(self, data: Any) -> Any:
        if data is None:
            return None
        data = data.copy()
        for name in self.translated:
            if name in data and f"{name}_{SOURCE_LANGUAGE}" not in data:
                data[f"{name}_{SOURCE_LANGUAGE}"] = data[name]
        return data

    def _label_translated(self, base_labels: dict[str, StrOrPromise]) -> None:
        for name in self.translated:
            for language in content_languages():
                field = self.fields[f"{name}_{language}"]
                field.label = format_lazy(
                    "{} ({})", capfirst(base_labels[name]), LANGUAGE_NAMES[language]
                )
                field.required = language == SOURCE_LANGUAGE and name in self.required_translated
                field.widget.attrs["lang"] = language

    def missing_languages(self) -> set[str]:
        """The languages the saved texts still lack (the editor's marker over each column):
        a ModelForm's translated model fields by default."""
        instance = getattr(self, "instance", None)
        if instance is None or instance.pk is None:
            return set()
        names = [n for n in self.translated if hasattr(instance, f"{n}_{SOURCE_LANGUAGE}")]
        return set(missing_languages(instance, names))

    def language_groups(self) -> list[dict[str, Any]]:
        """[{"code", "name", "fields": [bound fields], "missing"}] for the template's
        side-by-side columns; "missing": [{"code", "name"}] when saved texts lack it."""
        form: Any = self
        missing = self.missing_languages()
        return [
            {
                "code": language,
                "name": LANGUAGE_NAMES[language],
                "fields": [form[f"{name}_{language}"] for name in self.translated],
                "missing": language_marker({language} & missing),
            }
            for language in content_languages()
        ]

    def other_fields(self) -> list[Any]:
        form: Any = self
        names = set(fields_per_language(*self.translated))
        return [form[name] for name in self.fields if name not in names]


QUIZ_TRANSLATION_HELP = _(
    "The same questions in the same order, with the same answer lines, in this language. "
    "The types, the right answers and the numbers come from the Finnish text; a text left "
    "empty is shown in Finnish."
)


def questions_missing_languages(questions: Any) -> set[str]:
    """The languages any of these questions (choices prefetched or not) still lacks."""
    missing: set[str] = set()
    for question in questions:
        missing.update(missing_languages(question, QUESTION_TEXTS))
        for choice in question.choices.all():
            missing.update(missing_languages(choice, CHOICE_TEXTS))
    return missing


def _question_text_fields(form: forms.BaseForm, name: str, label: StrOrPromise) -> None:
    """`<name>_fi`, `_sv`, `_en`: the questions in the text format, Finnish with the format's
    help and the others with what a translation holds."""
    for language in content_languages():
        form.fields[f"{name}_{language}"] = forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace"}),
            help_text=QUIZ_FORMAT_HELP if language == SOURCE_LANGUAGE else QUIZ_TRANSLATION_HELP,
        )


def _check_question_translations(
    form: forms.BaseForm, name: str, source: list[Any], data: dict[str, Any]
) -> None:
    """Each other language's questions must follow the Finnish ones (errors under its field)."""
    for language in content_languages():
        if language == SOURCE_LANGUAGE:
            continue
        try:
            quiz_translation_parse(source, data.get(f"{name}_{language}", ""))
        except AuthoringError as exc:
            form.add_error(f"{name}_{language}", exc.message)


def question_translations(data: dict[str, Any], name: str) -> dict[str, str]:
    """{"sv": text, "en": text} from a form's cleaned data, for the authoring services."""
    return {
        language: data.get(f"{name}_{language}", "")
        for language in content_languages()
        if language != SOURCE_LANGUAGE
    }


class CourseForm(TranslatedTextsMixin, forms.ModelForm):
    """The course's title and description in every language side by side."""

    translated = ("title", "description")

    class Meta:
        model = Course
        fields = fields_per_language("title", "description")
        widgets = {
            f"description_{language}": forms.Textarea(attrs={"rows": 5})
            for language in content_languages()
        }

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(self._translated_data(data), *args, **kwargs)
        self._label_translated({"title": _("title"), "description": _("description")})
        _capitalise_labels(self)


class ModuleForm(TranslatedTextsMixin, forms.ModelForm):
    translated = ("title", "summary")

    class Meta:
        model = Module
        fields = [
            *fields_per_language("title", "summary"),
            "is_published",
            "sequential",
            "prerequisites",
            "unlock_after_days",
        ]
        widgets = {
            **{
                f"summary_{language}": forms.Textarea(attrs={"rows": 3})
                for language in content_languages()
            },
            "prerequisites": forms.CheckboxSelectMultiple,
        }

    def __init__(self, data: Any = None, *args: Any, course, **kwargs: Any) -> None:
        super().__init__(self._translated_data(data), *args, **kwargs)
        self._label_translated({"title": _("title"), "summary": _("summary")})
        others = course.modules.all()
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        cast(
            "forms.ModelMultipleChoiceField[Module]", self.fields["prerequisites"]
        ).queryset = others
        _capitalise_labels(self)


# The completion rules each kind of item may use; a kind not named here uses DEFAULT_RULES.
RULES_BY_KIND: dict[str, frozenset[str]] = {
    Item.Kind.QUIZ: frozenset({Item.Rule.QUIZ_PASSED, Item.Rule.MANUAL}),
    Item.Kind.ASSIGNMENT: frozenset({Item.Rule.SUBMITTED, Item.Rule.APPROVED}),
}
DEFAULT_RULES = frozenset({Item.Rule.VIEWED, Item.Rule.MANUAL})
# The rule the page picks when the author changes the kind and the chosen rule does not fit
# (as a new item of each kind starts, courses/views_authoring.py).
RULE_ON_KIND_CHANGE: dict[str, str] = {
    Item.Kind.QUIZ: Item.Rule.QUIZ_PASSED,
    Item.Kind.ASSIGNMENT: Item.Rule.SUBMITTED,
    Item.Kind.VIDEO: Item.Rule.VIEWED,
    Item.Kind.LINK: Item.Rule.VIEWED,
    Item.Kind.FILE: Item.Rule.VIEWED,
}


def rules_for(kind: str | None) -> frozenset[str]:
    return RULES_BY_KIND.get(kind or "", DEFAULT_RULES)


def kind_fields() -> dict[str, tuple[str, ...]]:
    """The item form's fields that only one kind of item has (the title, text, minutes, rule,
    required and published belong to every kind): the form shows the chosen kind's and leaves
    the others' saved values alone."""
    return {
        Item.Kind.VIDEO: ("video_source", "video_url", "video_file", "captions"),
        Item.Kind.FILE: ("file",),
        Item.Kind.LINK: ("link_url",),
        Item.Kind.QUIZ: (
            *fields_per_language("questions_text"),
            "pass_mark",
            "max_attempts",
            "draw_count",
            "draw_tag",
            "review_shows_answers",
        ),
        Item.Kind.ASSIGNMENT: ("assignment",),
    }


class VideoSource(models.TextChoices):
    """Where a video item's video comes from (a form choice: the item stores only the address
    or the file, and neither for a video shown in the live webinar session)."""

    URL = "url", _("A YouTube or Vimeo address")
    FILE = "file", _("A video file uploaded here")
    LIVE = "live", _("No recording here: the video is shown in the live webinar session")


# Which source each video field belongs to (static/js/item-form.js shows the chosen one's).
VIDEO_SOURCE_FIELDS = {
    "video_url": VideoSource.URL,
    "video_file": VideoSource.FILE,
    "captions": VideoSource.FILE,
}


class RuleSelect(forms.Select):
    """The completion rule, each option naming the kinds it fits (data-kinds): the page offers
    only the chosen kind's rules, and static/js/item-form.js changes them with the kind."""

    kind = ""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        value = str(option["value"])
        option["attrs"]["data-kinds"] = " ".join(
            k for k in Item.Kind.values if value in rules_for(k)
        )
        option["attrs"]["data-default-for"] = " ".join(
            k for k in Item.Kind.values if RULE_ON_KIND_CHANGE.get(k, Item.Rule.MANUAL) == value
        )
        if self.kind and value not in rules_for(self.kind) and not option["selected"]:
            option["attrs"]["hidden"] = True
            option["attrs"]["disabled"] = True
        return option


class ItemForm(TranslatedTextsMixin, forms.ModelForm):
    """An item of one kind: the fields every item has and the chosen kind's own (kind_fields);
    the other kinds' fields are on the page but hidden, so that static/js/item-form.js can show
    them when the kind is changed, and the server ignores them. Without JavaScript a changed
    kind shows its fields when the form comes back (saved, or with what is missing)."""

    translated = ("title", "body", "questions_text")
    video_source = forms.ChoiceField(
        label=_("Where the video comes from"),
        choices=VideoSource.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "For a webinar without a recording here, learners see that the video is shown in "
            "the live session, and the text of this page."
        ),
    )
    video_url = forms.URLField(
        label=_("video address"),
        required=False,
        assume_scheme="https",
        help_text=_("A YouTube or Vimeo address; it is shown in privacy-enhanced mode."),
    )
    link_url = forms.URLField(label=_("link address"), required=False, assume_scheme="https")

    class Meta:
        model = Item
        fields = [
            "kind",
            *fields_per_language("title", "body"),
            "minutes",
            "completion_rule",
            "is_required",
            "is_published",
            "video_url",
            "video_file",
            "captions",
            "file",
            "link_url",
            "assignment",
            "pass_mark",
            "max_attempts",
            "draw_count",
            "draw_tag",
            "review_shows_answers",
        ]
        widgets = {
            **{
                f"body_{language}": forms.Textarea(attrs={"rows": 12, "data-course-editor": "1"})
                for language in content_languages()
            },
            "completion_rule": RuleSelect,
        }

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        course,
        questions: list[Question] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(self._translated_data(data), *args, **kwargs)
        # The saved check's questions with their answers when the view has read them (for
        # the texts of `initial`): the marker of missing languages reads them from here.
        self.questions = questions
        self.chosen_kind = self._chosen_kind()
        cast("RuleSelect", self.fields["completion_rule"].widget).kind = self.chosen_kind
        # The source sits before the address and the files it chooses between.
        source = self.fields.pop("video_source")
        self.fields = {
            **{k: v for k, v in self.fields.items() if k not in VIDEO_SOURCE_FIELDS},
            "video_source": source,
            **{k: v for k, v in self.fields.items() if k in VIDEO_SOURCE_FIELDS},
        }
        self.initial.setdefault("video_source", self._saved_video_source())
        _question_text_fields(self, "questions_text", _("Questions"))
        self._label_translated(
            {"title": _("title"), "body": _("content"), "questions_text": _("Questions")}
        )
        from workshops.models import Assignment

        cast(
            "forms.ModelChoiceField[Assignment]", self.fields["assignment"]
        ).queryset = Assignment.objects.filter(workshop__course=course)
        self.course = course
        self.fields["draw_count"].required = False
        cast(
            "forms.ModelChoiceField[QuestionTag]", self.fields["draw_tag"]
        ).queryset = QuestionTag.objects.filter(course=course)
        # static/js/editor-courses.js turns the textarea into the rich-text editor and uploads
        # images here; without JavaScript it stays a plain HTML textarea.
        for language in content_languages():
            body = self.fields[f"body_{language}"]
            body.widget.attrs["data-image-upload-url"] = reverse(
                "courses:image_upload", args=[course.pk]
            )
            body.help_text = _(
                "Formatting, links and images are kept; scripts, styles and images from other "
                "sites are removed when the page is saved."
            )
        _capitalise_labels(self)

    def _chosen_kind(self) -> str:
        """The kind the form is for: the posted one (the author may change it), else the
        item's."""
        if self.is_bound:
            posted = self.data.get("kind")
            if posted in Item.Kind.values:
                return str(posted)
        return str(self.instance.kind or Item.Kind.PAGE)

    def _saved_video_source(self) -> str:
        item = self.instance
        if item.video_url:
            return VideoSource.URL
        if item.video_file:
            return VideoSource.FILE
        if item.pk is not None and item.kind == Item.Kind.VIDEO:
            return VideoSource.LIVE
        return VideoSource.URL

    def field_kinds(self, name: str) -> list[str]:
        """The kinds whose form has this field; [] for a field of every kind."""
        return [kind for kind, names in kind_fields().items() if name in names]

    def rows(self, names: list[str]) -> list[dict[str, Any]]:
        """[{"field", "kinds", "hidden", "source"}] for the template: each field with the kinds
        it belongs to (space-separated, "" for all), hidden when not the chosen kind's."""
        rows = []
        for name in names:
            kinds = self.field_kinds(name)
            rows.append(
                {
                    "field": self[name],
                    "kinds": " ".join(kinds),
                    "hidden": bool(kinds) and self.chosen_kind not in kinds,
                    "source": VIDEO_SOURCE_FIELDS.get(name, ""),
                }
            )
        return rows

    def language_groups(self) -> list[dict[str, Any]]:
        groups = super().language_groups()
        for group in groups:
            group["rows"] = self.rows([field.name for field in group["fields"]])
        return groups

    def other_rows(self) -> list[dict[str, Any]]:
        """The fields besides the texts and the kind (which the template shows first)."""
        return self.rows([bf.name for bf in self.other_fields() if bf.name != "kind"])

    def error_summary(self) -> list[dict[str, Any]]:
        """[{"anchor", "label", "errors"}] for the summary above the form, in the page's order;
        "anchor" is the id of the control to go to ("" for an error of the whole form)."""
        summary: list[dict[str, Any]] = []
        if self.non_field_errors():
            summary.append({"anchor": "", "label": "", "errors": self.non_field_errors()})
        for name in self.fields:
            if name not in self.errors:
                continue
            field = self[name]
            anchor = field.auto_id
            if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                anchor = f"{anchor}_0"  # the first choice: the group itself has no control
            summary.append({"anchor": anchor, "label": field.label, "errors": self.errors[name]})
        return summary

    def missing_languages(self) -> set[str]:
        missing = super().missing_languages()
        if self.instance.pk is not None and self.instance.kind == Item.Kind.QUIZ:
            missing |= questions_missing_languages(
                self.questions
                if self.questions is not None
                else self.instance.questions.prefetch_related("choices")
            )
        return missing

    def _check_upload(self, name: str, suffixes: set[str], message: StrOrPromise) -> Any:
        upload = self.cleaned_data.get(name)
        if upload and hasattr(upload, "size"):
            if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
                raise forms.ValidationError(
                    _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_MB}
                )
            if suffixes and PurePath(upload.name).suffix.lower() not in suffixes:
                raise forms.ValidationError(message)
        return upload

    def clean_video_file(self) -> object:
        return self._check_upload(
            "video_file", VIDEO_SUFFIXES, _("Upload an MP4, WebM or Ogg video.")
        )

    def clean_captions(self) -> object:
        upload = self._check_upload(
            "captions", {".vtt"}, _("Captions must be a WebVTT (.vtt) file.")
        )
        if upload and hasattr(upload, "read"):
            head = upload.read(16)
            upload.seek(0)
            if not head.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
                raise forms.ValidationError(_("Captions must be a WebVTT (.vtt) file."))
        return upload

    def clean_file(self) -> object:
        return self._check_upload("file", set(), "")

    def clean_draw_count(self) -> int:
        return self.cleaned_data.get("draw_count") or 0

    def clean_video_url(self) -> str:
        url = self.cleaned_data.get("video_url", "")
        if url and video.embed_url(url) is None:
            raise forms.ValidationError(
                _("Paste the address of a YouTube or Vimeo video (other sites are not embedded).")
            )
        return url

    def _ignore_other_kinds(self, data: dict[str, Any], kind: str) -> None:
        """Another kind's fields (hidden on the page) neither fail nor change anything."""
        own = kind_fields().get(kind, ())
        for names in kind_fields().values():
            for name in names:
                if name not in own:
                    data.pop(name, None)
                    self.errors.pop(name, None)

    def _clean_video_source(self, data: dict[str, Any]) -> None:
        """A video plays from an address or a file, or is shown in the live webinar session:
        the author says which, and the chosen source must be given."""
        source = data.get("video_source")
        if not source:
            # A post without the choice (an older page): the address or file given says it.
            if self.data.get("video_url"):
                source = VideoSource.URL
            elif data.get("video_file"):
                source = VideoSource.FILE
            else:
                self.add_error(
                    "video_source",
                    _(
                        "Give the video's address or upload a video file. If the video is "
                        "shown only in the live webinar session, choose that."
                    ),
                )
                return
        if source == VideoSource.URL:
            if not data.get("video_url") and "video_url" not in self.errors:
                self.add_error(
                    "video_url",
                    _(
                        "Give the video's address. If the video is shown only in the live "
                        "webinar session, choose that above."
                    ),
                )
        elif source == VideoSource.FILE:
            # The address would be shown instead of the file.
            data["video_url"] = ""
            if not data.get("video_file") and "video_file" not in self.errors:
                self.add_error("video_file", _("Upload the video file."))
        else:
            # What learners see is the note about the live session: no address or file.
            data["video_url"] = ""
            data["video_file"] = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        self._ignore_other_kinds(data, self.chosen_kind)
        if kind == Item.Kind.VIDEO:
            self._clean_video_source(data)
        rule = data.get("completion_rule")
        need = {
            Item.Kind.LINK: ("link_url", _("Give the link address.")),
            Item.Kind.ASSIGNMENT: ("assignment", _("Choose the workshop assignment.")),
        }
        if kind in need:
            field, message = need[kind]
            if not data.get(field):
                self.add_error(field, message)
        if kind == Item.Kind.FILE and not (data.get("file") or self.instance.file):
            self.add_error("file", _("Upload the file."))
        if rule and rule not in rules_for(kind):
            self.add_error("completion_rule", _("This rule does not fit this kind of item."))
        if kind == Item.Kind.QUIZ:
            draw = data.get("draw_count") or 0
            try:
                self.parsed_questions = quiz_parse(data.get("questions_text_fi", ""))
            except AuthoringError as exc:
                self.add_error("questions_text_fi", exc.message)
            else:
                if not self.parsed_questions and not draw:
                    self.add_error(
                        "questions_text_fi", _("A knowledge check needs at least one question.")
                    )
                _check_question_translations(self, "questions_text", self.parsed_questions, data)
            if draw:
                pool = Question.objects.filter(course=self.course)
                tag = data.get("draw_tag")
                if tag is not None:
                    available = pool.filter(tags=tag).count()
                else:
                    # The questions written here replace the check's own in the bank.
                    if self.instance.pk is not None:
                        pool = pool.exclude(item=self.instance)
                    available = pool.count() + len(getattr(self, "parsed_questions", []))
                if available < draw:
                    self.add_error(
                        "draw_count",
                        ngettext(
                            "The question bank has only %(n)s question to draw from.",
                            "The question bank has only %(n)s questions to draw from.",
                            available,
                        )
                        % {"n": available},
                    )
        return data


class CompletionCriteriaForm(forms.Form):
    assignments: forms.ModelMultipleChoiceField[Assignment] = forms.ModelMultipleChoiceField(
        label=_("Workshop phases that must be approved"),
        queryset=None,  # set in __init__: the course's own assignments
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Besides every required item, the learner's submission to each chosen phase must "
            "be approved before the certificate is issued."
        ),
    )

    min_attendance_percent = forms.IntegerField(
        label=_("Workshop sessions attended (%)"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_(
            "The share of the cohort's workshop sessions held so far that a learner must have "
            "attended, of those recorded for them; excused absences and sessions not recorded "
            "are left out. Leave empty if attendance does not count."
        ),
    )
    # What the certificate says besides the course's modules (shown only when set).
    scope_hours = DecimalCommaField(
        label=_("Scope in hours"),
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=1,
        help_text=_("Printed on the certificate, e.g. 27. Leave empty to leave it out."),
    )
    scope_credits = DecimalCommaField(
        label=_("Credits (ECTS)"),
        required=False,
        min_value=0,
        max_digits=4,
        decimal_places=1,
        help_text=_("Printed on the certificate, e.g. 1,5. Leave empty to leave it out."),
    )
    certificate_signer = forms.CharField(
        label=_("Signed by"),
        required=False,
        max_length=200,
        help_text=_(
            "The name and title printed under the certificate's signature line, e.g. "
            "“Maria Virtanen, project manager”. Empty: the issuer's name."
        ),
    )

    def __init__(self, *args: Any, course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from workshops.models import Assignment

        cast(
            "forms.ModelMultipleChoiceField[Assignment]", self.fields["assignments"]
        ).queryset = Assignment.objects.filter(workshop__course=course).select_related("workshop")


class ReleaseExtensionForm(forms.Form):
    learner: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Learner"), queryset=None
    )
    module: forms.ModelChoiceField[Module] = forms.ModelChoiceField(
        label=_("Module"), queryset=None
    )
    days = forms.IntegerField(
        label=_("Days"),
        min_value=-3650,
        max_value=3650,
        help_text=_("Added to the module's unlock day for this learner; negative opens earlier."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from core.models import User
        from learners.models import Membership

        learner = cast("forms.ModelChoiceField[User]", self.fields["learner"])
        learner.queryset = User.objects.filter(
            memberships__cohort=cohort, memberships__role=Membership.Role.LEARNER
        ).order_by("last_name", "first_name", "email")
        # Replacing the method on this one field (rather than a subclass); mypy flags any
        # assignment to a method.
        learner.label_from_instance = lambda obj: obj.display_name  # type: ignore[method-assign]
        cast(
            "forms.ModelChoiceField[Module]", self.fields["module"]
        ).queryset = Module.objects.filter(course_id=cohort.course_id).order_by("position", "pk")


class BankQuestionsForm(TranslatedTextsMixin, forms.Form):
    """New questions for the course's question bank (or one of them edited), in the knowledge
    check's text format: Finnish, and the same questions in Swedish and English side by side."""

    translated = ("text",)
    required_translated = ("text",)

    tags = forms.CharField(
        label=pgettext_lazy("question bank", "Tags"),
        required=False,
        max_length=600,
        help_text=_("Separate tags with commas, e.g. “Verkostot, Vaikuttavuus”."),
    )

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        single: bool = False,
        question: Question | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(self._translated_data(data), *args, **kwargs)
        self.single = single
        self.question = question
        label = _("Question") if single else _("Questions")
        _question_text_fields(self, "text", label)
        self._label_translated({"text": label})
        # The texts first, then the tags.
        self.fields = {
            **{k: v for k, v in self.fields.items() if k != "tags"},
            "tags": self.fields["tags"],
        }
        for language in content_languages():
            self.fields[f"text_{language}"].widget.attrs["rows"] = 10

    def missing_languages(self) -> set[str]:
        if self.question is None:
            return set()
        return questions_missing_languages([self.question])

    def clean_text_fi(self) -> str:
        text = self.cleaned_data.get("text_fi", "")
        try:
            parsed = quiz_parse(text)
        except AuthoringError as exc:
            raise forms.ValidationError(exc.message) from None
        if not parsed:
            raise forms.ValidationError(_("Write at least one question."))
        if self.single and len(parsed) != 1:
            raise forms.ValidationError(_("Write exactly one question here."))
        self.parsed_questions = parsed
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if hasattr(self, "parsed_questions"):
            _check_question_translations(self, "text", self.parsed_questions, data)
        return data

    def translations(self) -> dict[str, str]:
        return question_translations(self.cleaned_data, "text")


class NewItemForm(ItemForm):
    """The new-item form with a one-time token, a hidden field that item_form.html renders
    with the form's other fields: the same form sent again (Back, then Save) leads to the item
    it created instead of adding a second one (authoring.item_create, ItemCreation)."""

    create_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
