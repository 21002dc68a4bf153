from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Step 1 · Strategic alignment"

    def ready(self) -> None:
        from planning import snapshot_sections

        snapshot_sections.register_all()
