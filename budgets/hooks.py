"""Step 3's parts in the earlier steps: lines edited in place like plan content, lines as funding of
objectives and improvement actions, the budget in frozen revisions, pending moves on the overview."""

from django.urls import reverse

from budgets import forms, services
from budgets.models import Budget, BudgetLine, Move
from capabilities import selectors as capability_selectors
from planning import kinds, overview, snapshot, targets
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
        "source", "target"
    )
    url = reverse("budgets:plan", kwargs={"plan_id": plan.pk})
    return [
        overview.Alert("info", "Pending", f"Budget move waiting for an executive: {m}", f"{url}#pending")
        for m in pending
    ]


def register_all() -> None:
    kinds.register(LINES)
    targets.register_funding("budget_lines", "budget line")
    capability_selectors.register_funding("budget_lines")
    snapshot.register("Budget", budget_section)
    overview.register(pending_alerts)
