"""The history renders every audited change in words: relation sets as names added and removed, foreign
keys as names, choices as labels, amounts and dates as the rest of the page shows them — and a change it
does not know as its name and values, never an error page."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from budgets import services as budgets
from budgets.models import Budget, BudgetLine, Move, Spend
from capabilities.models import Capability, CapabilityAssessment, ImprovementAction
from capabilities.services import assessment_save
from core.models import AuditEntry
from core.services import jsonable
from core.templatetags.aop import change_lines
from metrics.models import KPI, ChurnPolicy, DataSource, ImportBatch, KPITarget, TargetAdjustment
from metrics.services import objective_kpis_set
from orgs.models import FiscalCalendar, Membership, OrgUnit, Role, Seller
from planning.content import content_create, content_update
from planning.models import (
    Initiative,
    LongTermGoal,
    Objective,
    Plan,
    PlanningSettings,
    Risk,
    SalesTarget,
    SeasonalityProfile,
    Strategy,
    TargetAllocation,
    TargetSubmission,
)
from planning.services import plan_transition, plan_update
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def lines_of(model: type, changes: dict) -> list[tuple[str, str, str]]:
    """Render changes stored the way the services store them: each value through core.services.jsonable."""
    stored = {name: [jsonable(before), jsonable(after)] for name, (before, after) in changes.items()}
    entry = AuditEntry(content_type=ContentType.objects.get_for_model(model), changes=stored)
    return change_lines(entry)


def latest_lines(instance) -> list[tuple[str, str, str]]:
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
    ).latest("id")
    return change_lines(entry)


# One change of each kind of field of each audited model, in the shape its service writes it: a foreign
# key as the related row's name (jsonable(instance) is str(instance)), a relation set as a sorted list of
# names, decimals and dates as ISO text, choices as their stored value.
EVERY_KIND = [
    # planning
    (Plan, "status", "in_review", "approved", ("Status", "In review", "Approved")),
    (Plan, "cascade_method", "equal", "headcount", ("Split by", "Equal split", "Headcount")),
    (Plan, "buffer_percent", None, D("12.50"), ("Over-assignment buffer (%)", "—", "12.50")),
    (Plan, "seasonality", "Even", "Retail peak", ("Seasonality profile", "Even", "Retail peak")),
    (Plan, "approved_by", "executive", None, ("Approved by", "executive", "—")),
    (Plan, "revision", 1, 2, ("Revision", "1", "2")),
    (Plan, "summary", "Grow.", "Grow faster.", ("Summary", "Grow.", "Grow faster.")),
    (
        Plan,
        "approved_at",
        dt.datetime(2027, 11, 30, 16, 5, tzinfo=dt.UTC),
        None,
        ("Approved at", "30 Nov 2027, 16:05", "—"),
    ),
    (Objective, "weight", D("25.00"), D("40.00"), ("Weight (%)", "25.00", "40.00")),
    (Objective, "long_term_goal", None, "ARR $60M", ("Long term goal", "—", "ARR $60M")),
    (Objective, "kpis", ["Win rate"], ["Churn"], ("KPIs", "", "Added: Churn; removed: Win rate")),
    (Strategy, "objectives", [], ["Grow EMEA", "Retain"], ("Objectives", "", "Added: Grow EMEA, Retain")),
    (Initiative, "status", "planned", "at_risk", ("Status", "Planned", "At risk")),
    (Initiative, "start_quarter", 1, 3, ("Start quarter", "Q1", "Q3")),
    (Initiative, "strategy", "Land", "Expand", ("Strategy", "Land", "Expand")),
    (Initiative, "objectives", ["Retain"], [], ("Objectives", "", "Removed: Retain")),
    (Risk, "likelihood", 3, 5, ("Likelihood", "3", "5")),
    (
        SalesTarget,
        "new_business",
        D("385750.00"),
        D("400000.00"),
        ("New business", "385,750.00", "400,000.00"),
    ),
    (SalesTarget, "objectives", None, ["Retain"], ("Objectives", "", "Added: Retain")),
    (TargetAllocation, "weight", D("385750.0000"), D("0.1250"), ("Weight", "385,750.00", "0.125")),
    (
        TargetAllocation,
        "months",
        ["1000.00", "0.00"],
        ["1250.50", "0.00"],
        ("Months", "1,000.00; 0.00", "1,250.50; 0.00"),
    ),
    (TargetSubmission, "amount", D("0"), D("1200000.00"), ("Amount", "0.00", "1,200,000.00")),
    (TargetSubmission, "status", "submitted", "sent_back", ("Status", "Submitted", "Sent back")),
    (TargetSubmission, "decided_by", None, "leader", ("Decided by", "—", "leader")),
    (LongTermGoal, "end_year", 2029, 2031, ("Last fiscal year", "2029", "2031")),
    (
        LongTermGoal,
        "milestones",
        {},
        {"2028": "ARR $60M", "2029": "ARR $80M"},
        ("Milestones", "—", "2028: ARR $60M; 2029: ARR $80M"),
    ),
    (SeasonalityProfile, "weights", ["8.34", "8.33"], ["10", "6.67"], ("Weights", "8.34; 8.33", "10; 6.67")),
    (
        SeasonalityProfile,
        "source",
        "entered",
        "derived",
        ("Source", "Entered", "Derived from prior-year actuals"),
    ),
    (
        PlanningSettings,
        "move_approval_threshold",
        D("50000.00"),
        D("75000.00"),
        ("Budget moves above this amount need an executive", "50,000.00", "75,000.00"),
    ),
    # capabilities
    (Capability, "active", True, False, ("Active", "Yes", "No")),
    (Capability, "category", "skills", "tools", ("Category", "Skills", "Tools & technology")),
    (CapabilityAssessment, "maturity", 2, 3, ("Current maturity", "2 · Developing", "3 · Defined")),
    (CapabilityAssessment, "criticality", 3, 4, ("Criticality", "High", "Critical")),
    (CapabilityAssessment, "assessor", "ops", "leader", ("Assessor", "ops", "leader")),
    (CapabilityAssessment, "assessed_on", dt.date(2026, 3, 1), None, ("Assessed on", "1 Mar 2026", "—")),
    (ImprovementAction, "assessment", None, "CRM hygiene assessment", ("Gap", "—", "CRM hygiene assessment")),
    (ImprovementAction, "budget", D("0"), D("15000.00"), ("Budget", "0.00", "15,000.00")),
    # budgets
    (Budget, "total", D("1000000.00"), D("1200000.00"), ("Total", "1,000,000.00", "1,200,000.00")),
    (Budget, "currency", "USD", "EUR", ("Currency", "USD", "EUR")),
    (BudgetLine, "growth", False, True, ("Growth", "No", "Yes")),
    (BudgetLine, "category", "programs", "headcount", ("Category", "Programs", "Headcount")),
    (BudgetLine, "objective", "Grow EMEA", None, ("Value driver", "Grow EMEA", "—")),
    (Spend, "amount", D("1200.00"), D("1350.75"), ("Amount", "1,200.00", "1,350.75")),
    # metrics
    (KPI, "unit", "", "percent", ("Unit", "—", "Percent")),
    (KPI, "annual_target", None, D("0.2500"), ("Annual target", "—", "0.25")),
    (KPI, "numerator", None, "Deals won", ("Numerator", "—", "Deals won")),
    (KPI, "active", True, False, ("Active", "Yes", "No")),
    (DataSource, "readiness", "field_missing", "captured", ("Readiness", "Field missing", "Captured")),
    (DataSource, "ready_by", None, dt.date(2027, 12, 15), ("Ready by", "—", "15 Dec 2027")),
    (KPITarget, "value", D("10000.0000"), D("12500.5000"), ("Value", "10,000.00", "12,500.50")),
    (ChurnPolicy, "allowance", D("10.00"), D("12.50"), ("Churn allowance (%)", "10.00", "12.50")),
    (ChurnPolicy, "measurement_period", "annual", "quarterly", ("Measurement period", "Annual", "Quarterly")),
    # orgs
    (OrgUnit, "kind", "team", "region", ("Kind", "Team", "Region")),
    (OrgUnit, "parent", 3, "Acme", ("Parent", "#3", "Acme")),  # the admin records the old key's id
    (
        Seller,
        "start_date",
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
        ("Start date", "1 Mar 2026", "1 Apr 2026"),
    ),
    (Seller, "monthly_quota", D("50000.00"), D("55000.00"), ("Monthly quota", "50,000.00", "55,000.00")),
    (Seller, "ramp", [0, 25, 50], [50, 100], ("Ramp", "0; 25; 50", "50; 100")),
    (Seller, "org_unit", "Team A1", "Team A2", ("Org unit", "Team A1", "Team A2")),
    (Membership, "role", "viewer", "sales_ops", ("Role", "Viewer", "Sales ops")),
    (FiscalCalendar, "start_month", 1, 2, ("Start month", "1", "2")),
    (
        FiscalCalendar,
        "naming",
        "end",
        "start",
        ("Naming", "By the calendar year in which it ends", "By the calendar year in which it starts"),
    ),
]


@pytest.mark.parametrize(
    ("model", "name", "before", "after", "expected"),
    EVERY_KIND,
    ids=[f"{m.__name__}.{n}" for m, n, *_ in EVERY_KIND],
)
def test_each_kind_of_change_reads_in_words(model, name, before, after, expected):
    assert lines_of(model, {name: (before, after)}) == [expected]


# Changes the services record under names that are not fields of the model.
NOT_FIELDS = [
    # budgets.services._record: a ledger move's sides, amount and status label
    (Move, "from", None, "Unallocated pool", ("From", "—", "Unallocated pool")),
    (Move, "amount", None, D("385750.00"), ("Amount", "—", "385,750.00")),
    (Move, "status", "Pending approval", "Posted", ("Status", "Pending approval", "Posted")),
    # metrics.services.target_adjust
    (
        TargetAdjustment,
        "Revenue target P4",
        D("30000.0000"),
        D("35000.0000"),
        ("Revenue target P4", "30,000.00", "35,000.00"),
    ),
    # metrics.importer._finish
    (ImportBatch, "rows", None, 120, ("Rows", "—", "120")),
    # onepager.views.pdf_response
    (Plan, "one-page PDF", None, "revision 2, A4", ("One-page PDF", "—", "revision 2, A4")),
    # planning.cascade.cascade_run
    (
        Plan,
        "cascade",
        [],
        ["Team A1: 1,000.00", "Team A2: 500.00"],
        ("Cascade", "—", "Team A1: 1,000.00; Team A2: 500.00"),
    ),
]


@pytest.mark.parametrize(
    ("model", "name", "before", "after", "expected"),
    NOT_FIELDS,
    ids=[f"{m.__name__}.{n}" for m, n, *_ in NOT_FIELDS],
)
def test_a_change_under_another_name_reads_as_that_name_and_its_values(model, name, before, after, expected):
    assert lines_of(model, {name: (before, after)}) == [expected]


def test_shapes_no_service_writes_still_render_rather_than_fail():
    entry = AuditEntry(
        content_type=ContentType.objects.get_for_model(Plan),
        changes={
            "status": "approved",  # not a [before, after] pair
            "revision": [1, 2, 3],  # nor this
            "kpis": [None, None],
            "approved_at": ["2027-02-30T10:00:00", "soon"],  # not a real moment
            "buffer_percent": ["NaN", "lots"],
        },
    )
    assert change_lines(entry) == [
        ("Status", "—", "Approved"),
        ("Revision", "—", "1; 2; 3"),
        ("approved_at", "2027-02-30T10:00:00", "soon"),
        ("Over-assignment buffer (%)", "NaN", "lots"),
        ("Kpis", "—", "—"),  # not a field of a plan: after the fields, in the model's order
    ]
    # A model that is gone: every change is a name and its values.
    gone = ContentType.objects.create(app_label="retired", model="forecast")
    assert change_lines(AuditEntry(content_type=gone, changes={"amount": ["10.50", "12"]})) == [
        ("Amount", "10.50", "12")
    ]


# --- Through the real services ------------------------------------------------------------------------


def test_linking_kpis_to_an_objective_reads_as_kpis_added_and_removed(plan, people, catalogues):
    objective = content_create(actor=people.leader, plan=plan, model=Objective, values={"title": "Retain"})
    kpi = {k.code: k for k in KPI.objects.all()}
    objective = objective_kpis_set(
        actor=people.leader, objective=objective, version=objective.version, kpis=[kpi["win-rate"]]
    )
    assert latest_lines(objective) == [("KPIs", "", "Added: Win rate")]
    objective_kpis_set(
        actor=people.leader, objective=objective, version=objective.version, kpis=[kpi["churn"], kpi["leads"]]
    )
    assert latest_lines(objective) == [("KPIs", "", "Added: Churn, Leads; removed: Win rate")]


def test_an_initiative_edit_reads_as_labels_names_and_sets(plan, people):
    retain = content_create(actor=people.leader, plan=plan, model=Objective, values={"title": "Retain"})
    land = content_create(actor=people.leader, plan=plan, model=Strategy, values={"title": "Land"})
    initiative = content_create(
        actor=people.leader, plan=plan, model=Initiative, values={"title": "Kick-off"}
    )
    content_update(
        actor=people.leader,
        instance=initiative,
        version=initiative.version,
        values={"status": "in_progress", "end_quarter": 2, "strategy": land},
        m2m={"objectives": [retain]},
    )
    assert latest_lines(initiative) == [
        ("End quarter", "Q4", "Q2"),
        ("Status", "Planned", "In progress"),
        ("Strategy", "—", "Land"),
        ("Objectives", "", "Added: Retain"),
    ]


def test_the_workflow_reads_as_status_labels_moments_and_names(plan, people):
    plan = plan_update(actor=people.leader, plan=plan, version=plan.version, buffer_percent=D("12.5"))
    assert latest_lines(plan) == [("Over-assignment buffer (%)", "—", "12.50")]
    plan = plan_transition(actor=people.leader, plan=plan, name="submit", version=plan.version)
    plan = plan_transition(actor=people.executive, plan=plan, name="approve", version=plan.version)
    approved, submitted = shown(plan.approved_at), shown(plan.submitted_at)
    assert latest_lines(plan) == [
        ("Status", "In review", "Approved"),
        ("Approved at", "—", approved),
        ("Approved by", "—", "executive"),
    ]
    plan = plan_transition(actor=people.leader, plan=plan, name="reopen", version=plan.version)
    assert latest_lines(plan) == [
        ("Status", "Approved", "Draft"),
        ("Revision", "1", "2"),
        ("Submitted at", submitted, "—"),
        ("Approved at", approved, "—"),
        ("Approved by", "executive", "—"),
    ]


def shown(moment: dt.datetime) -> str:
    """A moment as the page shows it: '30 Nov 2027, 16:05' in the site's time zone."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y, %H:%M}"


