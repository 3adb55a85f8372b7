from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = _("Cohorts and learners")

    def ready(self) -> None:
        # Roles are held in cohorts: core.access reads them through this app (core imports no
        # domain app).
        from core.access import register_membership_source

        from .access import MEMBERSHIPS

        register_membership_source(MEMBERSHIPS)

        from core.signals import user_organisation_changed

        from .services import moved_user_receiver

        # A learner who moves is counted under the new organisation (services.user_moved).
        user_organisation_changed.connect(
            moved_user_receiver, dispatch_uid="learners.progress_follows_a_move"
        )
