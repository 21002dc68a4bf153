"""The top-down cascade, its grid, and importing the grid from a file."""

import csv
import io
import zipfile
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core.exceptions import StaleVersionError
from core.models import AuditEntry
from orgs.models import FiscalCalendar
from planning import cascade, gridfile
from planning import grid as target_grid
from planning.models import PlanningSettings, SalesTarget, SeasonalityProfile, TargetAllocation
from tests.factories import OrgUnitFactory, PlanFactory, SellerFactory


def run(plan, actor, method="equal", level="units", buffer=None):
    plan.refresh_from_db()
    return cascade.cascade_run(
        actor=actor, plan=plan, version=plan.version, method=method, level=level, buffer_percent=buffer
    )


def test_equal_split_of_a_million_over_three_children_with_10_percent(org, region_lead, people):
    OrgUnitFactory(name="Team A3", code="team-a3", parent=org.region_a)
    plan = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(plan=plan, new_business=D("1000000"))
    rows = run(plan, region_lead, buffer=D("10"))
    assert [r.amount for r in rows] == [D("366666.67"), D("366666.67"), D("366666.66")]
    assert sum(r.amount for r in rows) == D("1100000.00")
    # Each row's 12 months add up exactly to its amount.
    for row in TargetAllocation.objects.filter(plan=plan):
        assert len(row.months) == 12 and sum(row.month_amounts) == row.amount
    grid = target_grid.grid(plan)
    assert grid.assigned == D("1100000.00") and grid.difference == 0


def test_the_company_default_buffer_applies_when_the_plan_sets_none(region_plan, region_lead):
    settings = PlanningSettings.load()
    settings.default_buffer_percent = D("20")
    settings.save()
    rows = run(region_plan, region_lead)
    assert sum(r.amount for r in rows) == D("1200000.00")
    assert [r.amount for r in rows] == [D("600000.00"), D("600000.00")]


def test_headcount_split_weights_children_by_active_sellers(org, region_plan, region_lead):
    for _ in range(3):
        SellerFactory(org_unit=org.team_a1)
    SellerFactory(org_unit=org.team_a2)
    rows = run(region_plan, region_lead, method="headcount", buffer=D("0"))
    assert {r.org_unit.code: r.amount for r in rows} == {"team-a1": D("750000.00"), "team-a2": D("250000.00")}


def test_prior_year_share_uses_last_years_child_targets(org, region_plan, region_lead):
    for unit, amount in ((org.team_a1, "300000"), (org.team_a2, "100000")):
        SalesTarget.objects.create(plan=PlanFactory(org_unit=unit, fiscal_year=2027), new_business=D(amount))
    rows = run(region_plan, region_lead, method="prior_year", buffer=D("10"))
    assert [r.amount for r in rows] == [D("825000.00"), D("275000.00")]


def test_prior_year_share_without_history_is_refused_and_changes_nothing(region_plan, region_lead):
    with pytest.raises(ValidationError, match="no FY2027 targets"):
        run(region_plan, region_lead, method="prior_year")
    assert not TargetAllocation.objects.filter(plan=region_plan).exists()


def test_manual_weights_are_taken_from_the_grid(region_plan, region_lead):
    rows = run(region_plan, region_lead, buffer=D("0"))
    first, second = (TargetAllocation.objects.get(pk=r.pk) for r in rows)
    target_grid.allocation_update(
        actor=region_lead, allocation=first, version=first.version, months=first.month_amounts, weight=D("3")
    )
    rows = run(region_plan, region_lead, method="manual", buffer=D("0"))
    assert [r.amount for r in rows] == [D("750000.00"), D("250000.00")]


def test_cascade_to_sellers_of_the_subtree(org, region_plan, region_lead):
    for unit in (org.team_a1, org.team_a1, org.team_a2):
        SellerFactory(org_unit=unit)
    SellerFactory(org_unit=org.team_b1)  # another region: not part of region A's cascade
    rows = run(region_plan, region_lead, level="sellers", buffer=D("0"))
    assert len(rows) == 3 and sum(r.amount for r in rows) == D("1000000.00")
    assert [r.amount for r in rows] == [D("333333.34"), D("333333.33"), D("333333.33")]


