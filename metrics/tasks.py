"""Step 4's background work: file imports, quarterly rollups and their nightly schedule, digests, and the
sweeper that ends jobs stuck past their limit (metrics/jobs.py says how long that is)."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import F
from django.utils import timezone

from core import queue
from metrics import jobs
from metrics.signals import rollup_done

logger = logging.getLogger(__name__)


@shared_task(time_limit=jobs.IMPORT_LIMIT, soft_time_limit=jobs.IMPORT_LIMIT - jobs.SOFT, acks_late=True)
def run_import(batch_id: int) -> str:
    """Validate and load an uploaded file of actuals (large uploads run here, off the web process). A
    message delivered again after a worker died loads the file again, whole or not at all."""
    from metrics.importer import run

    return run(batch_id).status


@shared_task(time_limit=jobs.IMPORT_LIMIT, soft_time_limit=jobs.IMPORT_LIMIT - jobs.SOFT, acks_late=True)
def run_pull(source_id: int, batch_id: int | None = None) -> str:
    """Pull a source and load what it holds as one import batch: on demand (batch_id, recorded by
    metrics.pulls.pull_start) or from its own PeriodicTask (beat, from the database: a new batch)."""
    from metrics.pulls import pull_run

    return pull_run(source_id, batch_id=batch_id).status


@shared_task(time_limit=jobs.ROLLUP_LIMIT, soft_time_limit=jobs.ROLLUP_LIMIT - jobs.SOFT, acks_late=True)
def rollup_quarter(run_id: int) -> str:
    """Compute one plan's quarter and replace its rows; safe to run twice. Then send the digest. Whatever
    goes wrong, the run ends failed with a message; a run already ended is left as it is."""
    from metrics.models import RollupRun

    run = RollupRun.objects.select_related("plan__org_unit").filter(pk=run_id).first()
    if run is None or run.status not in jobs.PENDING:
        return run.status if run else ""
    RollupRun.objects.filter(pk=run.pk).update(
        status=RollupRun.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    run.refresh_from_db(fields=["attempts"])
    if run.attempts > jobs.MAX_ATTEMPTS:
        return _end_run(
            run, f"A worker stopped during this rollup {run.attempts - 1} times; nothing changed."
        )
    try:
        _compute(run)
    except SoftTimeLimitExceeded:
        minutes = jobs.minutes(jobs.ROLLUP_LIMIT - jobs.SOFT)
        return _end_run(
            run, f"The rollup took longer than {minutes} minutes and was stopped; nothing changed."
        )
    except Exception as exc:  # whatever it is, the run must not stay running
        logger.exception("Rollup run %s stopped", run.pk)
        text = f"{type(exc).__name__}: {exc}"[:200]
        return _end_run(run, f"The rollup stopped on an unexpected error ({text}); nothing changed.")
    _after_rollup(run)
    return RollupRun.Status.DONE


def _compute(run) -> int:
    """The rows and the run's status commit together."""
    from django.db import transaction

    from metrics import rollup
    from metrics.models import RollupRun

    with transaction.atomic():
        rows = rollup.save(run.plan, run.quarter)
        RollupRun.objects.filter(pk=run.pk).update(
            status=RollupRun.Status.DONE,
            finished_at=timezone.now(),
            rows=rows,
            message=f"{rows} rows computed.",
        )
    return rows


def _end_run(run, message: str) -> str:
    from metrics.models import RollupRun

    RollupRun.objects.filter(pk=run.pk).update(
        status=RollupRun.Status.FAILED, finished_at=timezone.now(), message=message[:300]
    )
    return RollupRun.Status.FAILED


def _after_rollup(run) -> None:
    """The digest and the one-pager's refresh: the rollup stands even when these fail (logged)."""
    from metrics import digest
    from metrics.models import RollupRun

    try:
        digest.send(run.plan, run.quarter)
        rollup_done.send(sender=RollupRun, plan_id=run.plan_id, quarter=run.quarter)
    except Exception:
        logger.exception("After rollup run %s", run.pk)


def request_rollup(*, plan, quarter: int, actor=None):
    """Record a run and queue it once the current transaction commits. A run the queue refuses ends
    failed with queue.QUEUE_DOWN, and outside a transaction queue.QueueUnavailable is raised (503)."""
    from metrics.models import RollupRun

    run = RollupRun.objects.create(plan=plan, quarter=quarter, requested_by=actor)
    queue.send(rollup_quarter, run.pk, refused=lambda: _end_run(run, queue.QUEUE_DOWN))
    return run


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def schedule_rollups() -> int:
    """Nightly (aop/celery.py): roll up the quarter that just ended, if one did, and the one in progress,
    for every plan of those fiscal years. One task per plan and quarter, whatever the data size."""
    from metrics.rollup import quarters_due
    from orgs.models import FiscalCalendar
    from planning.models import Plan

    queued = 0
    for fiscal_year, quarter in quarters_due(FiscalCalendar.current_rules(), timezone.localdate()):
        for plan in Plan.objects.filter(fiscal_year=fiscal_year):
            request_rollup(plan=plan, quarter=quarter)
            queued += 1
    return queued


@shared_task(time_limit=2 * 60, soft_time_limit=90)
def sweep_stuck_jobs() -> dict[str, int]:
    """Every ten minutes (aop/celery.py): fail the imports and rollups stuck past their limit, with a
    message saying so, and drop the files of failed imports past their retry days."""
    return jobs.sweep()
