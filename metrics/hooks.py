"""Step 4's parts in the earlier steps: its tab and line on the overview, KPIs as funding of objectives,
its panels on the home page, the KPIs and churn policy in frozen revisions."""

from core.registry import DashboardPanel, FundingRule, OverviewSection, Registry, SnapshotSection, Tab
from metrics import dashboard, snapshot_sections


def register(registry: Registry) -> None:
    registry.add(
        Tab(key="metrics", label="Metrics", url_name="metrics:plan", step=4, order=40),
        OverviewSection(
            key="metrics",
            title="SMART metrics",
            url_name="metrics:plan",
            description="KPIs, targets, actuals and churn allowance.",
            order=40,
        ),
        FundingRule(funds="planning.Objective", related_name="kpis", label="KPI", order=40),
        DashboardPanel(key="metrics-by-role", build=dashboard.panels, order=40),
        SnapshotSection(title="KPIs", build=snapshot_sections.kpis, order=40),
        SnapshotSection(title="Churn policy", build=snapshot_sections.churn, order=41),
    )
