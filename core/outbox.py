"""Publishing Celery tasks as hints after commit.

The row written with the user's action (a pending file, a queued notification, a "check wanted"
marker, an import or export job) is the source of truth. The task published after the commit is
only a hint that the work can start now: if the broker is down, the publish failure is logged and
swallowed, so a committed write never answers 500, and a beat sweeper finds the row later.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger("alueagentti.outbox")


def publish(task: Any, *args: Any, **options: Any) -> bool:
    """Publish `task(*args)` now; log and return False when the broker cannot take it.

    `options` are passed to `apply_async` (for example `queue` or `countdown`).
    """
    try:
        task.apply_async(args=args, **options)
    except Exception:  # any broker or connection error: the sweeper will find the row
        logger.warning(
            "publish of %s%r failed; the sweeper will pick it up",
            getattr(task, "name", task),
            args,
            exc_info=True,
        )
        return False
    return True


def publish_on_commit(task: Any, *args: Any, **options: Any) -> None:
    """Publish `task(*args)` after the current transaction commits, as a hint.

    A failing publish never raises into the response and never stops the transaction's other
    on-commit hooks (each hook is its own `robust` callback).
    """
    transaction.on_commit(lambda: publish(task, *args, **options), robust=True)
