"""The seller seat's parts in the earlier steps: the "My number" panel on a seller's home page."""

from core.registry import DashboardPanel, Registry
from sellers import number


def register(registry: Registry) -> None:
    registry.add(DashboardPanel(key="my-number", build=number.panels, order=41))
