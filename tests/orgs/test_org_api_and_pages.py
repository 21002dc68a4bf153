import datetime as dt

import pytest
from django.urls import reverse

from core.models import AuditEntry
from orgs.models import FiscalCalendar, Seller
from tests.conftest import api_as
from tests.factories import SellerFactory


def test_sellers_are_listed_within_the_users_subtree(org, people):
    SellerFactory(org_unit=org.team_a1, name="Ann")
    SellerFactory(org_unit=org.team_b1, name="Bob")
    assert [s["name"] for s in api_as(people.leader).get("/api/sellers/").json()["results"]] == ["Ann"]
    assert api_as(people.ops).get("/api/sellers/").json()["count"] == 2


def test_a_leader_adds_a_seller_with_a_ramp_and_it_is_in_the_history(org, people):
    body = {
        "name": "Cleo",
        "email": "cleo@example.test",
        "org_unit": org.team_a1.pk,
        "start_date": "2027-05-01",
        "ramp": [0, 50, 100],
        "monthly_quota": "60000.00",
    }
    response = api_as(people.leader).post("/api/sellers/", body, format="json")
    assert response.status_code == 201, response.json()
    seller = Seller.objects.get(email="cleo@example.test")
    assert seller.ramp == [0, 50, 100]
    entry = AuditEntry.objects.get(object_id=str(seller.pk), content_type__model="seller")
    assert (entry.action, entry.actor) == ("created", people.leader)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"ramp": [0, 150]}, "percentage from 0 to 100"),
        ({"ramp": []}, "list of 1 to 24"),
        ({"end_date": "2020-01-01"}, "end date cannot be before the start date"),
        ({"monthly_quota": "-5"}, "greater than or equal to 0"),
    ],
)
def test_bad_seller_data_is_refused_with_a_clear_message(org, people, change, message):
    seller = SellerFactory(org_unit=org.team_a1, start_date=dt.date(2024, 1, 1))
    response = api_as(people.leader).patch(
        f"/api/sellers/{seller.pk}/", change | {"version": 1}, format="json"
    )
    assert response.status_code == 400
    assert message in str(response.json())
    seller.refresh_from_db()
    assert seller.version == 1


def test_a_leader_cannot_move_a_seller_into_a_unit_they_do_not_manage(org, people):
    seller = SellerFactory(org_unit=org.team_a1)
    response = api_as(people.leader).patch(
        f"/api/sellers/{seller.pk}/", {"org_unit": org.team_a2.pk, "version": 1}, format="json"
    )
    assert response.status_code == 400  # team A2 is invisible to this leader: "does not exist"
    seller.refresh_from_db()
    assert seller.org_unit == org.team_a1


def test_only_company_ops_change_the_fiscal_calendar(org, people):
    assert (
        api_as(people.leader)
        .put("/api/fiscal-calendar/", {"start_month": 2, "naming": "end", "version": 1})
        .status_code
        == 403
    )
    response = api_as(people.ops).put(
        "/api/fiscal-calendar/", {"start_month": 2, "naming": "end", "version": 1}
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert FiscalCalendar.load().start_month == 2
    stale = api_as(people.ops).put("/api/fiscal-calendar/", {"start_month": 7, "naming": "end", "version": 1})
    assert stale.status_code == 409
    bad = api_as(people.ops).put("/api/fiscal-calendar/", {"start_month": 13, "naming": "end", "version": 2})
    assert bad.status_code == 400


def test_sales_ops_add_units_under_their_own(org, people):
    response = api_as(people.ops).post(
        "/api/org-units/", {"name": "Team B2", "code": "team-b2", "parent": org.region_b.pk}
    )
    assert response.status_code == 201
    assert (
        api_as(people.leader)
        .post("/api/org-units/", {"name": "X", "code": "x", "parent": org.team_a1.pk})
        .status_code
        == 403
    )


def test_org_pages_show_what_the_user_may_see(client, org, people):
    SellerFactory(org_unit=org.team_a1, name="Ann Seller", monthly_quota=72500)
    client.force_login(people.viewer)
    tree = client.get(reverse("orgs:tree")).content.decode()
    assert "Team A1" in tree and "Team B1" not in tree
    unit = client.get(reverse("orgs:unit", args=[org.region_a.pk])).content.decode()
    assert "Ann Seller" in unit and "$72,500" in unit  # whole units from 1,000 up
    assert client.get(reverse("orgs:unit", args=[org.team_b1.pk])).status_code == 404


def test_the_calendar_page_lists_the_periods_and_only_ops_may_save(client, org, people):
    FiscalCalendar.objects.update(start_month=2)
    client.force_login(people.leader)
    page = client.get(reverse("orgs:calendar")).content.decode()
    assert "Feb" in page and "Save calendar" not in page
    assert (
        client.post(reverse("orgs:calendar"), {"start_month": 3, "naming": "end", "version": 1}).status_code
        == 403
    )
    client.force_login(people.ops)
    assert (
        client.post(reverse("orgs:calendar"), {"start_month": 3, "naming": "end", "version": 1}).status_code
        == 302
    )
    assert FiscalCalendar.load().start_month == 3


def test_a_sellers_ramp_counts_from_the_start_month():
    seller = Seller(start_date=dt.date(2026, 5, 1), end_date=dt.date(2027, 1, 15), ramp=[0, 25, 50, 75, 100])
    assert seller.ramp_percent(dt.date(2026, 4, 30)) == 0  # before the start
    assert [seller.ramp_percent(dt.date(2026, m, 1)) for m in range(5, 11)] == [0, 25, 50, 75, 100, 100]
    assert seller.ramp_percent(dt.date(2027, 1, 31)) == 100  # still there in the end month
    assert seller.ramp_percent(dt.date(2027, 2, 1)) == 0  # gone
