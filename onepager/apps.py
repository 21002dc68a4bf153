from django.apps import AppConfig


class OnepagerConfig(AppConfig):
    name = "onepager"
    verbose_name = "Step 5 · One-page strategy"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from core.registry import registry
        from metrics.signals import rollup_done
        from onepager import hooks, receivers
        from planning.models import PlanRevision

        hooks.register(registry)
        post_save.connect(
            receivers.prerender_on_approval,
            sender=PlanRevision,
            dispatch_uid="onepager-prerender-on-approval",
        )
        rollup_done.connect(receivers.prerender_on_rollup, dispatch_uid="onepager-rollup")