def test_a_cascade_on_a_stale_plan_version_changes_nothing(region_plan, region_lead):
    run(region_plan, region_lead)
    before = list(TargetAllocation.objects.filter(plan=region_plan).values_list("pk", "months"))
    with pytest.raises(StaleVersionError):
        cascade.cascade_run(
            actor=region_lead,
            plan=region_plan,
            version=1,
            method="equal",
            level="units",
            buffer_percent=D("30"),
        )
    assert list(TargetAllocation.objects.filter(plan=region_plan).values_list("pk", "months")) == before


def test_the_cascade_is_in_the_plans_history(region_plan, region_lead):
    run(region_plan, region_lead, buffer=D("10"))
    entry = AuditEntry.objects.filter(plan_id=region_plan.pk).first()
    assert entry.changes["cascade"] == [[], ["Team A1: 550,000.00", "Team A2: 550,000.00"]]
    assert "Cascaded 1,000,000.00 + 10" in entry.comment


def test_only_the_units_leaders_may_cascade(region_plan, people):
    with pytest.raises(PermissionDenied):
        run(region_plan, people.leader)  # leads team A1, not region A


def test_a_buffer_above_50_percent_is_flagged():
    assert cascade.buffer_warning(D("50")) == ""
    assert "red flag" in cascade.buffer_warning(D("60"))


def test_phasing_uses_the_plans_profile_on_the_fiscal_calendar(region_plan, region_lead, org, people):
    calendar = FiscalCalendar.load()
    calendar.start_month = 2
    calendar.save()

    weights = ["0"] * 12
    weights[0], weights[11] = "25", "75"  # January, December
    profile = SeasonalityProfile.objects.create(org_unit=org.company, name="Year-end", weights=weights)
    region_plan.seasonality = profile
    region_plan.save()
    months = cascade.phasing(region_plan)
    assert months[10] == D("750000.00")  # period 11 = December
    assert months[11] == D("250000.00")  # period 12 = January
    assert sum(months) == D("1000000.00")


# --- Grid files --------------------------------------------------------------------------------


def grid_file(plan, rows, name="grid.csv"):
    rules = FiscalCalendar.load().rules
    out = io.StringIO()
    csv.writer(out).writerows([gridfile.header(rules, plan.fiscal_year), *rows])
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def test_an_import_with_one_bad_row_changes_nothing_and_names_the_row(region_plan, region_lead):
    run(region_plan, region_lead, buffer=D("0"))
    before = {r.pk: (r.months, r.version) for r in TargetAllocation.objects.filter(plan=region_plan)}
    upload = grid_file(
        region_plan,
        [
            ["team-a1", "Team A1", *(["50000.00"] * 12), "600000.00"],
            ["team-a2", "Team A2", *(["40000"] * 11), "-5", "0"],
        ],
    )
    rows = gridfile.read_rows(upload, FiscalCalendar.load().rules, 2028)
    with pytest.raises(target_grid.GridImportError) as caught:
        target_grid.grid_import(actor=region_lead, plan=region_plan, rows=rows)
    assert [(e.line, e.code) for e in caught.value.errors] == [(3, "team-a2")]
    assert "Dec 2028 · P12 (column 14): '-5' is not an amount of 0 or more" in caught.value.errors[0].message
    after = {r.pk: (r.months, r.version) for r in TargetAllocation.objects.filter(plan=region_plan)}
    assert after == before


