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
from .authoring import QUIZ_FORMAT_HELP, AuthoringError, quiz_parse
from .languages import SOURCE_LANGUAGE, content_languages
from .models import Item, Module, Question, QuestionTag

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


def _fields_per_language(*names: str) -> list[str]:
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

    def language_groups(self) -> list[dict[str, Any]]:
        """[{"code", "name", "fields": [bound fields]}] for the template's side-by-side columns."""
        form: Any = self
        return [
            {
                "code": language,
                "name": LANGUAGE_NAMES[language],
                "fields": [form[f"{name}_{language}"] for name in self.translated],
            }
            for language in content_languages()
        ]

    def other_fields(self) -> list[Any]:
        form: Any = self
        names = set(_fields_per_language(*self.translated))
        return [form[name] for name in self.fields if name not in names]


class ModuleForm(TranslatedTextsMixin, forms.ModelForm):
    translated = ("title", "summary")

    class Meta:
        model = Module
        fields = [
            *_fields_per_language("title", "summary"),
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
    translated = ("title", "body")
    video_url = forms.URLField(
        label=_("video address"),
        required=False,
        assume_scheme="https",
        help_text=_("A YouTube or Vimeo address; it is shown in privacy-enhanced mode."),
    )
    link_url = forms.URLField(label=_("link address"), required=False, assume_scheme="https")
    questions_text = forms.CharField(
        label=_("Questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace"}),
        help_text=QUIZ_FORMAT_HELP,
    )

    class Meta:
        model = Item
        fields = [
            "kind",
            *_fields_per_language("title", "body"),
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
        self._label_translated({"title": _("title"), "body": _("content")})
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
                self.parsed_questions = quiz_parse(data.get("questions_text", ""))
            except AuthoringError as exc:
                self.add_error("questions_text", exc.message)
            else:
                if not self.parsed_questions and not draw:
                    self.add_error(
                        "questions_text", _("A knowledge check needs at least one question.")
                    )
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


class BankQuestionsForm(forms.Form):
    """New questions for the course's question bank, in the knowledge check's text format."""

    text = forms.CharField(
        label=_("Questions"),
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
        help_text=QUIZ_FORMAT_HELP,
    )
    tags = forms.CharField(
        label=pgettext_lazy("question bank", "Tags"),
        required=False,
        max_length=600,
        help_text=_("Separate tags with commas, e.g. “Verkostot, Vaikuttavuus”."),
    )

    def __init__(self, *args: Any, single: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.single = single
        if single:
            self.fields["text"].label = _("Question")

    def clean_text(self) -> str:
        text = self.cleaned_data.get("text", "")
        try:
            parsed = quiz_parse(text)
        except AuthoringError as exc:
            raise forms.ValidationError(exc.message) from None
        if not parsed:
            raise forms.ValidationError(_("Write at least one question."))
        if self.single and len(parsed) != 1:
            raise forms.ValidationError(_("Write exactly one question here."))
        return text
