from typing import TYPE_CHECKING, Any, cast

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Card
from .services import EDITABLE_FIELDS
from .services_questions import MAX_REASON_CHARS

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from workshops.models import Experiment

SORTS = (("recent", _("Most recent")), ("relevance", _("Best match")))


class CardForm(forms.ModelForm):
    # The card as the form was opened (services.card_version): a save over sections someone
    # saved since is refused rather than written over their text.
    based_on = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    class Meta:
        model = Card
        fields = list(EDITABLE_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in (
                "context",
                "need",
                "hypothesis",
                "tried",
                "results",
                "lessons",
                "scaling",
            )
        } | {
            "summary": forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
            "contacts": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["show_names"].help_text = _(
            "Each member decides for their own name: ticking this agrees for you and asks the "
            "others. Members who have not agreed are shown as a team member from their town."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False


class NameAnswerForm(forms.Form):
    """A team member's answer for their own name on a card (portfolio.consent)."""

    answer = forms.ChoiceField(
        choices=(("agree", _("Show my name")), ("decline", _("Do not show my name"))),
        error_messages={
            "required": _("Choose whether your name may be shown."),
            "invalid_choice": _("Choose whether your name may be shown."),
        },
    )


class PublishForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Who can see the card"),
        choices=Card.Scope.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A public card is checked by a coordinator first; until then it is shown to the "
            "network (everyone signed in)."
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "I confirm that the card contains no personal data of residents (names, contact "
            "details or anything else that identifies a person who took part)."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("scope") == Card.Scope.PUBLIC and not data.get("consent"):
            self.add_error(
                "consent", _("Confirm that the card contains no personal data of residents.")
            )
        return data


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label
        self.helper = FormHelper()
        self.helper.form_tag = False


class AdaptForm(forms.Form):
    experiment: "forms.ModelChoiceField[Experiment]" = forms.ModelChoiceField(
        label=_("Our experiment"),
        queryset=None,
        error_messages={
            "required": _("Choose one of your own experiments."),
            "invalid_choice": _("Choose one of your own experiments."),
        },
    )
    note = forms.CharField(
        label=_("What we did differently (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, experiments: "QuerySet[Experiment] | None" = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Experiment]", self.fields["experiment"]).queryset = experiments
        self.helper = FormHelper()
        self.helper.form_tag = False


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the card cannot be public"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class GalleryForm(forms.Form):
    """The gallery's search and filters (GET); bad values are ignored, never an error page."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    organisation = forms.TypedChoiceField(
        label=_("Municipality"), required=False, coerce=int, empty_value=None
    )
    phase = forms.TypedChoiceField(label=_("Phase"), required=False, coerce=int, empty_value=None)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    scope = forms.ChoiceField(label=_("Shown to"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)

    def __init__(self, *args: Any, facets: dict, public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        # Every filter but the search box is a choice field.
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["theme"].choices = every + [(t.code, str(t)) for t in facets["themes"]]
        fields["organisation"].choices = every + [(o.pk, o.name) for o in facets["organisations"]]
        fields["phase"].choices = every + list(facets["phases"])
        fields["outcome"].choices = every + list(facets["outcomes"])
        fields["scope"].choices = every + [
            (Card.Scope.COHORT, _("My cohort")),
            (Card.Scope.NETWORK, _("The network")),
            (Card.Scope.PUBLIC, _("Public")),
        ]
        if public:
            del self.fields["scope"]


class HideForm(forms.Form):
    """A moderator hides a message on a card (portfolio.services_questions.card_message_hide)."""

    reason = forms.CharField(
        label=_("Reason (shown to the writer)"),
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
