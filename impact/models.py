"""The impact plan of an experiment: a logic model, its indicators and their measurements."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Column(models.TextChoices):
    """The logic model's columns, in the order they are read (left to right)."""

    RESOURCES = "resources", pgettext_lazy("logic model", "Resources")
    ACTIVITIES = "activities", pgettext_lazy("logic model", "Activities")
    OUTPUTS = "outputs", pgettext_lazy("logic model", "Outputs")
    SHORT_TERM = "short_term", pgettext_lazy("logic model", "Short-term outcomes")
    LONG_TERM = "long_term", pgettext_lazy("logic model", "Long-term impact")
    ASSUMPTIONS = "assumptions", pgettext_lazy("logic model", "Assumptions")
    RISKS = "risks", pgettext_lazy("logic model", "Risks")


# Indicators measure outcomes or impact, so only statements in these columns can carry one.
OUTCOME_COLUMNS = (Column.SHORT_TERM, Column.LONG_TERM)


class ImpactPlan(models.Model):
    experiment = models.OneToOneField(
        "workshops.Experiment",
        verbose_name=_("experiment"),
        on_delete=models.CASCADE,
        related_name="impact_plan",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("impact plan")
        verbose_name_plural = _("impact plans")

    def __str__(self) -> str:
        return str(self.experiment)


class Statement(models.Model):
    """One short statement in a column of the logic model."""

    MAX_LENGTH = 300

    plan = models.ForeignKey(
        ImpactPlan,
        verbose_name=_("impact plan"),
        on_delete=models.CASCADE,
        related_name="statements",
    )
    column = models.CharField(_("column"), max_length=20, choices=Column.choices)
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("statement"), max_length=MAX_LENGTH)

    class Meta:
        ordering = ["plan", "column", "position", "pk"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        indexes = [models.Index(fields=["plan", "column", "position"])]

    def __str__(self) -> str:
        return self.text


class Indicator(models.Model):
    """How an outcome or impact is measured: from a baseline toward a target."""

    plan = models.ForeignKey(
        ImpactPlan,
        verbose_name=_("impact plan"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    statement = models.ForeignKey(
        Statement,
        verbose_name=_("outcome or impact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    data_source = models.CharField(_("data source"), max_length=300, blank=True)
    measured_when = models.CharField(
        _("when measured"),
        max_length=200,
        blank=True,
        help_text=_("For example: every month, at the start and end of the experiment."),
    )

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """A measured value of an indicator, recorded in the planner or through the run log."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="measurements",
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    measured_on = models.DateField(_("measured on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    run_log_entry = models.OneToOneField(
        "workshops.RunLogEntry",
        verbose_name=_("run log entry"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurement",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["indicator", "measured_on", "pk"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value} ({self.measured_on})"


class PlanSnapshot(models.Model):
    """The plan as it was when a phase version was submitted, to show reviewers what changed."""

    plan = models.ForeignKey(
        ImpactPlan,
        verbose_name=_("impact plan"),
        on_delete=models.CASCADE,
        related_name="snapshots",
    )
    submission = models.OneToOneField(
        "workshops.Submission",
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="impact_snapshot",
    )
    phase = models.PositiveSmallIntegerField(_("phase"))
    cycle = models.PositiveSmallIntegerField(_("cycle"))
    version = models.PositiveIntegerField(_("version"), default=1)
    data = models.JSONField(_("plan"))
    created_at = models.DateTimeField(_("taken"), auto_now_add=True)

    class Meta:
        ordering = ["plan", "created_at", "pk"]
        verbose_name = _("plan snapshot")
        verbose_name_plural = _("plan snapshots")

    def __str__(self) -> str:
        return f"{self.plan}: {self.phase}/{self.cycle} v{self.version}"


class PlanFeedback(models.Model):
    """An instructor's rubric feedback on one part of the impact plan, given with the review of a
    phase 3 version. The team sees it only once that review is released to them."""

    class Level(models.IntegerChoices):
        BEGINNING = 1, pgettext_lazy("impact rubric", "Beginning")
        DEVELOPING = 2, pgettext_lazy("impact rubric", "Developing")
        STRONG = 3, pgettext_lazy("impact rubric", "Strong")

    submission = models.ForeignKey(
        "workshops.Submission",
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="impact_feedback",
    )
    # A logic-model column code, or "indicators" for the plan's indicators as a whole.
    part = models.CharField(_("part of the plan"), max_length=20)
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        ordering = ["submission", "pk"]
        verbose_name = _("impact plan feedback")
        verbose_name_plural = _("impact plan feedback")
        constraints = [
            models.UniqueConstraint(fields=["submission", "part"], name="one_feedback_per_part"),
        ]

    def __str__(self) -> str:
        return f"{self.submission}: {self.part}"
