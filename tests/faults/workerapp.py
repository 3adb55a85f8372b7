"""The Celery app as the fault suite's workers run it (`celery -A tests.faults.workerapp`).

The same app as `config.celery`, plus a hook the suite steers through files in
FAULTS_HOOK_DIR, so a test can catch a task in the middle of its work and kill its worker:

- before every task the worker writes `started-<task name>-<task id>` holding its pid;
- if `slow-<task name>` exists, the task first sleeps for the seconds written in it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery.signals import task_prerun

from config.celery import app

__all__ = ["app"]


def _hook_dir() -> Path | None:
    folder = os.environ.get("FAULTS_HOOK_DIR")
    return Path(folder) if folder else None


@task_prerun.connect
def _announce_and_maybe_wait(task_id: str = "", task: Any = None, **_: Any) -> None:
    folder = _hook_dir()
    if folder is None or task is None:
        return
    (folder / f"started-{task.name}-{task_id}").write_text(str(os.getpid()))
    slow = folder / f"slow-{task.name}"
    if slow.exists():
        time.sleep(float(slow.read_text() or "0"))
