"""What later steps flag on a plan's overview: each registers a function of the plan that returns
alerts, so planning never imports them."""

from collections.abc import Callable
from dataclasses import dataclass

from planning.models import Plan


@dataclass(frozen=True)
class Alert:
    tone: str  # a status_badge tone: "bad", "warn", "info"
    label: str  # short badge text, e.g. "Unaddressed"
    text: str
    url: str


AlertBuilder = Callable[[Plan], list[Alert]]
_builders: list[AlertBuilder] = []


def register(builder: AlertBuilder) -> None:
    if builder not in _builders:
        _builders.append(builder)


def alerts(plan: Plan) -> list[Alert]:
    return [alert for build in _builders for alert in build(plan)]
