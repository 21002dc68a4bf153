"""Panels later steps add to the home page for the roles a user holds; planning never imports them."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Panel:
    title: str
    template: str
    data: dict = field(default_factory=dict)


PanelBuilder = Callable[[object], list[Panel]]
_builders: list[PanelBuilder] = []


def register(builder: PanelBuilder) -> None:
    if builder not in _builders:
        _builders.append(builder)


def panels(user) -> list[Panel]:
    return [panel for build in _builders for panel in build(user)]
