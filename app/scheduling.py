"""The portal's one scheduler (APScheduler): every worker runs every job on its interval.

A job makes its work happen exactly once across workers and restarts by claiming it in the
database, in the transaction that does it: a unique row (a drop-folder file, a reminder's
notification key) or a conditional update (a queued mail). Two workers running the same job
at once then do the work once; a worker that dies mid-way leaves no claim, and the work is
done after the restart. A failing run is logged and the next one comes on time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)
# APScheduler logs every run of every job at INFO (four lines a minute in the terminal of
# `make demo`); its warnings and errors (a job that failed or missed its time) still show.
logging.getLogger("apscheduler").setLevel(logging.WARNING)
Job = Callable[[], Awaitable[object]]


class Schedule:
    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def every(self, name: str, seconds: float, job: Job, *, first_after: float = 1.0) -> None:
        """Run `job` every `seconds`, the first time after `first_after`; one run of it at a time."""

        async def run() -> None:
            try:
                await job()
            except Exception:
                log.exception("scheduled job %s failed; next run in %s s", name, seconds)

        self._scheduler.add_job(
            run,
            IntervalTrigger(seconds=seconds),
            id=name,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC) + timedelta(seconds=first_after),
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def jobs(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]
