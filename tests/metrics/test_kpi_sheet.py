"""A plan's KPI grid through the grid component (core.sheet): monthly targets each saved with its own
version, a year spread by the plan's seasonality, manual actuals refused when someone changed them since,
and the engine's actuals shown read-only."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from metrics.models import KPI, Actual, KPITarget
from orgs.models import FiscalCalendar
from planning import calc
from planning.models import SeasonalityProfile
from tests.conftest import sheet_post


@pytest.fixture
def leads():
    return KPI.objects.get(code="leads")


def post(client, plan, kpi, edits, **extra):
    return sheet_post(client, reverse("metrics:kpi-cells", args=[plan.pk, kpi.pk]), edits, **extra)


def test_target_cells_save_with_their_own_versions_and_a_stale_one_is_refused(client, plan, people, leads):
    client.force_login(people.leader)
    edits = [{"row": "target", "col": f"m{m}", "value": "1,250", "version": 0} for m in range(1, 13)]
    response = post(client, plan, leads, edits)
    assert response.status_code == 200, response.content
    target = response.json()["rows"]["target"]
    assert target["total"]["text"] == "15,000" and target["m4"]["version"] == 1
    assert KPITarget.objects.filter(kpi=leads, org_unit=plan.org_unit).count() == 12
    again = post(client, plan, leads, [{"row": "target", "col": "m4", "value": "10", "version": 1}])
    assert again.status_code == 200 and again.json()["rows"]["target"]["m4"]["version"] == 2
    batch = [
        {"row": "target", "col": "m4", "value": "99", "version": 1},  # stale: it is at version 2
        {"row": "target", "col": "m5", "value": "7", "version": 1},
    ]
    stale = post(client, plan, leads, batch)
    assert stale.status_code == 409
    assert [e["col"] for e in stale.json()["errors"]] == ["m4"]
    values = dict(KPITarget.objects.filter(kpi=leads, org_unit=plan.org_unit).values_list("period", "value"))
    assert values[4] == D("10") and values[5] == D("1250")  # the whole batch was refused


def test_a_target_year_is_spread_over_the_months_by_the_plans_seasonality(client, plan, people, leads, org):
    weights = ["10", "10", "10", "5", "5", "10", "5", "5", "10", "10", "10", "10"]
    plan.seasonality = SeasonalityProfile.objects.create(
        org_unit=org.company, name="Profile", weights=weights
    )
    plan.save()
    client.force_login(people.leader)
    response = post(client, plan, leads, [{"row": "target", "col": "total", "value": "1,001", "version": 0}])
    assert response.status_code == 200, response.content
    months = [t.value for t in KPITarget.objects.filter(kpi=leads, org_unit=plan.org_unit).order_by("period")]
    assert months == calc.phase(D("1001"), plan.seasonality.weight_decimals, FiscalCalendar.load().rules)
    assert sum(months) == D("1001") and months[3] == D("50.05")


def test_manual_actuals_are_refused_when_someone_changed_them_since(client, plan, people, leads):
    client.force_login(people.leader)
    url_edit = {"row": "manual", "col": "m2", "value": "40", "version": 0}
    response = post(client, plan, leads, [url_edit])
    assert response.status_code == 200, response.content
    data = response.json()["rows"]
    assert data["manual"]["m2"]["text"] == "40" and data["actual"]["m2"]["text"] == "40"
    seen = data["manual"]["m2"]["version"]
    start = FiscalCalendar.load().rules.periods(plan.fiscal_year)[1].start
    Actual.objects.filter(kpi=leads, org_unit=plan.org_unit, date=start).update(value=D("41"))  # a file load
    stale = post(client, plan, leads, [{**url_edit, "value": "45", "version": seen}])
    assert stale.status_code == 409
    assert Actual.objects.get(kpi=leads, org_unit=plan.org_unit, date=start).value == D("41")
    read_only = post(client, plan, leads, [{"row": "actual", "col": "m2", "value": "1", "version": 0}])
    assert read_only.status_code == 422


def test_viewers_cannot_write_and_the_page_shows_no_inputs(client, plan, people, leads):
    client.force_login(people.viewer)
    assert (
        post(client, plan, leads, [{"row": "target", "col": "m1", "value": "1", "version": 0}]).status_code
        == 403
    )
    page = client.get(reverse("metrics:plan", args=[plan.pk]) + "?kpi=leads").content.decode()
    assert 'id="kpi-grid"' in page and "sheet-cell" not in page
    assert not KPITarget.objects.exists()
