"""Step 4's background work: file imports, quarterly rollups and their nightly schedule, digests."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from metrics.signals import rollup_done


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, acks_late=True)
def run_import(batch_id: int) -> str:
    """Validate and load an uploaded file of actuals (large uploads run here, off the web process)."""
    from metrics.importer import run

    return run(batch_id).status


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60, acks_late=True)
def rollup_quarter(run_id: int) -> str:
    """Compute one plan's quarter and replace its rows; safe to run twice. Then send the digest."""
    from metrics import digest, rollup
    from metrics.models import RollupRun

    run = RollupRun.objects.select_related("plan__org_unit").get(pk=run_id)
    RollupRun.objects.filter(pk=run.pk).update(status=RollupRun.Status.RUNNING)
    try:
        rows = rollup.save(run.plan, run.quarter)
    except Exception as exc:
        RollupRun.objects.filter(pk=run.pk).update(
            status=RollupRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:300]
        )
        raise
    RollupRun.objects.filter(pk=run.pk).update(
        status=RollupRun.Status.DONE, finished_at=timezone.now(), rows=rows, message=f"{rows} rows computed."
    )
    digest.send(run.plan, run.quarter)
    rollup_done.send(sender=RollupRun, plan_id=run.plan_id, quarter=run.quarter)
    return RollupRun.Status.DONE


def request_rollup(*, plan, quarter: int, actor=None):
    """Record a run and queue it once the current transaction commits."""
    from metrics.models import RollupRun

    run = RollupRun.objects.create(plan=plan, quarter=quarter, requested_by=actor)
    transaction.on_commit(lambda: rollup_quarter.delay(run.pk))
    return run


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def schedule_rollups() -> int:
    """Nightly (aop/celery.py): roll up the quarter that just ended, if one did, and the one in progress,
    for every plan of those fiscal years. One task per plan and quarter, whatever the data size."""
    from metrics.rollup import quarters_due
    from orgs.models import FiscalCalendar
    from planning.models import Plan

    queued = 0
    for fiscal_year, quarter in quarters_due(FiscalCalendar.load().rules, timezone.localdate()):
        for plan in Plan.objects.filter(fiscal_year=fiscal_year):
            request_rollup(plan=plan, quarter=quarter)
            queued += 1
    return queued
