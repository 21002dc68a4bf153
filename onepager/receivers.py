"""Step 5 reacts to the earlier steps: a plan's one-pager is rendered ahead of its download when a
revision is approved and when a quarter is rolled up. Connected in OnepagerConfig.ready()."""

from django.db import transaction

from onepager.tasks import prerender
from planning.models import PlanRevision


def _queue(plan_id: int) -> None:
    transaction.on_commit(lambda: prerender.delay(plan_id))


def prerender_on_approval(sender: type, instance: PlanRevision, created: bool, **kwargs) -> None:
    """post_save of a PlanRevision: an approval freezes a revision, whose one-pager will be downloaded."""
    if created:
        _queue(instance.plan_id)


def prerender_on_rollup(sender: type, plan_id: int, **kwargs) -> None:
    """metrics.signals.rollup_done: the one-pager shows the quarter's numbers."""
    _queue(plan_id)
