"""The workshop itself, its phases, their assignments and the training's themes."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Workshop(models.Model):
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="workshops",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The marking workflow (not reviewed -> in review -> ready -> released) is off by default:
    # then an instructor's decision reaches the learner at once, as before.
    marking_workflow = models.BooleanField(
        _("marking workflow"),
        default=False,
        help_text=_("Reviews wait as 'ready for release' until an instructor releases them."),
    )
    second_check = models.BooleanField(
        _("second reviewer check"),
        default=False,
        help_text=_("Another instructor must check each review before it can be released."),
    )
    blind_review = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_(
            "Reviewers do not see the learner's name or municipality, and learners do not see "
            "which instructor reviewed them."
        ),
    )
    recording_counts_as_attendance = models.BooleanField(
        _("watching the recording counts as attendance"),
        default=False,
        help_text=_(
            "Instructors may mark a learner who watched a session's recording, and that counts "
            "as attending it."
        ),
    )

    class Meta:
        ordering = ["course", "title"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def __str__(self) -> str:
        return self.title


class Phase(models.IntegerChoices):
    CHALLENGE = 1, _("Challenge")
    IDEA = 2, _("Idea and hypothesis")
    PLAN = 3, _("Experiment plan")
    RUN = 4, _("Running the experiment")
    RESULTS = 5, _("Results and evaluation")
    SHARING = 6, _("Sharing and next steps")


class Assignment(models.Model):
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    phase = models.PositiveSmallIntegerField(
        _("phase"), choices=Phase.choices, default=Phase.CHALLENGE
    )
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True, help_text=_("Sanitised HTML."))
    due_days = models.PositiveIntegerField(
        _("due, days after the cohort starts"),
        null=True,
        blank=True,
        help_text=_("Each cohort's due date is its start date plus this many days."),
        # Ten years: a due date stays a date the calendar can compute with.
        validators=[MaxValueValidator(3650)],
    )
    peer_review = models.BooleanField(
        _("peer feedback"),
        default=False,
        help_text=_("Learners give each other short, anonymous feedback on this phase."),
    )
    peer_reviewers = models.PositiveSmallIntegerField(_("peer reviewers per answer"), default=2)
    peer_reviews_each = models.PositiveSmallIntegerField(
        _("peer reviews each learner gives"), default=2
    )
    peer_anonymous = models.BooleanField(
        _("anonymous peer feedback"),
        default=True,
        help_text=_(
            "Fellow learners do not see whose answer they review, nor who gave the feedback. "
            "Turn off to show the names both ways."
        ),
    )

    # Set on rows for the marking settings page: the phase's peer setting in one cohort.
    peer_on: bool

    class Meta:
        ordering = ["workshop", "phase", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return self.title


class Theme(models.Model):
    """A theme of the training that experiments are tagged with (the seed's themes)."""

    class Code(models.TextChoices):
        MOBILITY = "mobility", _("Mobility and travel chains")
        MULTI_LOCALITY = "multi-locality", _("Multi-locality")
        IMPACT = "impact", _("Impact thinking")
        NETWORKS = "networks", _("Networks")
        KNOW_HOW = "know-how", _("Know-how")

    code = models.CharField(_("code"), max_length=30, choices=Code.choices, unique=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return str(self.get_code_display())
