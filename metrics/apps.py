from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Step 4 · SMART metrics"

    def ready(self) -> None:
        from core.registry import registry
        from metrics import hooks

        hooks.register(registry)
