"""Panels later steps add to the home page for the roles a user holds: each registers a DashboardPanel
in core.registry, so planning never imports them."""

from collections.abc import Callable
from dataclasses import dataclass, field

from core.registry import DashboardPanel, registry


@dataclass
class Panel:
    title: str
    template: str
    data: dict = field(default_factory=dict)
    wide: bool = False  # spans the dashboard's whole width


PanelBuilder = Callable[[object], list[Panel]]


def panels(user) -> list[Panel]:
    return [panel for source in registry.entries(DashboardPanel) for panel in source.build(user)]
