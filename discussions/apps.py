from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = _("Discussions")

    def ready(self) -> None:
        # Registers the posts' search index with core.search (rebuild_all, search_rebuild).
        from . import search  # noqa: F401
