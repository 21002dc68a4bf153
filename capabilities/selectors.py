"""Reads of Step 2: the assessment beside the catalogue, ranked gaps, what is unaddressed, last year."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Prefetch

from capabilities.models import CRITICALITY, Capability, CapabilityAssessment, ImprovementAction
from core.registry import FundingRule, registry
from planning.models import Plan

HIGH = 3  # criticality from which an unfunded gap is flagged
LEVELS = ("maturity", "target_maturity", "benchmark_maturity", "criticality")  # the sheet's selects


def action_funding_list() -> list[FundingRule]:
    """What funds an improvement action besides its own budget: the records later steps register (Step 3's
    budget lines with money on them), so this step never imports them."""
    return registry.funding(ImprovementAction._meta.label)


def action_is_funded(action: ImprovementAction) -> bool:
    """An action that is not cancelled and has money behind it: its own budget or a funding record."""
    if action.status == ImprovementAction.Status.CANCELLED:
        return False
    return action.budget > 0 or any(
        rule.counts(record)
        for rule in action_funding_list()
        for record in getattr(action, rule.related_name).all()
    )


def assessment_is_unaddressed(assessment: CapabilityAssessment) -> bool:
    """A high or critical gap with no funded action behind it."""
    if assessment.gap == 0 or assessment.criticality < HIGH:
        return False
    return not any(action_is_funded(a) for a in assessment.actions.all())


def assessment_list(plan: Plan) -> list[CapabilityAssessment]:
    """The plan's assessments with their actions (and their funding), in a fixed number of queries."""
    actions = ImprovementAction.objects.prefetch_related(
        *(rule.related_name for rule in action_funding_list())
    )
    return list(
        CapabilityAssessment.objects.filter(plan=plan)
        .select_related("capability", "assessor")
        .prefetch_related(Prefetch("actions", queryset=actions))
    )


def assessment_gaps_ranked(rows: list[CapabilityAssessment]) -> list[CapabilityAssessment]:
    """Gaps by priority (gap × criticality), then criticality, then gap, then name."""
    gaps = [a for a in rows if a.gap > 0]
    return sorted(gaps, key=lambda a: (-a.priority, -a.criticality, -a.gap, a.capability.name))


def assessment_unaddressed_list(plan: Plan) -> list[CapabilityAssessment]:
    return [a for a in assessment_gaps_ranked(assessment_list(plan)) if assessment_is_unaddressed(a)]


@dataclass
class Row:
    capability: Capability
    assessment: CapabilityAssessment | None
    last_year: int | None
    posted: Mapping[str, str] | None = None  # what a refused save sent, shown back in the row

    @property
    def saved(self) -> dict[str, int | None]:
        """Each level as saved, None before the first save."""
        return {name: getattr(self.assessment, name, None) for name in LEVELS}

    @property
    def typed(self) -> dict[str, str | None]:
        """Each level as a refused save sent it, None when nothing was refused."""
        return {name: self.posted.get(name) if self.posted else None for name in LEVELS}

    @property
    def change(self) -> int | None:
        if self.assessment is None or self.last_year is None:
            return None
        return self.assessment.maturity - self.last_year

    @property
    def unaddressed(self) -> bool:
        return self.assessment is not None and assessment_is_unaddressed(self.assessment)


def assessment_sheet_get(plan: Plan, rows: list[CapabilityAssessment]) -> list[Row]:
    """One row per capability of the catalogue (and any retired one this plan assessed), with last
    year's maturity for the same unit."""
    by_capability = {a.capability_id: a for a in rows}
    last_year = dict(
        CapabilityAssessment.objects.filter(
            plan__org_unit_id=plan.org_unit_id, plan__fiscal_year=plan.fiscal_year - 1
        ).values_list("capability_id", "maturity")
    )
    catalogue = Capability.objects.filter(active=True) | Capability.objects.filter(pk__in=list(by_capability))
    return [
        Row(c, by_capability.get(c.pk), last_year.get(c.pk))
        for c in catalogue.distinct().order_by("category", "name")
    ]


def assessment_heatmap_get(rows: list[CapabilityAssessment]) -> dict:
    """Counts and names of capabilities per (criticality, current maturity) cell."""
    names: dict[tuple[int, int], list[str]] = {}
    for a in rows:
        names.setdefault((a.criticality, a.maturity), []).append(a.capability.name)
    z = [[len(names.get((c, m), [])) for m in range(1, 6)] for c, _ in CRITICALITY]
    text = [["<br>".join(names.get((c, m), [])) for m in range(1, 6)] for c, _ in CRITICALITY]
    return {"z": z, "text": text}
