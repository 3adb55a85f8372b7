"""Optional error reporting to Sentry, switched on by SENTRY_DSN (config/settings/base.py).

The web process and the Celery worker both load the settings, so both report. No personal data
is sent (`send_default_pii=False`): events carry the request id tag instead, which leads to the
log lines of the request and of the tasks it started.
"""

from __future__ import annotations


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            # Log records of WARNING and above become breadcrumbs, ERROR and above events.
            LoggingIntegration(),
        ],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