def test_an_import_lists_every_bad_row(region_plan, region_lead):
    run(region_plan, region_lead, buffer=D("0"))
    upload = grid_file(
        region_plan,
        [
            ["team-zz", "Nobody", *(["1"] * 12), ""],
            ["team-a1", "Team A1", *(["1.005"] * 12), ""],
            ["team-a1", "Team A1 again", *(["1"] * 12), ""],
        ],
    )
    rows = gridfile.read_rows(upload, FiscalCalendar.load().rules, 2028)
    with pytest.raises(target_grid.GridImportError) as caught:
        target_grid.grid_import(actor=region_lead, plan=region_plan, rows=rows)
    assert [(e.line, e.code) for e in caught.value.errors] == [(2, "team-zz"), (3, "team-a1"), (4, "team-a1")]
    assert "not a row of this plan's grid" in caught.value.errors[0].message
    assert "at most 2 decimals" in caught.value.errors[1].message
    assert "appears twice" in caught.value.errors[2].message


def test_a_good_import_overwrites_the_months(region_plan, region_lead):
    run(region_plan, region_lead, buffer=D("0"))
    upload = grid_file(region_plan, [["team-a1", "Team A1", *(["1000.50"] * 12), ""]])
    rows = gridfile.read_rows(upload, FiscalCalendar.load().rules, 2028)
    assert target_grid.grid_import(actor=region_lead, plan=region_plan, rows=rows) == 1
    row = TargetAllocation.objects.get(plan=region_plan, org_unit__code="team-a1")
    assert row.amount == D("12006.00") and row.version == 2  # 12 × 1000.50


def test_a_file_with_the_wrong_columns_is_refused_whole(region_plan):
    upload = SimpleUploadedFile("grid.csv", b"code,amount\nteam-a1,5\n")
    with pytest.raises(ValidationError, match="Row 1: the columns must be Code, Name"):
        gridfile.read_rows(upload, FiscalCalendar.load().rules, 2028)


def test_exported_text_that_looks_like_a_formula_is_neutralised(org, region_lead):
    from orgs.models import OrgUnit

    OrgUnit.objects.filter(pk=org.team_a1.pk).update(name='=HYPERLINK("http://x")')
    OrgUnit.objects.filter(pk=org.team_a2.pk).update(name="+cmd|' /C calc'!A0")
    plan = PlanFactory(org_unit=org.region_a)
    SalesTarget.objects.create(plan=plan, new_business=D("120000"))
    run(plan, region_lead, buffer=D("0"))
    data = gridfile.table(plan, target_grid.allocation_rows(plan), FiscalCalendar.load().rules)
    sheet = load_workbook(io.BytesIO(gridfile.to_xlsx(data, "t"))).active
    # XLSX: the text itself, in a text cell (never a formula), with no visible apostrophe.
    assert (sheet["B2"].value, sheet["B2"].data_type) == ('=HYPERLINK("http://x")', "s")
    assert (sheet["B3"].value, sheet["B3"].data_type) == ("+cmd|' /C calc'!A0", "s")
    assert (sheet["C2"].value, sheet["C2"].data_type) == (5000.0, "n")  # numbers stay numbers
    raw = zipfile.ZipFile(io.BytesIO(gridfile.to_xlsx(data, "t"))).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in raw and b'<is><t>=HYPERLINK("http://x")</t></is>' in raw
    csv_text = gridfile.to_csv(data).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "\n-" not in csv_text and ",@" not in csv_text
    assert gridfile.neutralise("@SUM(A1)") == "'@SUM(A1)" and gridfile.neutralise("-2") == "'-2"
    assert gridfile.neutralise("Team A1") == "Team A1"


def test_an_exported_xlsx_imports_back_unchanged(region_plan, region_lead):
    run(region_plan, region_lead, buffer=D("10"))
    rules = FiscalCalendar.load().rules
    body = gridfile.to_xlsx(gridfile.table(region_plan, target_grid.allocation_rows(region_plan), rules), "t")
    rows = gridfile.read_rows(SimpleUploadedFile("g.xlsx", body), rules, 2028)
    assert len(rows) == 2
    assert target_grid.grid_import(actor=region_lead, plan=region_plan, rows=rows) == 0
