from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

from django import forms
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


class ItemForm(TranslatedTextsMixin, forms.ModelForm):
    translated = ("title", "body", "questions_text")
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
            f"body_{language}": forms.Textarea(attrs={"rows": 12, "data-course-editor": "1"})
            for language in content_languages()
        }

    def __init__(self, data: Any = None, *args: Any, course, **kwargs: Any) -> None:
        super().__init__(self._translated_data(data), *args, **kwargs)
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

    def missing_languages(self) -> set[str]:
        missing = super().missing_languages()
        if self.instance.pk is not None and self.instance.kind == Item.Kind.QUIZ:
            missing |= questions_missing_languages(
                self.instance.questions.prefetch_related("choices")
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
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
        rules_by_kind: dict[str | None, set[Item.Rule]] = {
            Item.Kind.QUIZ: {Item.Rule.QUIZ_PASSED, Item.Rule.MANUAL},
            Item.Kind.ASSIGNMENT: {Item.Rule.SUBMITTED, Item.Rule.APPROVED},
        }
        allowed = rules_by_kind.get(kind, {Item.Rule.VIEWED, Item.Rule.MANUAL})
        if rule and rule not in allowed:
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
            "attended; excused absences are left out. Leave empty if attendance does not count."
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
