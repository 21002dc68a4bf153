from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Step 3 · Functional budget"

    def ready(self) -> None:
        from budgets import hooks
        from core.registry import registry

        hooks.register(registry)
