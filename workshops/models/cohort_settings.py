"""A cohort's own marking and peer-feedback settings over the workshop's course-wide defaults."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .workshop import Assignment, Workshop


class CohortMarkingSettings(models.Model):
    """One cohort's own marking settings for a workshop, chosen by its lead instructor; without
    a row the cohort follows the workshop's course-wide defaults (Workshop's fields)."""

    cohort = models.ForeignKey(
        "learners.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+"
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.CASCADE,
        related_name="cohort_marking",
    )
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
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cohort's marking settings")
        verbose_name_plural = _("cohorts' marking settings")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "workshop"], name="one_marking_setting_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}: {self.workshop}"


class CohortPeerSettings(models.Model):
    """One cohort's own peer-feedback settings for a phase (assignment), chosen by its lead
    instructor; without a row the cohort follows the assignment's course-wide defaults."""

    cohort = models.ForeignKey(
        "learners.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+"
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="cohort_peer",
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
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cohort's peer feedback settings")
        verbose_name_plural = _("cohorts' peer feedback settings")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "assignment"], name="one_peer_setting_per_cohort"
            ),
            models.CheckConstraint(
                condition=models.Q(peer_reviewers__gte=1, peer_reviewers__lte=10)
                & models.Q(peer_reviews_each__gte=1, peer_reviews_each__lte=10),
                name="cohort_peer_counts_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}: {self.assignment}"
