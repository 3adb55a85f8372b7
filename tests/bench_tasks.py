"""A task that does nothing, for `make bench BENCH=announcement`: the worker's own cost per task
(publish, deliver, run, acknowledge) against which the announcement's cost per recipient is set.
The bench starts its worker with `--include tests.bench_tasks`."""

from pathlib import Path

from celery import shared_task


@shared_task(acks_late=True)
def noop(n: int, done_path: str = "") -> int:
    # Only the last task of a stream says so, by touching a file the bench waits for.
    if done_path:
        Path(done_path).touch()
    return n
