"""Traceability: what funds an objective (the registered funding rules), the sales targets no objective
links and the objectives nothing funds (selectors), and both as what is open on a plan (alerts)."""

from collections.abc import Callable
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse

from core.registry import FundingRule, registry
from planning.models import Objective, Plan, SalesTarget
from planning.overview import Alert


def objective_funding() -> list[FundingRule]:
    """What counts as funding an objective: its initiatives (planning.hooks) and the records later steps
    register (budget lines, KPIs), so planning never imports them."""
    return registry.funding(Objective._meta.label)


def orphan_targets(plan: Plan):
    return SalesTarget.objects.filter(plan=plan).exclude(
        Exists(SalesTarget.objects.filter(pk=OuterRef("pk"), objectives__isnull=False))
    )


def unfunded_objectives(plan: Plan):
    objectives = Objective.objects.filter(plan=plan)
    for rule in objective_funding():
        linked = Objective.objects.filter(pk=OuterRef("pk"), **{f"{rule.related_name}__isnull": False})
        objectives = objectives.exclude(Exists(linked))
    return objectives.order_by("pk")


# --- What is open on the plan (core.registry.AlertSource, planning.hooks) ---------------------------------

SHOWN = 10  # items named per kind; the rest are counted in one line that links to the traceability panel


def orphan_alerts(plan: Plan) -> list[Alert]:
    """One alert per sales target that serves no objective (the first SHOWN of them)."""
    url = reverse("planning:targets", kwargs={"plan_id": plan.pk})
    return _capped(
        orphan_targets(plan).order_by("pk"),
        lambda t: Alert("warn", "Orphan target", f"{t} serves no objective", f"{url}#targets-{t.pk}"),
        plan,
        "orphan targets",
    )


def unfunded_alerts(plan: Plan) -> list[Alert]:
    """One alert per objective with nothing behind it (the first SHOWN of them)."""
    url = reverse("planning:alignment", kwargs={"plan_id": plan.pk})
    nothing = _either([rule.label for rule in objective_funding()])
    return _capped(
        unfunded_objectives(plan),
        lambda o: Alert(
            "warn", "Unfunded", f"Objective “{o}” has no {nothing} behind it", f"{url}#objectives-{o.pk}"
        ),
        plan,
        "unfunded objectives",
    )


def _capped(rows, alert: Callable[[Any], Alert], plan: Plan, name: str) -> list[Alert]:
    shown = list(rows[: SHOWN + 1])
    alerts = [alert(row) for row in shown[:SHOWN]]
    if len(shown) > SHOWN:
        more = rows.count() - SHOWN
        url = reverse("planning:alignment", kwargs={"plan_id": plan.pk})
        label = alerts[-1].label  # the same kind: a count by label adds these in
        alerts.append(Alert("warn", label, f"and {more} more {name}", f"{url}#traceability", count=more))
    return alerts


def _either(labels: list[str]) -> str:
    """ "initiative, budget line or KPI"."""
    return " or ".join([", ".join(labels[:-1]), labels[-1]]) if len(labels) > 1 else "".join(labels)
