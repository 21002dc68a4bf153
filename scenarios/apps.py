from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "scenarios"
    verbose_name = "Scenarios"

    def ready(self) -> None:
        from core.registry import registry
        from scenarios import hooks

        hooks.register(registry)
