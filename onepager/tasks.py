"""Step 5's background work: rendering a plan's one-pager ahead of its download, and building a quarter's
review pack that the review page asked for (pack_build says how; its PackBuild row says how it went).

The render is a cache warm-up, not a job anyone waits for: the download renders whatever is missing. So
a broker that is down when an approval asks for it is logged and the approval goes on (BestEffortTask),
and a render that fails or runs out of time is logged and leaves the cache as it was.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from core.queue import BestEffortTask

logger = logging.getLogger(__name__)

LIMIT = 5 * 60


@shared_task(base=BestEffortTask, time_limit=LIMIT, soft_time_limit=LIMIT - 60, acks_late=True)
def prerender(plan_id: int) -> str:
    """Render a plan's one-pager in both sizes ahead of the download (after approval or a rollup); the
    fingerprints rendered, or why nothing was."""
    from onepager.render import render
    from planning.models import Plan

    plan = Plan.objects.select_related("org_unit").filter(pk=plan_id).first()
    if plan is None:  # removed since the task was queued
        return ""
    try:
        return ",".join(render(plan, size).fingerprint for size in ("a4", "letter"))
    except SoftTimeLimitExceeded:
        logger.warning("Prerender of plan %s took longer than %s minutes", plan_id, (LIMIT - 60) // 60)
        return f"failed: took longer than {(LIMIT - 60) // 60} minutes"
    except Exception as exc:  # the download renders it again, and shows the error there if it recurs
        logger.exception("Prerender of plan %s failed", plan_id)
        return f"failed: {type(exc).__name__}: {exc}"[:300]


@shared_task(time_limit=LIMIT, soft_time_limit=LIMIT - 60, acks_late=True)
def build_pack(build_id: int) -> str:
    """Build a quarter's review pack (its PDF and deck) that the review page asked for; the build's status
    says how it went, for the page to show. Safe to run twice."""
    from onepager.pack_build import pack_build_run

    return pack_build_run(build_id)
