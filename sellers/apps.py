from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "sellers"
    verbose_name = "The seller seat"

    def ready(self) -> None:
        from core.registry import registry
        from sellers import hooks

        hooks.register(registry)
