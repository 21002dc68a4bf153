"""The cascade grid through the grid component's endpoint (core.sheet): a batch of cells is read in the
user's locale, applied whole or not at all, names each bad cell by its fiscal month, refuses stale
versions, and spreads an edited row total over the months by the plan's seasonality."""

import json
from decimal import Decimal as D

import pytest
from django.urls import reverse

from orgs.models import FiscalCalendar
from planning import calc
from planning.models import SeasonalityProfile, TargetAllocation


@pytest.fixture
def rows(client, region_plan, region_lead):
    """An equal cascade of 1,000,000 + 10% over teams A1 and A2: two rows of 550,000 (45,833.33 a month,
    the cents landing on the first months)."""
    client.force_login(region_lead)
    form = {"cascade_method": "equal", "cascade_level": "units", "buffer_percent": "10"}
    client.post(reverse("planning:cascade", args=[region_plan.pk]), {"version": region_plan.version, **form})
    return list(TargetAllocation.objects.filter(plan=region_plan).order_by("org_unit__path"))


def post(client, plan, edits, **extra):
    return client.post(
        reverse("planning:grid-cells", args=[plan.pk]),
        json.dumps({"edits": edits}),
        content_type="application/json",
        **extra,
    )


def cell(row, col, value, version=None):
    return {
        "row": str(row.pk),
        "col": col,
        "value": value,
        "version": row.version if version is None else version,
    }


def test_a_pasted_three_by_twelve_block_saves_every_cell_and_answers_the_totals(client, region_plan, rows):
    a1, a2 = rows
    edits = [cell(a1, f"m{m}", "50,000") for m in range(1, 13)] + [
        cell(a2, f"m{m}", "40,000.5") for m in range(1, 13)
    ]
    response = post(client, region_plan, edits)  # fmt: skip
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["rows"][str(a1.pk)]["total"]["text"] == "600,000"
    assert data["rows"][str(a2.pk)]["total"]["exact"] == "480,006.00"
    assert data["rows"][str(a2.pk)]["m1"]["title"] == "$40,000.50"
    assert data["footer"]["totals"]["m1"]["exact"] == "90,000.50"
    assert data["footer"]["totals"]["total"]["exact"] == "1,080,006.00"
    assert "Under-assigned" in data["note"] and "$19,994 left to assign" in data["note"]
    a1.refresh_from_db()
    assert a1.month_amounts == [D("50000")] * 12 and a1.version == 2


def test_one_bad_cell_in_a_block_changes_nothing_and_names_its_month(client, region_plan, rows):
    a1, a2 = rows
    before = [r.months for r in rows]
    edits = [cell(a1, "m1", "1,000"), cell(a1, "m3", "12,34"), cell(a2, "m2", "-5"), cell(a2, "m4", "2,000")]
    response = post(client, region_plan, edits)
    assert response.status_code == 422
    errors = {(e["row"], e["col"]): e["message"] for e in response.json()["errors"]}
    assert set(errors) == {(str(a1.pk), "m3"), (str(a2.pk), "m2")}
    assert errors[(str(a1.pk), "m3")].startswith("Team A1, Mar 2028 · P3: '12,34'")
    assert errors[(str(a2.pk), "m2")] == "Team A2, Feb 2028 · P2: enter 0 or more, not -5."
    assert [
        r.months for r in TargetAllocation.objects.filter(plan=region_plan).order_by("org_unit__path")
    ] == before


def test_a_stale_cell_is_refused_as_a_conflict_and_changes_nothing(client, region_plan, rows):
    a1, _ = rows
    assert post(client, region_plan, [cell(a1, "m1", "1")]).status_code == 200
    stale = post(client, region_plan, [cell(a1, "m2", "2", version=1)])
    assert stale.status_code == 409
    assert "Someone changed this row" in stale.json()["errors"][0]["message"]
    a1.refresh_from_db()
    assert a1.month_amounts[:2] == [D("1"), D("45833.34")]


def test_an_edited_row_total_is_spread_by_the_plans_seasonality_to_the_cent(client, region_plan, rows, org):
    weights = ["5", "5", "10", "5", "5", "10", "5", "5", "10", "10", "10", "20"]
    profile = SeasonalityProfile.objects.create(org_unit=org.company, name="Quarter ends", weights=weights)
    region_plan.refresh_from_db()
    region_plan.seasonality = profile
    region_plan.save()
    a1, _ = rows
    response = post(client, region_plan, [cell(a1, "total", "1,234,567.89")])
    assert response.status_code == 200, response.content
    a1.refresh_from_db()
    expected = calc.phase(D("1234567.89"), profile.weight_decimals, FiscalCalendar.load().rules)
    assert a1.month_amounts == expected and sum(expected) == D("1234567.89")
    assert a1.month_amounts[11] == D("246913.58")  # December's 20%
    mixed = post(client, region_plan, [cell(a1, "total", "1"), cell(a1, "m1", "1")])
    assert mixed.status_code == 422 and "not both" in mixed.json()["errors"][0]["message"]


def test_numbers_are_read_in_the_users_locale(client, region_plan, rows):
    a1, _ = rows
    client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE")
    response = post(client, region_plan, [cell(a1, "m1", "1.234,5")], HTTP_ACCEPT_LANGUAGE="de-DE,de")
    assert response.status_code == 200, response.content
    assert response.json()["rows"][str(a1.pk)]["m1"]["exact"] == "1.234,50"
    a1.refresh_from_db()
    assert a1.month_amounts[0] == D("1234.50")


def test_readers_and_closed_plans_cannot_write_cells(client, region_plan, rows, people):
    a1, _ = rows
    client.force_login(people.viewer)
    assert post(client, region_plan, [cell(a1, "m1", "1")]).status_code in (403, 404)
    a1.refresh_from_db()
    assert a1.month_amounts[0] == D("45833.34")


def test_a_malformed_batch_is_a_bad_request(client, region_plan, rows):
    response = client.post(
        reverse("planning:grid-cells", args=[region_plan.pk]), "nope", content_type="application/json"
    )
    assert response.status_code == 400 and "edits" in response.json()["message"]
