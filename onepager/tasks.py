from celery import shared_task


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60, acks_late=True)
def prerender(plan_id: int) -> str:
    """Render a plan's one-pager in both sizes ahead of the download (after approval or a rollup)."""
    from onepager.render import render
    from planning.models import Plan

    plan = Plan.objects.select_related("org_unit").filter(pk=plan_id).first()
    if plan is None:  # removed since the task was queued
        return ""
    return ",".join(render(plan, size).fingerprint for size in ("a4", "letter"))
