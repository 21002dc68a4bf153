from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Step 4 · SMART metrics"

    def ready(self) -> None:
        from metrics import dashboard, snapshot_sections
        from planning import dashboard as home
        from planning import snapshot, targets

        targets.register_funding("kpis", "KPI")
        home.register(dashboard.panels)
        snapshot.register("KPIs", snapshot_sections.kpis)
        snapshot.register("Churn policy", snapshot_sections.churn)
