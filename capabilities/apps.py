from django.apps import AppConfig


class CapabilitiesConfig(AppConfig):
    name = "capabilities"
    verbose_name = "Step 2 · Capability assessment"

    def ready(self) -> None:
        from capabilities import hooks
        from core.registry import registry

        hooks.register(registry)
