"""What Step 1 contributes to a frozen revision: its records as the reader saw them."""

from planning.calc import CENT
from planning.models import Initiative, Objective, Plan, Risk, SalesTarget, Strategy, TargetAllocation


def _names(objects) -> str:
    return ", ".join(str(o) for o in objects)


def objectives(plan: Plan) -> list[dict]:
    return [
        {"Objective": o.title, "Weight %": o.weight, "Long-term goal": str(o.long_term_goal or "")}
        for o in Objective.objects.filter(plan=plan).select_related("long_term_goal")
    ]


def strategies(plan: Plan) -> list[dict]:
    return [
        {"Strategy": s.title, "Objectives": _names(s.objectives.all())}
        for s in Strategy.objects.filter(plan=plan).prefetch_related("objectives")
    ]


def initiatives(plan: Plan) -> list[dict]:
    return [
        {
            "Initiative": i.title,
            "Owner": i.owner,
            "Quarters": f"Q{i.start_quarter}–Q{i.end_quarter}",
            "Status": i.get_status_display(),
            "Objectives": _names(i.objectives.all()),
        }
        for i in Initiative.objects.filter(plan=plan).prefetch_related("objectives")
    ]


def risks(plan: Plan) -> list[dict]:
    return [
        {
            "Risk": r.title,
            "Likelihood": r.likelihood,
            "Impact": r.impact,
            "Score": r.score,
            "Mitigation": r.mitigation,
        }
        for r in Risk.objects.filter(plan=plan)
    ]


def sales_targets(plan: Plan) -> list[dict]:
    return [
        {
            "Target": t.name,
            "New business": t.new_business,
            "Expansion": t.expansion,
            "Renewal": t.renewal,
            "Total": t.total,
            "Objectives": _names(t.objectives.all()),
        }
        for t in SalesTarget.objects.filter(plan=plan).prefetch_related("objectives")
    ]


def cascade(plan: Plan) -> list[dict]:
    rows = TargetAllocation.objects.filter(plan=plan).select_related("org_unit", "seller")
    return [
        {"Assigned to": str(r.recipient), "Weight": r.weight, "Amount": r.amount.quantize(CENT)} for r in rows
    ]
