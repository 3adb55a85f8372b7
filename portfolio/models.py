"""The co-development portfolio and the network gallery (Osaamisväylä).

Every experiment a learner owns or co-owns has one portfolio card: its story written for others
in the structure of the Finnish experiment registers. The owners choose who sees it (the scope);
a public card needs a coordinator's approval. Visibility is decided in one query helper,
`portfolio.access.cards_visible_to`, never in templates.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.search.fields import Fts5TableField


class Card(models.Model):
    """An experiment's portfolio card."""

    class Scope(models.TextChoices):
        PRIVATE = "private", pgettext_lazy("card scope", "Private (only the team)")
        COHORT = "cohort", pgettext_lazy("card scope", "Cohort")
        NETWORK = "network", pgettext_lazy("card scope", "Network (everyone signed in)")
        PUBLIC = "public", pgettext_lazy("card scope", "Public (anyone on the web)")

    class PublicStatus(models.TextChoices):
        NONE = "none", pgettext_lazy("public approval", "Not requested")
        PENDING = "pending", pgettext_lazy("public approval", "Waiting for approval")
        APPROVED = "approved", pgettext_lazy("public approval", "Approved")
        REJECTED = "rejected", pgettext_lazy("public approval", "Not approved")

    class Outcome(models.TextChoices):
        OPEN = "open", pgettext_lazy("experiment outcome", "Not decided yet")
        SCALE = "scale", pgettext_lazy("experiment outcome", "Scaled up")
        ITERATE = "iterate", pgettext_lazy("experiment outcome", "Iterated further")
        STOP = "stop", pgettext_lazy("experiment outcome", "Stopped")

    # The register's structure: (field name, what it asks), in order on the card.
    SECTIONS = (
        ("context", _("Context")),
        ("need", _("Why it was needed")),
        ("hypothesis", _("Hypothesis")),
        ("tried", _("What was tried")),
        ("results", _("Results")),
        ("lessons", _("Lessons learned")),
        ("scaling", _("Scaling potential")),
        ("contacts", _("Contacts")),
    )

    experiment = models.OneToOneField(
        "workshops.Experiment",
        verbose_name=_("experiment"),
        on_delete=models.CASCADE,
        related_name="portfolio_card",
    )
    # The municipality the card is listed under: the organisation of the learner who started
    # the experiment (filters, "similar experiments elsewhere", who approves public cards).
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("municipality or organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="portfolio_cards",
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences shown in the gallery and in search engines."),
    )
    context = models.TextField(_("context"), blank=True)
    need = models.TextField(_("why it was needed"), blank=True)
    hypothesis = models.TextField(_("hypothesis"), blank=True)
    tried = models.TextField(_("what was tried"), blank=True)
    results = models.TextField(_("results"), blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    scaling = models.TextField(_("scaling potential"), blank=True)
    contacts = models.TextField(
        _("contacts"),
        blank=True,
        help_text=_("Only what you want others to see, e.g. a work email or a unit's address."),
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN
    )
    show_names = models.BooleanField(
        _("show the team's names on the card"),
        default=False,
        help_text=_("Otherwise the card shows only the municipality or organisation."),
    )
    scope = models.CharField(
        _("who can see it"), max_length=20, choices=Scope.choices, default=Scope.PRIVATE
    )
    public_status = models.CharField(
        _("public approval"),
        max_length=20,
        choices=PublicStatus.choices,
        default=PublicStatus.NONE,
    )
    # The consent that the card includes no personal data of residents, given by an owner when
    # asking for public publication.
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent given by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    requested_at = models.DateTimeField(_("public approval requested"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # While changes to a public card wait for a coordinator (public_status PENDING) or were
    # declined (REJECTED), the text last approved for the public: the values of
    # APPROVED_FIELDS, which everyone outside the team keeps seeing (public page, gallery,
    # search). None when the card's own fields are what the public sees.
    approved_version = models.JSONField(
        _("approved version"), null=True, blank=True, editable=False
    )
    # The card's lemmatised text, themes and municipality (portfolio.search), kept by
    # services.card_index on PostgreSQL (GIN-indexed there); SQLite uses CardSearchText.
    search_document = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("portfolio card")
        verbose_name_plural = _("portfolio cards")
        constraints = [
            # A public card has always been approved: scope is the one field every query reads.
            # (or it has an approved version, shown while changes wait or were declined).
            models.CheckConstraint(
                condition=~models.Q(scope="public")
                | models.Q(public_status="approved")
                | models.Q(approved_version__isnull=False),
                name="public_card_is_approved",
            ),
            # An approved version is kept only while a public card's changes wait or were
            # declined: approving, withdrawing or a narrower scope drops it.
            models.CheckConstraint(
                condition=models.Q(approved_version__isnull=True)
                | models.Q(scope="public", public_status__in=["pending", "rejected"]),
                name="approved_version_only_for_changes",
            ),
        ]
        indexes = [models.Index(fields=["scope", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    # What a coordinator approves for the public: the owners' text and whether their names
    # show (the outcome is not checked).
    APPROVED_FIELDS = (
        "title",
        "summary",
        "context",
        "need",
        "hypothesis",
        "tried",
        "results",
        "lessons",
        "scaling",
        "contacts",
        "show_names",
    )

    @property
    def is_published(self) -> bool:
        return self.scope != self.Scope.PRIVATE

    @property
    def has_unapproved_changes(self) -> bool:
        """A public card whose changes the public does not see yet (waiting or declined)."""
        return self.approved_version is not None

    def sections(self) -> list[tuple[str, str]]:
        """(heading, text) for each filled section, in the register's order."""
        return [
            (str(label), getattr(self, name))
            for name, label in self.SECTIONS
            if getattr(self, name)
        ]


def shown_to_the_public(
    own: Mapping[str, Any], approved: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The values of Card.APPROVED_FIELDS that people outside the team see, from the card's
    own (`own`) and its approved version (`approved`, None when there is none). Hiding the
    names or emptying the contacts shows at once: taking personal data down never waits."""
    shown = {name: own[name] for name in Card.APPROVED_FIELDS}
    if approved is None:
        return shown
    for name in Card.APPROVED_FIELDS:
        if name in approved:
            shown[name] = approved[name]
    shown["show_names"] = bool(shown["show_names"]) and bool(own["show_names"])
    if not own["contacts"]:
        shown["contacts"] = ""
    return shown


class NameConsent(models.Model):
    """A team member's own answer to showing their name with the card to people outside the
    team (its public page, the network's card page): nobody answers for anyone else. A member
    without an agreement here (asked, declined, withdrawn, never asked) is shown as a team
    member from their town (portfolio.consent)."""

    class Answer(models.TextChoices):
        ASKED = "asked", pgettext_lazy("name consent", "Asked, no answer yet")
        AGREED = "agreed", pgettext_lazy("name consent", "Agreed")
        DECLINED = "declined", pgettext_lazy("name consent", "Declined")

    card = models.ForeignKey(
        Card, verbose_name=_("card"), on_delete=models.CASCADE, related_name="name_consents"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    answer = models.CharField(
        _("answer"), max_length=20, choices=Answer.choices, default=Answer.ASKED
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    asked_at = models.DateTimeField(_("asked"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("consent to show a name")
        verbose_name_plural = _("consents to show names")
        constraints = [
            models.UniqueConstraint(fields=["card", "user"], name="one_name_consent_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.card}: {self.user} ({self.answer})"


class CardSearchText(models.Model):
    """The cards' lemmatised text in SQLite's FTS5 table (portfolio.search), created by a
    migration and written by services.card_index; never used on PostgreSQL."""

    card = models.OneToOneField(
        Card,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        related_name="search_text",
    )
    document = Fts5TableField(db_column="portfolio_card_fts")

    class Meta:
        managed = False
        db_table = "portfolio_card_fts"

    def __str__(self) -> str:
        return str(self.pk)


class CardMessage(models.Model):
    """A question on a card from a network member, or an answer in its thread."""

    card = models.ForeignKey(
        Card, verbose_name=_("card"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    text = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    # Hidden by the card's team or the cohort's staff (portfolio.services_questions): its writer
    # and they still read it, everyone else sees that it was hidden.
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("question or answer")
        verbose_name_plural = _("questions and answers")

    def __str__(self) -> str:
        return f"{self.card}: {self.text[:40]}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Adaptation(models.Model):
    """'We tried this too': another experiment that adapted the card's experiment."""

    card = models.ForeignKey(
        Card, verbose_name=_("original"), on_delete=models.CASCADE, related_name="adaptations"
    )
    experiment = models.ForeignKey(
        "workshops.Experiment",
        verbose_name=_("adapting experiment"),
        on_delete=models.CASCADE,
        related_name="adapted_from",
    )
    note = models.TextField(_("what we did differently"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("adaptation")
        verbose_name_plural = _("adaptations")
        constraints = [
            models.UniqueConstraint(fields=["card", "experiment"], name="one_adaptation_link"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment} ← {self.card}"


class IncludedReflection(models.Model):
    """A journal reflection the learner chose to show in their portfolio."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reflection = models.OneToOneField(
        "courses.Reflection", on_delete=models.CASCADE, related_name="portfolio_inclusion"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("reflection in the portfolio")
        verbose_name_plural = _("reflections in the portfolio")

    def __str__(self) -> str:
        return str(self.reflection)
