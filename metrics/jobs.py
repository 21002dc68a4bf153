"""Step 4's background jobs as a whole: their time limits, when a job counts as stuck, the sweeper that
ends stuck jobs, and the failed or stuck jobs a sales-ops home page lists.

A job (an import batch or a rollup run) ends `done` or `failed` whatever happens. A worker that dies
leaves its message unacknowledged (acks late): the broker hands it to another worker once its visibility
timeout (settings.CELERY_VISIBILITY_TIMEOUT, just above the longest hard limit) has passed, and the
job's next attempt starts afresh. A job that neither ends nor starts again within max(hard limit,
visibility timeout) + GRACE of its last start (or of its creation, while queued) is stuck: the sweeper
fails it with a message saying so.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from metrics.models import ImportBatch, RollupRun
from orgs import permissions
from planning.models import Plan

IMPORT_LIMIT = 30 * 60  # seconds: metrics.tasks.run_import's hard time limit
ROLLUP_LIMIT = 10 * 60  # metrics.tasks.rollup_quarter's
SOFT = 60  # each soft limit is a minute below its hard one, so the job can still record why it stopped
GRACE = 10 * 60  # beyond the limit: the broker's restore sweep (~100 s) and a worker's start
MAX_ATTEMPTS = 2  # a third delivery of a job that killed its worker twice fails instead of looping
RETRY_DAYS = 7  # a failed import keeps its file this long, for a retry from its page
PENDING = (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)  # the same values for RollupRun


def patience(limit: int) -> dt.timedelta:
    """How long a job may go without ending or starting again before it counts as stuck."""
    return dt.timedelta(seconds=max(limit, settings.CELERY_VISIBILITY_TIMEOUT) + GRACE)


def minutes(seconds: float) -> int:
    return round(seconds / 60)


def _late(limit: int, now: dt.datetime) -> Q:
    """Pending since before the job's patience ran out (on a queryset aliased by _since)."""
    return Q(status__in=PENDING, since__lt=now - patience(limit))


def _since(queryset):
    return queryset.alias(since=Coalesce("started_at", "created_at"))


def _stuck(model, limit: int, now: dt.datetime):
    return _since(model.objects.all()).filter(_late(limit, now))


def stuck_imports(now: dt.datetime | None = None):
    return _stuck(ImportBatch, IMPORT_LIMIT, now or timezone.now()).defer("content")


def stuck_rollups(now: dt.datetime | None = None):
    return _stuck(RollupRun, ROLLUP_LIMIT, now or timezone.now())


def stuck_message(job: ImportBatch | RollupRun, limit: int) -> str:
    waited = minutes(patience(limit).total_seconds())
    undone = "nothing was loaded" if isinstance(job, ImportBatch) else "its rows were not changed"
    if job.status == ImportBatch.Status.QUEUED:
        return f"No worker took this job up within {waited} minutes (are the workers running?); {undone}."
    return (
        f"The worker stopped: the job had not ended {waited} minutes after it started "
        f"(attempt {job.attempts}); {undone}."
    )


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Fail the import batches and rollup runs stuck past their limit, each with a message saying so, and
    drop the files that failed imports kept for a retry once RETRY_DAYS have passed."""
    from metrics import importer

    now = now or timezone.now()
    ended = {"imports": 0, "rollups": 0, "files": 0}
    for batch in stuck_imports(now).select_related("uploaded_by"):
        ended["imports"] += importer.fail_stuck(batch, message=stuck_message(batch, IMPORT_LIMIT))
    for run in stuck_rollups(now):
        ended["rollups"] += RollupRun.objects.filter(
            pk=run.pk, status=run.status, attempts=run.attempts
        ).update(status=RollupRun.Status.FAILED, finished_at=now, message=stuck_message(run, ROLLUP_LIMIT))
    ended["files"] = ImportBatch.objects.filter(
        status=ImportBatch.Status.FAILED,
        content__isnull=False,
        finished_at__lt=now - dt.timedelta(days=RETRY_DAYS),
    ).update(content=None)
    return ended


# --- What the sales-ops home lists ------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    kind: str  # "Import" or "Rollup"
    name: str
    state: str  # "failed" or "stuck"
    message: str
    at: dt.datetime
    url: str


def attention(user, *, limit: int = 8, now: dt.datetime | None = None) -> list[Job]:
    """The failed and stuck jobs the user may open, newest first: imports (company sales ops see every
    one, others their own) and the rollups of plans the user may read. Two queries."""
    now = now or timezone.now()
    batches = ImportBatch.objects.defer("content", "errors")
    if not permissions.is_company_ops(user):
        batches = batches.filter(uploaded_by=user)
    imports = _since(batches).filter(_troubled(IMPORT_LIMIT, now)).alias(at=_at()).order_by("-at")[:limit]
    runs = (
        _since(RollupRun.objects.filter(plan__in=Plan.objects.visible_to(user)))
        .filter(_troubled(ROLLUP_LIMIT, now))
        .select_related("plan__org_unit")
        .alias(at=_at())
        .order_by("-at")[:limit]
    )
    jobs = [_import_job(b) for b in imports] + [_rollup_job(r) for r in runs]
    return sorted(jobs, key=lambda j: j.at, reverse=True)[:limit]


def _at():
    return Coalesce("finished_at", "started_at", "created_at")


def _troubled(limit: int, now: dt.datetime) -> Q:
    """Failed within RETRY_DAYS, or stuck."""
    recent = Q(status=ImportBatch.Status.FAILED, finished_at__gte=now - dt.timedelta(days=RETRY_DAYS))
    return recent | _late(limit, now)


def _state(job: ImportBatch | RollupRun) -> str:
    return "failed" if job.status == ImportBatch.Status.FAILED else "stuck"


def _import_job(batch: ImportBatch) -> Job:
    return Job(
        kind="Import",
        name=batch.file_name,
        state=_state(batch),
        message=batch.message or stuck_message(batch, IMPORT_LIMIT),
        at=batch.finished_at or batch.started_at or batch.created_at,
        url=reverse("kpi-import", args=[batch.pk]),
    )


def _rollup_job(run: RollupRun) -> Job:
    return Job(
        kind="Rollup",
        name=f"{run.plan.org_unit.name} FY{run.plan.fiscal_year} Q{run.quarter}",
        state=_state(run),
        message=run.message or stuck_message(run, ROLLUP_LIMIT),
        at=run.finished_at or run.started_at or run.created_at,
        url=reverse("metrics:qbr", kwargs={"plan_id": run.plan_id}) + f"?q={run.quarter}",
    )
