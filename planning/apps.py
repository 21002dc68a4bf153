from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Step 1 · Strategic alignment"

    def ready(self) -> None:
        from core.registry import registry
        from planning import hooks

        hooks.register(registry)
