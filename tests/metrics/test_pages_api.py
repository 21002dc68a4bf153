"""Step 4 pages and API by role: catalogue and SMART, readiness, imports, the plan tab, churn policy."""

import datetime as dt
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from metrics import services
from metrics.models import KPI, ChurnPolicy, KPITarget
from planning.models import Objective, SalesTarget
from tests.conftest import api_as
from tests.factories import SellerFactory


def test_the_catalogue_shows_each_kpis_smart_result_and_what_is_missing(client, people):
    client.force_login(people.viewer)
    html = client.get(reverse("kpi-catalogue")).content.decode()
    assert "Lead conversion rate" in html and "SMART report" in html
    win_rate = KPI.objects.get(code="win-rate")
    page = client.get(reverse("kpi", args=[win_rate.pk])).content.decode()
    assert (
        "Missing: an alert threshold and an owner." in page
        and "Link it to the objective it measures." in page
    )


def test_only_company_ops_change_the_catalogue_and_an_incomplete_kpi_can_be_saved(client, people):
    client.force_login(people.leader)
    assert client.post(reverse("kpi-new"), {"code": "x", "name": "X"}).status_code == 403
    client.force_login(people.ops)
    response = client.post(
        reverse("kpi-new"),
        {"code": "demos", "name": "Demos held", "direction": "higher", "aggregation": "sum"},
    )
    kpi = KPI.objects.get(code="demos")
    assert response.status_code == 302 and kpi.source.readiness == "field_missing"
    page = client.get(reverse("kpi", args=[kpi.pk])).content.decode()
    assert "Missing: a unit and a numeric target." in page
    ratio = client.post(
        reverse("kpi-new"), {"code": "r", "name": "R", "direction": "higher", "aggregation": "ratio"}
    )
    assert "A ratio KPI needs a numerator KPI and a denominator KPI." in ratio.content.decode()


def test_readiness_report_and_api(client, people):
    client.force_login(people.ops)
    html = client.get(reverse("kpi-readiness-page") + "?year=2028").content.decode()
    assert "Day 1 of FY2028" in html and "Field missing" in html
    rows = api_as(people.ops).get("/api/kpi-readiness/?fiscal_year=2028").data
    assert {r["kpi"] for r in rows if r["readiness"] != "captured"} == {
        "sales-growth",
        "bookings-growth",  # its numerator
        "churn",
        "arr-churned",  # its numerator
        "calls-made",
        "emails-sent",
    }


def test_uploading_a_file_with_errors_shows_them_on_its_page(client, people, org):
    client.force_login(people.leader)
    body = b"kpi,unit,date,value\nleads,team-a1,2027-02-01,10\nleads,team-a1,2027-02-30,5\n"
    response = client.post(reverse("kpi-imports"), {"file": SimpleUploadedFile("leads.csv", body)})
    page = client.get(response["Location"]).content.decode()
    assert "Failed" in page and "&#x27;2027-02-30&#x27; is not a date in the format YYYY-MM-DD" in page
    client.force_login(people.sibling)  # another leader does not see it
    assert client.get(response["Location"]).status_code == 404


def test_the_plan_tab_sets_targets_phases_and_links_kpis(client, plan, people):
    leads = KPI.objects.get(code="leads")
    objective = Objective.objects.create(plan=plan, title="Grow", weight=D("100"))
    client.force_login(people.leader)
    client.post(
        reverse("metrics:objective-kpis", args=[plan.pk, objective.pk]), {"version": 1, "kpis": [leads.pk]}
    )
    assert list(objective.kpis.all()) == [leads]
    client.post(reverse("metrics:targets", args=[plan.pk, leads.pk]), {"mode": "phase", "annual": "1200"})
    values = list(
        KPITarget.objects.filter(kpi=leads, org_unit=plan.org_unit)
        .order_by("period")
        .values_list("value", flat=True)
    )
    assert values == [D("100")] * 12
    page = client.get(reverse("metrics:plan", args=[plan.pk]) + "?kpi=leads").content.decode()
    assert "KPI attainment" in page and "Leads" in page


def test_churn_policy_is_set_by_sales_ops_and_explains_itself(client, plan, people):
    SalesTarget.objects.create(plan=plan, new_business=D("1500000"))
    values = {
        "allowance": "10", "measurement_period": "monthly", "expected_churn": "1", "net_growth_goal": "10",
        "starting_arr": "10000000", "benchmark_low": "5", "benchmark_high": "7", "warn_above": "10",
    }  # fmt: skip
    client.force_login(people.leader)
    client.post(reverse("metrics:churn", args=[plan.pk]), values)
    assert not ChurnPolicy.objects.exists()  # leaders do not set it
    client.force_login(people.ops)
    client.post(reverse("metrics:churn", args=[plan.pk]), values)
    page = client.get(reverse("metrics:plan", args=[plan.pk])).content.decode()
    assert "11.36% a year" in page  # 1% a month
    assert "above the 10.00% warning line" in page
    assert "$2,136,151" in page  # 10M × (10% + 11.3615…%) = 2,136,151.28, whole units on the page
    figures = api_as(people.ops).get(f"/api/churn-policies/{ChurnPolicy.objects.get().pk}/figures/").data
    assert figures["annual_churn"] == "0.113615" and figures["new_business_needed"] == "2136151.28"


def test_kpi_targets_and_attainment_over_the_api(plan, people):
    api = api_as(people.leader)
    response = api.post(
        "/api/kpi-targets/set/",
        {"kpi": "revenue", "org_unit": plan.org_unit_id, "fiscal_year": 2028, "annual": "1200000"},
        format="json",
    )
    assert response.status_code == 200 and response.data["changed"] == 12
    outsider = api_as(people.outsider).post(
        "/api/kpi-targets/set/",
        {"kpi": "revenue", "org_unit": plan.org_unit_id, "fiscal_year": 2028, "annual": "1"},
        format="json",
    )
    assert outsider.status_code == 400  # a unit you cannot see does not exist for you
    rows = api.get(f"/api/kpi-attainment/?plan={plan.pk}").data
    assert {r["kpi"] for r in rows} == {"revenue"}
    assert services.today()


def test_the_sellers_credit_table_shows_a_page_of_50_sellers(client, plan, people, monkeypatch):
    # 53 sellers on the books in mid-2028: the engine answers for the page's sellers, 50 then 3.
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2028, 6, 15))
    for n in range(53):
        SellerFactory(org_unit=plan.org_unit, name=f"Seller {n:02}", monthly_quota=D("1000"))
    client.force_login(people.leader)
    url = reverse("metrics:plan", args=[plan.pk])

    def table(query: dict) -> str:
        page = client.get(url, query).content.decode()
        start = page.index('<h3 id="credits">')
        return page[start : page.index("</section>", start)]

    first = table({})
    assert first.count("<tr><td>Seller ") == 50 and "<td>Seller 49</td>" in first
    assert "1–50 of 53 sellers" in first and 'href="?credits_page=2#credits">Next →</a>' in first
    assert '<td>Seller 00</td><td>Team A1</td><td class="num">$6,000</td>' in first  # January to June × 1,000
    second = table({"credits_page": 2})
    assert second.count("<tr><td>Seller ") == 3 and "<td>Seller 52</td>" in second
    assert "51–53 of 53 sellers" in second and 'href="?credits_page=1#credits">← Previous</a>' in second