def test_a_pending_budget_move_reads_with_its_amount_and_status_labels(plan, people):
    budget = budgets.budget_create(actor=people.leader, plan=plan, total=D("500000"))
    line = budgets.line_create(
        actor=people.leader, budget=budget, values={"name": "Events", "category": "programs"}
    )
    PlanningSettings.objects.update(move_approval_threshold=D("100000"))
    move = budgets.move_request(
        actor=people.leader,
        budget=budget,
        kind=Move.Kind.DEPLOY,
        source=None,
        target=None,
        amount=D("385750"),
        reason="Launch",
        new_line={"name": "Partners", "category": "programs"},
    )
    assert latest_lines(move) == [
        ("Amount", "—", "385,750.00"),
        ("Status", "—", "Pending approval"),
        ("From", "—", "Unallocated pool"),  # recorded under names of their own: after the fields
        ("To", "—", "Partners"),
    ]
    budgets.move_approve(actor=people.executive, move=move, comment="Go")
    assert latest_lines(move) == [("Status", "Pending approval", "Posted")]
    budgets.line_update(
        actor=people.leader, line=line, version=line.version, values={"growth": True, "category": "headcount"}
    )
    assert latest_lines(line) == [("Category", "Programs", "Headcount"), ("Growth", "No", "Yes")]


