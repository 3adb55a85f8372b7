from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        # Each app's `outbox` module registers its kinds of background work (core/outbox.py).
        from . import db, outbox, signals  # noqa: F401 - signals: connects the receivers

        outbox.autodiscover()
        db.keep_parsed_queries()
