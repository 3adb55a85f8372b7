"""The Celery app as the fault suite's workers run it (`celery -A tests.faults.workerapp`).

The same app as `config.celery`, plus hooks the suite steers through files in FAULTS_HOOK_DIR,
so a test can catch a task in the middle of its work and kill its worker or its connection:

- before every task the worker writes `started-<task name>-<task id>` holding its pid (after
  reading its slow hook below), and `done-<task name>-<task id>` after it;
- if `slow-<task name>` exists, the task first sleeps for the seconds written in it; with
  "db" after the seconds it opens its database connection first, so the connection is held
  while it sleeps (and can be terminated under it);
- while `double-publish` exists, every task this worker publishes is published twice.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery.app.task import Task
from celery.signals import task_postrun, task_prerun

from config.celery import app

__all__ = ["app"]


def _hook_dir() -> Path | None:
    folder = os.environ.get("FAULTS_HOOK_DIR")
    return Path(folder) if folder else None


def _note(path: Path) -> None:
    """Write this process's pid to `path` at once whole: a reader polling the folder must
    never see the file before its pid (it read an empty file as pid 0 and killed nobody)."""
    part = path.with_name(f".{path.name}.part")
    part.write_text(str(os.getpid()))
    os.replace(part, path)


@task_prerun.connect
def _announce_and_maybe_wait(task_id: str = "", task: Any = None, **_: Any) -> None:
    folder = _hook_dir()
    if folder is None or task is None:
        return
    # The slow hook is read, and its connection opened, before the task says it started: the
    # test answers "started" by removing the hook (worker.fast()) and cutting connections, and
    # on two busy cores a child that noted first could find the hook gone and hold nothing.
    slow = folder / f"slow-{task.name}"
    try:
        seconds, *flags = (slow.read_text() or "0").split()
    except FileNotFoundError:
        seconds, flags = "", []
    if "db" in flags:
        from django.db import connection

        connection.ensure_connection()
    _note(folder / f"started-{task.name}-{task_id}")
    if seconds:
        time.sleep(float(seconds))


@task_postrun.connect
def _announce_done(task_id: str = "", task: Any = None, **_: Any) -> None:
    folder = _hook_dir()
    if folder is not None and task is not None:
        _note(folder / f"done-{task.name}-{task_id}")


_publish_once = Task.apply_async


def _publish_maybe_twice(self: Task, *args: Any, **kwargs: Any) -> Any:
    folder = _hook_dir()
    if folder is not None and (folder / "double-publish").exists():
        _publish_once(self, *args, **kwargs)
    return _publish_once(self, *args, **kwargs)


Task.apply_async = _publish_maybe_twice  # type: ignore[method-assign]
