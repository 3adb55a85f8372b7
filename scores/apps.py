from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ScoresConfig(AppConfig):
    """The scores overview: composes courses (knowledge checks, completion, certificates),
    workshops (rubric totals) and learners (cohorts, export jobs), so it sits above them with
    the dashboard (see the import-linter contracts); none of them imports it."""

    name = "scores"
    verbose_name = _("Scores")

    def ready(self) -> None:
        # The cohort's scores are made by the learners app's export jobs (the same task, outbox
        # row and sweeper) when the cohort is too large for the request.
        from learners.exports import register_table

        from .exports import SCORES, scores_table

        register_table(
            SCORES,
            scores_table,
            file_name=pgettext_lazy("file name of the cohort scores export", "scores"),
        )
