from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        # Each app's `outbox` module registers its kinds of background work (core/outbox.py).
        from . import db, lookups, outbox, signals  # noqa: F401 - signals: connects the receivers

        outbox.autodiscover()
        db.keep_parsed_queries()
        # Every SQLite connection gets the functions of core.lookups (`unicode_icontains`,
        # `unicode_iexact`, `JSONText`).
        connection_created.connect(
            lookups.register_sqlite_functions, dispatch_uid="core.lookups.sqlite_functions"
        )
