"""What later steps flag on a plan's overview: each registers an AlertSource, a function of the plan that
returns alerts, in core.registry, so planning never imports them."""

from collections.abc import Callable
from dataclasses import dataclass

from core.registry import AlertSource, registry
from planning.models import Plan


@dataclass(frozen=True)
class Alert:
    tone: str  # a status_badge tone: "bad", "warn", "info"
    label: str  # short badge text, e.g. "Unaddressed"
    text: str
    url: str
    count: int = 1  # how many items the alert stands for ("and 3 more orphan targets" stands for 3)


AlertBuilder = Callable[[Plan], list[Alert]]


def alerts(plan: Plan) -> list[Alert]:
    return [alert for source in registry.entries(AlertSource) for alert in source.build(plan)]
