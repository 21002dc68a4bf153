"""What a frozen revision holds: each step registers its SnapshotSection entries in core.registry (from its
hooks.py), so planning never imports them."""

from collections.abc import Callable
from typing import Any

from core.registry import SnapshotSection, registry
from core.services import jsonable
from planning.models import Plan

SectionBuilder = Callable[[Plan], list[dict[str, Any]]]


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    """The plan's header and every registered section, as JSON-ready data."""
    header = {
        "unit": plan.org_unit.name,
        "fiscal_year": plan.fiscal_year,
        "revision": plan.revision,
        "status": plan.get_status_display(),
        "summary": plan.summary,
    }
    sections = {s.title: [jsonable(row) for row in s.build(plan)] for s in registry.entries(SnapshotSection)}
    return {"plan": header, "sections": sections}
