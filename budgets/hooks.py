"""Step 3's parts in the earlier steps: its tab and line on the overview, lines edited in place like plan
content, lines as funding of objectives and (with money on them) of improvement actions, the budget in
frozen revisions, pending moves as what is open on a plan, lines under their objectives in the strategy
tree."""

from django.urls import reverse

from budgets import forms, services
from budgets.models import Budget, BudgetLine, Move
from core import formatting
from core.registry import (
    AlertSource,
    ContentKind,
    FundingRule,
    OverviewSection,
    Registry,
    SnapshotSection,
    Tab,
    TreeBranch,
)
from planning import kinds, overview, tree
from planning.models import Plan


def create_line(*, actor, plan: Plan, form: forms.LineForm) -> BudgetLine:
    values, _ = form.split()
    budget = Budget.objects.get(plan=plan)
    return services.line_create(
        actor=actor, budget=budget, values=values, opening=form.cleaned_data.get("opening") or 0
    )


LINES = kinds.Kind(
    "budget-lines",
    BudgetLine,
    forms.LineForm,
    "Budget lines",
    "budget line",
    "Split the budget into lines (headcount, technology, programs, enablement, other), each with the "
    "objective it drives and the value it should bring.",
    10,
    page="budgets:plan",
    tab="budget",
    row_template="budgets/line_row.html",
    related=("objective", "initiative", "improvement_action"),
    headers=(
        "Line",
        "Category",
        "Value driver",
        "#Expected value",
        "#Allocated",
        "#Value per $",
        "#Spent",
        "#Remaining",
        "Funds",
    ),
    create=create_line,
)


def budget_section(plan: Plan) -> list[dict]:
    return [
        {
            "Line": line.name,
            "Category": line.get_category_display(),
            "Growth": line.growth,
            "Value driver": str(line.objective or ""),
            "Expected value": line.expected_value,
            "Allocated": line.amount,
        }
        for line in BudgetLine.objects.filter(plan=plan).select_related("objective")
    ]


def pending_alerts(plan: Plan) -> list[overview.Alert]:
    pending = Move.objects.filter(budget__plan=plan, status=Move.Status.PENDING).select_related(
        "source", "target", "budget"
    )
    url = reverse("budgets:plan", kwargs={"plan_id": plan.pk})
    return [
        overview.Alert(
            "info",
            "Pending",
            f"Budget move waiting for an executive: {m.get_kind_display()} "
            f"{formatting.money(m.amount, currency=m.budget.currency)}: "
            f"{m.source or 'pool'} → {m.target or 'pool'}",
            f"{url}#pending",
        )
        for m in pending
    ]


def tree_lines(plan: Plan) -> list[tree.Leaf]:
    """Each budget line under the objective it drives and the initiative it funds, with its amount."""
    url = reverse("budgets:plan", kwargs={"plan_id": plan.pk})
    return [
        tree.Leaf(
            line.name,
            f"{url}#budget-lines-{line.pk}",
            objective_ids=(line.objective_id,) if line.objective_id else (),
            initiative_id=line.initiative_id,
            detail=line.get_category_display() + (" · growth" if line.growth else ""),
            amount=line.amount,
            currency=line.budget.currency,
        )
        for line in BudgetLine.objects.filter(plan=plan).select_related("budget").order_by("-amount", "pk")
    ]


def has_money(line: BudgetLine) -> bool:
    """A budget line funds an improvement action only with money on it."""
    return line.amount > 0


def register(registry: Registry) -> None:
    registry.add(
        Tab(key="budget", label="Budget", url_name="budgets:plan", step=3, order=30),
        OverviewSection(
            key="budget",
            title="Functional budget",
            url_name="budgets:plan",
            description="Lines, value drivers and the reallocation ledger.",
            order=30,
        ),
        ContentKind(kind=LINES, order=30),
        FundingRule(funds="planning.Objective", related_name="budget_lines", label="budget line", order=30),
        FundingRule(
            funds="capabilities.ImprovementAction",
            related_name="budget_lines",
            label="budget line",
            predicate=has_money,
            order=31,
        ),
        SnapshotSection(title="Budget", build=budget_section, order=30),
        AlertSource(key="pending-moves", build=pending_alerts, checks="pending budget moves", order=30),
        TreeBranch(key="budget-lines", title="Budget lines", build=tree_lines, order=30),
    )
