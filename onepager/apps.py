from django.apps import AppConfig


class OnepagerConfig(AppConfig):
    name = "onepager"
    verbose_name = "Step 5 · One-page strategy"

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_save

        from metrics.signals import rollup_done
        from onepager.tasks import prerender
        from planning.models import PlanRevision

        def queue(plan_id: int) -> None:
            transaction.on_commit(lambda: prerender.delay(plan_id))

        def on_approval(sender, instance, created, **kwargs) -> None:
            if created:
                queue(instance.plan_id)

        post_save.connect(on_approval, sender=PlanRevision, dispatch_uid="onepager-prerender-on-approval")
        rollup_done.connect(
            lambda sender, plan_id, **kw: queue(plan_id), weak=False, dispatch_uid="onepager-rollup"
        )
