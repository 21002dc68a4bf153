"""Scenarios' part in the plan's page: its tab, after Quotas and before the one-page strategy."""

from core.registry import Registry, Tab


def register(registry: Registry) -> None:
    registry.add(Tab(key="scenarios", label="Scenarios", url_name="scenarios:plan", order=47))
