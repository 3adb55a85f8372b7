from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Experimental-development workshops")

    def ready(self) -> None:
        # Leaving a cohort leaves its teams (post_delete of learners.Membership).
        from . import receivers_team  # noqa: F401
