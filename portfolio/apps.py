from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Portfolio and the network gallery")

    def ready(self) -> None:
        # Registers the app's search index with core.search (reindex_related, search_rebuild),
        # and its receiver of core.signals.user_organisation_changed (team cards follow a move).
        from . import receivers_org, search  # noqa: F401
