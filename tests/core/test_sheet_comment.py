"""Every grid edit can say why (core.sheet): a batch's optional "comment" goes into the history with each
change it makes, on the cascade, KPI and spend grids alike; the plan's History tab and a seller's receipt
show it; a reason that is not text or is too long is a bad request and nothing is written."""

import csv
import io
import json
import re
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets import services as budgets
from budgets.models import BudgetLine, Spend
from core.models import AuditEntry
from core.sheet import MAX_COMMENT
from metrics.models import KPI, Actual, KPITarget
from orgs.models import FiscalCalendar, Role
from planning import cascade, gridfile
from planning.models import SalesTarget, TargetAllocation
from sellers import number as my_number
from tests.factories import MembershipFactory, PlanFactory, SellerFactory, UserFactory

WHY = "Moved Q1 into Q2: the Contoso renewal signs later"


def post(client, url: str, edits: list[dict], comment=None):
    body = {"edits": edits} if comment is None else {"edits": edits, "comment": comment}
    return client.post(url, json.dumps(body), content_type="application/json")


def entries(model, pk=None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    return list(found.filter(object_id=str(pk)) if pk is not None else found)


@pytest.fixture
def sellers_plan(org, people):
    """Team A1's FY2028 plan, 120,000 split equally over its sellers Ann and Bo (60,000.00 each,
    5,000.00 a month), cascaded by its leader."""
    plan = PlanFactory(org_unit=org.team_a1)
    SalesTarget.objects.create(plan=plan, name="Revenue", new_business=D("120000"))
    for name in ("Ann", "Bo"):
        SellerFactory(name=name, org_unit=org.team_a1)
    cascade.cascade_run(
        actor=people.leader,
        plan=plan,
        version=plan.version,
        method="equal",
        level="sellers",
        buffer_percent=D("0"),
    )
    return plan


def rows(plan) -> list[TargetAllocation]:
    return list(TargetAllocation.objects.filter(plan=plan).order_by("seller__name"))


def cascade_cell(row: TargetAllocation, col: str, value: str) -> dict:
    return {"row": str(row.pk), "col": col, "value": value, "version": row.version}


def grid_url(plan) -> str:
    return reverse("planning:grid-cells", args=[plan.pk])


# --- the cascade grid ----------------------------------------------------------------------------------


def test_a_cascade_edit_keeps_its_reason_in_the_history_and_on_the_sellers_receipt(
    client, sellers_plan, people
):
    ann, _ = rows(sellers_plan)
    assert ann.month_amounts[:2] == [D("5000.00"), D("5000.00")]
    client.force_login(people.leader)
    # 1,000 moved from the first month to the second: 4,000 + 6,000, the year still 60,000.
    edits = [cascade_cell(ann, "m1", "4,000"), cascade_cell(ann, "m2", "6,000")]
    response = post(client, grid_url(sellers_plan), edits, comment=f"  {WHY}\n")
    assert response.status_code == 200, response.content
    [entry] = entries(TargetAllocation, ann.pk)
    assert entry.comment == WHY  # one line, the spaces around it dropped
    assert entry.actor == people.leader and "months" in entry.changes
    ann.refresh_from_db()
    [edit] = my_number.receipt(ann).edits
    assert (edit.actor, edit.comment) == ("leader", WHY)
    assert edit.changed[:1] == [(edit.labels[0], D("5000.00"), D("4000.00"))]
    history = client.get(reverse("planning:history", args=[sellers_plan.pk]))
    assert f"“{WHY}”" in history.content.decode()


def test_the_cascade_grid_offers_the_reason_box_and_says_sellers_see_it(client, sellers_plan, people):
    client.force_login(people.leader)
    page = client.get(reverse("planning:targets", args=[sellers_plan.pk])).content.decode()
    assert 'id="cascade-grid-why"' in page and f'data-max="{MAX_COMMENT}"' in page
    assert '<label for="cascade-grid-why"' in page
    assert "Each seller sees it on their receipt." in page


def test_an_edit_without_a_reason_records_none(client, sellers_plan, people):
    ann, _ = rows(sellers_plan)
    client.force_login(people.leader)
    assert post(client, grid_url(sellers_plan), [cascade_cell(ann, "m1", "4,500")]).status_code == 200
    assert [e.comment for e in entries(TargetAllocation, ann.pk)] == [""]


@pytest.mark.parametrize(
    ("comment", "says"),
    [
        ("x" * (MAX_COMMENT + 1), f"the reason is {MAX_COMMENT + 1} characters long; shorten it to 300"),
        (42, "The reason for these changes must be text."),
        (["why"], "The reason for these changes must be text."),
    ],
)
def test_a_reason_too_long_or_not_text_is_a_bad_request_and_nothing_is_written(
    client, sellers_plan, people, comment, says
):
    ann, _ = rows(sellers_plan)
    client.force_login(people.leader)
    response = post(client, grid_url(sellers_plan), [cascade_cell(ann, "m1", "1")], comment=comment)
    assert response.status_code == 400
    assert says in response.json()["message"]
    ann.refresh_from_db()
    assert ann.month_amounts[0] == D("5000.00") and ann.version == 1
    assert entries(TargetAllocation, ann.pk) == []


def test_a_reason_of_exactly_the_limit_is_kept_whole(client, sellers_plan, people):
    ann, _ = rows(sellers_plan)
    client.force_login(people.leader)
    longest = "é" * MAX_COMMENT  # characters, not bytes
    assert post(client, grid_url(sellers_plan), [cascade_cell(ann, "m1", "1")], longest).status_code == 200
    assert entries(TargetAllocation, ann.pk)[0].comment == longest


def test_a_viewer_cannot_write_with_or_without_a_reason(client, sellers_plan, people):
    ann, _ = rows(sellers_plan)
    client.force_login(people.viewer)
    response = post(client, grid_url(sellers_plan), [cascade_cell(ann, "m1", "1")], comment=WHY)
    assert response.status_code in (403, 404)
    assert entries(TargetAllocation, ann.pk) == []


# --- the KPI grid ---------------------------------------------------------------------------------------


@pytest.fixture
def leads():
    return KPI.objects.get(code="leads")


def test_kpi_targets_and_manual_actuals_keep_the_reason(client, plan, people, leads):
    client.force_login(people.leader)
    url = reverse("metrics:kpi-cells", args=[plan.pk, leads.pk])
    edits = [
        {"row": "target", "col": "m1", "value": "10", "version": 0},
        {"row": "manual", "col": "m1", "value": "4", "version": 0},
    ]
    assert post(client, url, edits, comment=WHY).status_code == 200
    target = KPITarget.objects.get(kpi=leads, org_unit=plan.org_unit, period=1)
    assert [e.comment for e in entries(KPITarget, target.pk)] == [WHY]  # created with its reason
    assert Actual.objects.get(kpi=leads, org_unit=plan.org_unit).value == D("4")
    [actual] = [e for e in entries(KPI, leads.pk) if any("actual P1" in k for k in e.changes)]
    assert actual.comment == WHY
    again = post(client, url, [{"row": "target", "col": "m1", "value": "12", "version": 1}], comment="Later")
    assert again.status_code == 200
    assert [e.comment for e in entries(KPITarget, target.pk)] == ["Later", WHY]  # newest first


def test_a_kpi_batch_with_a_bad_reason_writes_nothing(client, plan, people, leads):
    client.force_login(people.leader)
    url = reverse("metrics:kpi-cells", args=[plan.pk, leads.pk])
    edits = [{"row": "target", "col": "m1", "value": "10", "version": 0}]
    assert post(client, url, edits, comment={"why": "no"}).status_code == 400
    assert not KPITarget.objects.filter(kpi=leads).exists() and entries(KPITarget) == []


# --- the spend grid --------------------------------------------------------------------------------------


@pytest.fixture
def line(plan, people) -> BudgetLine:
    budget = budgets.budget_create(actor=people.leader, plan=plan, total=D("100000"))
    values = {"name": "Events", "category": "programs", "growth": False, "expected_value": D("0")}
    return budgets.line_create(actor=people.leader, budget=budget, values=values, opening=D("50000"))


def test_spend_months_keep_the_reason_when_recorded_and_when_changed(client, plan, people, line):
    client.force_login(people.ops)
    url = reverse("budgets:spend-cells", args=[plan.pk])
    first = post(client, url, [{"row": str(line.pk), "col": "m2", "value": "700", "version": 0}], WHY)
    assert first.status_code == 200, first.content
    spend = Spend.objects.get(line=line, period=2)
    changed = post(client, url, [{"row": str(line.pk), "col": "m2", "value": "750", "version": 1}], "Refund")
    assert changed.status_code == 200
    assert [e.comment for e in entries(Spend, spend.pk)] == ["Refund", WHY]


def test_a_spend_batch_with_a_too_long_reason_writes_nothing(client, plan, people, line):
    client.force_login(people.ops)
    url = reverse("budgets:spend-cells", args=[plan.pk])
    edits = [{"row": str(line.pk), "col": "m2", "value": "700", "version": 0}]
    response = post(client, url, edits, "y" * 301)
    assert response.status_code == 400 and response.json()["message"].startswith("Nothing was saved")
    assert not Spend.objects.filter(line=line).exists()


# --- the grid file import's confirmation ---------------------------------------------------------------


@pytest.fixture
def region_lead(org):
    lead = UserFactory(username="region_lead")
    MembershipFactory(user=lead, org_unit=org.region_a, role=Role.SALES_LEADER)
    return lead


@pytest.fixture
def units_plan(org, people, region_lead):
    """Region A's FY2028 plan, 1,200,000 split equally over teams A1 and A2 by its leader."""
    lead = region_lead
    plan = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(plan=plan, name="Revenue", new_business=D("1200000"))
    cascade.cascade_run(
        actor=lead, plan=plan, version=plan.version, method="equal", level="units", buffer_percent=D("0")
    )
    return plan


def confirm_page(client, plan) -> str:
    """Upload a file that sets team A1's months (50,000.00 each) to 60,000: the page that asks first."""
    out = io.StringIO()
    header = gridfile.header(FiscalCalendar.load().rules, plan.fiscal_year)
    csv.writer(out).writerows([header, ["team-a1", "Team A1", *["60000"] * 12, ""]])
    upload = SimpleUploadedFile("grid.csv", out.getvalue().encode())
    response = client.post(reverse("planning:grid-import", args=[plan.pk]), {"file": upload})
    assert response.status_code == 200
    return response.content.decode()


def apply(client, plan, html: str, comment: str):
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    data = {"token": token, "comment": comment}
    return client.post(reverse("planning:grid-import-apply", args=[plan.pk]), data)


def test_a_confirmed_grid_import_keeps_its_reason_with_each_row_it_changes(client, units_plan, region_lead):
    client.force_login(region_lead)
    html = confirm_page(client, units_plan)
    assert '<label for="import-why"' in html and f'maxlength="{MAX_COMMENT}"' in html
    assert apply(client, units_plan, html, "  Q3 plan from finance ").status_code == 302
    a1 = TargetAllocation.objects.get(plan=units_plan, org_unit__code="team-a1")
    assert a1.month_amounts == [D("60000.00")] * 12
    assert [e.comment for e in entries(TargetAllocation, a1.pk)] == ["Q3 plan from finance"]


def test_a_grid_import_with_a_too_long_reason_imports_nothing(client, units_plan, region_lead):
    client.force_login(region_lead)
    html = confirm_page(client, units_plan)
    response = apply(client, units_plan, html, "z" * (MAX_COMMENT + 1))
    assert response.status_code == 302
    said = " ".join(str(m) for m in response.wsgi_request._messages)
    assert "shorten it to 300 or fewer" in said and "Nothing was imported" in said
    a1 = TargetAllocation.objects.get(plan=units_plan, org_unit__code="team-a1")
    assert a1.version == 1 and entries(TargetAllocation, a1.pk) == []
