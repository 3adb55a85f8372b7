from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Portfolio and the network gallery")

    def ready(self) -> None:
        # Registers the app's search index with core.search (reindex_related, search_rebuild).
        from . import search  # noqa: F401
