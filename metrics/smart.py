"""The SMART check of a KPI: five named criteria, each passed or failed with the reason."""

from dataclasses import dataclass

from metrics.models import KPI


@dataclass(frozen=True)
class Criterion:
    name: str
    passed: bool
    reason: str


def check(kpi: KPI, *, has_targets: bool = False, objective_count: int | None = None) -> list[Criterion]:
    """`has_targets` and `objective_count` may be given by the caller that read them set-wise."""
    objectives = objective_count if objective_count is not None else kpi.objectives.count()
    specific = bool(kpi.description.strip()) and (
        kpi.aggregation != KPI.Aggregation.RATIO or bool(kpi.numerator_id)
    )
    measurable = bool(kpi.unit) and (kpi.annual_target is not None or has_targets)
    actionable = kpi.alert_threshold is not None and bool(kpi.owner.strip())
    return [
        Criterion(
            "Specific",
            specific,
            "Scope and area are described."
            if specific
            else "Describe what is counted and for which part of the business.",
        ),
        Criterion(
            "Measurable",
            measurable,
            "Has a unit and a numeric target."
            if measurable
            else "Missing: "
            + " and ".join(
                part
                for part, missing in (
                    ("a unit", not kpi.unit),
                    ("a numeric target", kpi.annual_target is None and not has_targets),
                )
                if missing
            )
            + ".",
        ),
        Criterion(
            "Actionable",
            actionable,
            "Has an alert threshold and an owner."
            if actionable
            else "Missing: "
            + " and ".join(
                part
                for part, missing in (
                    ("an alert threshold", kpi.alert_threshold is None),
                    ("an owner", not kpi.owner.strip()),
                )
                if missing
            )
            + ".",
        ),
        Criterion(
            "Relevant",
            objectives > 0,
            f"Linked to {objectives} objective{'s' if objectives != 1 else ''}."
            if objectives
            else "Link it to the objective it measures.",
        ),
        Criterion(
            "Timely",
            bool(kpi.review_cadence),
            f"Reviewed {kpi.get_review_cadence_display().lower()} within the fiscal year."
            if kpi.review_cadence
            else "Set a review cadence (monthly or quarterly).",
        ),
    ]


def score(criteria: list[Criterion]) -> int:
    return sum(c.passed for c in criteria)