def test_an_assessment_reads_with_maturity_labels_the_assessor_and_the_date(plan, people, catalogues):
    coach = UserFactory(username="coach")
    MembershipFactory(user=coach, org_unit=plan.org_unit, role=Role.SALES_LEADER)
    capability = Capability.objects.order_by("name").first()
    values = {"maturity": 2, "target_maturity": 4, "criticality": 3}
    first = assessment_save(actor=coach, plan=plan, capability=capability, version=None, values=values)
    CapabilityAssessment.objects.filter(pk=first.pk).update(assessed_on=dt.date(2026, 3, 1))
    assessment_save(
        actor=people.leader,
        plan=plan,
        capability=capability,
        version=first.version,
        values=values | {"maturity": 3},
    )
    today = timezone.localdate()
    assert latest_lines(first) == [
        ("Current maturity", "2 · Developing", "3 · Defined"),
        ("Assessor", "coach", "leader"),
        ("Assessed on", "1 Mar 2026", f"{today.day} {today:%b %Y}"),
    ]


# --- The pages that broke -----------------------------------------------------------------------------


def test_the_history_and_overview_tabs_answer_after_a_kpi_was_linked(client, plan, people, catalogues):
    objective = content_create(actor=people.leader, plan=plan, model=Objective, values={"title": "Retain"})
    churn = KPI.objects.get(code="churn")
    objective_kpis_set(actor=people.leader, objective=objective, version=objective.version, kpis=[churn])
    client.force_login(people.viewer)
    for name in ("planning:history", "planning:plan"):
        response = client.get(reverse(name, args=[plan.pk]))
        assert response.status_code == 200, name
        page = response.content.decode()
        assert '<dt>KPIs</dt><dd><span class="after">Added: Churn</span></dd>' in page, name
        assert "[" not in page.split('class="changes"')[1].split("</dl>")[0], name
