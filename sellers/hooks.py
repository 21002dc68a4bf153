"""The seller seat's parts in the earlier steps: the "My number" panel on a seller's home page."""

from core.registry import DashboardPanel, Registry, Tab
from sellers import contests, number


def register(registry: Registry) -> None:
    registry.add(DashboardPanel(key="my-number", build=number.panels, order=41))
    registry.add(Tab(key="quotas", label="Quotas", url_name="quotas:plan", order=45))  # after Metrics
    registry.add(DashboardPanel(key="my-contests", build=contests.panels, order=44))
