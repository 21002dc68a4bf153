"""What a frozen revision holds. Later steps add their sections with `register` in their AppConfig.ready,
so planning never imports them."""

from collections.abc import Callable
from typing import Any

from core.services import jsonable
from planning.models import Plan

SectionBuilder = Callable[[Plan], list[dict[str, Any]]]
_sections: dict[str, SectionBuilder] = {}


def register(title: str, builder: SectionBuilder) -> None:
    _sections[title] = builder


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    """The plan's header and every registered section, as JSON-ready data."""
    header = {
        "unit": plan.org_unit.name,
        "fiscal_year": plan.fiscal_year,
        "revision": plan.revision,
        "status": plan.get_status_display(),
        "summary": plan.summary,
    }
    sections = {title: [jsonable(row) for row in build(plan)] for title, build in _sections.items()}
    return {"plan": header, "sections": sections}
