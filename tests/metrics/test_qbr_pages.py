"""The review page lists its unit and seller tables a page at a time; together the pages are the whole
table the QBR pack shows, in its order, and the flags and the plan unit's KPIs are always complete."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import qbr, rollup
from metrics.models import KPI, Actual, KPITarget, RollupRun
from orgs.models import FiscalCalendar
from tests.factories import PlanFactory, SellerFactory

TODAY = dt.date(2029, 6, 1)  # after FY2028 (calendar year 2028 with a January start)
PAGE = 4  # rows a page in these tests, so that ten sellers run over three pages


@pytest.fixture
def review(org, people, monkeypatch):
    """Region A FY2028, Q1 rolled up: seven sellers in team A1 and three in team A2, each with revenue
    against a quota, and the teams' calls and deals; the region's revenue target missed, so the review
    flags it."""
    monkeypatch.setattr(qbr, "QBR_PAGE", PAGE)
    plan = PlanFactory(org_unit=org.region_a, fiscal_year=2028)
    revenue = KPI.objects.get(code="revenue")
    months = FiscalCalendar.load().rules.periods(2028)[:3]
    for unit, count in ((org.team_a1, 7), (org.team_a2, 3)):
        for n in range(count):
            seller = SellerFactory(org_unit=unit, name=f"{unit.name} seller {n}", monthly_quota=D("1000"))
            for p in months:
                Actual.objects.create(kpi=revenue, org_unit=unit, seller=seller, date=p.end, value=500 + n)
                KPITarget.objects.create(
                    kpi=revenue, org_unit=unit, seller=seller, fiscal_year=2028, period=p.period, value=1000
                )
    for p in months:
        KPITarget.objects.create(
            kpi=revenue, org_unit=org.region_a, fiscal_year=2028, period=p.period, value=D("100000")
        )
        for code in ("calls-made", "deals-won"):  # teams' own figures: six unit rows below the region
            for unit in (org.team_a1, org.team_a2):
                Actual.objects.create(kpi=KPI.objects.get(code=code), org_unit=unit, date=p.start, value=3)
    rollup.save(plan, 1, today=TODAY)
    return plan


def page_of(client, plan, query: str = "") -> str:
    return client.get(reverse("metrics:qbr", args=[plan.pk]) + f"?q=1{query}").content.decode()


def section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def seller_names(page: str) -> list[str]:
    return re.findall(r"<tr><td>(Team A\d seller \d)</td>", section(page, "sellers"))


def test_the_seller_pages_together_list_every_seller_once_in_the_pack_s_order(client, review, people):
    client.force_login(people.ops)
    pages = [page_of(client, review, f"&sellers_page={n}") for n in (1, 2, 3)]
    assert [len(seller_names(p)) for p in pages] == [4, 4, 2]
    listed = [name for p in pages for name in seller_names(p)]
    assert listed == [r.seller.name for r in qbr.review_rows(review, 1).sellers]  # what the pack shows
    assert len(set(listed)) == 10


def test_a_pager_says_where_it_is_and_links_to_its_neighbours_keeping_the_rest_of_the_query(
    client, review, people
):
    client.force_login(people.ops)
    first = section(page_of(client, review, "&kpi=revenue&units_page=2"), "sellers")
    assert "1–4 of 10 rows" in first
    assert '<span class="btn btn-sm disabled" aria-disabled="true">← Previous</span>' in first
    assert 'href="?q=1&amp;kpi=revenue&amp;units_page=2&amp;sellers_page=2#sellers">Next →</a>' in first
    middle = section(page_of(client, review, "&sellers_page=2"), "sellers")
    assert "5–8 of 10 rows" in middle
    assert 'href="?q=1&amp;sellers_page=1#sellers">← Previous</a>' in middle
    assert 'href="?q=1&amp;sellers_page=3#sellers">Next →</a>' in middle
    last = section(page_of(client, review, "&sellers_page=3"), "sellers")
    assert "9–10 of 10 rows" in last
    assert '<span class="btn btn-sm disabled" aria-disabled="true">Next →</span>' in last


def test_a_page_past_the_end_shows_the_last_and_a_page_that_is_no_number_the_first(client, review, people):
    client.force_login(people.ops)
    assert seller_names(page_of(client, review, "&sellers_page=99")) == seller_names(
        page_of(client, review, "&sellers_page=3")
    )
    assert seller_names(page_of(client, review, "&sellers_page=x")) == seller_names(page_of(client, review))


def test_the_unit_table_pages_on_its_own_and_its_pages_are_the_pack_s_unit_rows(client, review, people):
    client.force_login(people.ops)
    units = qbr.review_rows(review, 1).units
    assert len(units) == 6  # two teams × revenue, calls and deals
    pages = -(-len(units) // PAGE)
    listed = []
    for n in range(1, pages + 1):
        page = page_of(client, review, f"&units_page={n}&sellers_page=2")
        listed += re.findall(r'<tr class="status-[a-z_]+">\s*<td>(Team A\d)</td>\s*<td>([^<]+)</td>', page)
        assert seller_names(page)[0] == "Team A1 seller 4"  # the seller table stays on its page
    assert listed == [(r.org_unit.name, r.kpi.name) for r in units]


def test_the_flags_and_the_plan_unit_s_kpis_are_whole_on_every_page(client, review, people):
    client.force_login(people.ops)
    top = qbr.review_rows(review, 1).top
    for query in ("", "&sellers_page=3&units_page=2"):
        page = page_of(client, review, query)
        flags = section(page, "flags-title")
        assert "<strong>Revenue</strong>" in flags  # 15,072 of 300,000: off track
        assert section(page, "plan-kpis").count('<tr class="status-') == len(top)


def test_a_page_reads_the_same_number_of_queries_whichever_page_it_shows(client, review, people):
    client.force_login(people.ops)

    def cost(query: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            page_of(client, review, query)
        return len(queries.captured_queries)

    page_of(client, review)  # the first request of a session reads more than the next ones
    assert cost("") == cost("&sellers_page=3&units_page=2")


def test_every_table_of_the_page_is_focusable_and_named(client, review, people):
    client.force_login(people.ops)
    page = page_of(client, review)
    tables = re.findall(r"<table[^>]*>", page)
    assert len(tables) >= 3
    assert all('tabindex="0"' in t and ("aria-labelledby=" in t or "aria-label=" in t) for t in tables)
    for named in re.findall(r'aria-labelledby="([^"]+)"', "".join(tables)):
        assert f'id="{named}"' in page
    assert '<nav class="pagination inset" aria-label="Sellers pages">' in page
    assert '<nav class="pagination inset" aria-label="By unit pages">' in page


def test_a_table_of_one_page_has_no_pager(client, review, people, monkeypatch):
    monkeypatch.setattr(qbr, "QBR_PAGE", 50)
    client.force_login(people.ops)
    page = page_of(client, review)
    assert len(seller_names(page)) == 10 and 'class="pagination' not in page


def test_a_poll_while_the_rollup_runs_answers_its_status_and_a_reload_once_it_ended(client, review, people):
    run = RollupRun.objects.create(plan=review, quarter=1, status=RollupRun.Status.RUNNING)
    client.force_login(people.ops)
    url = reverse("metrics:qbr", args=[review.pk]) + "?q=1&part=run"
    polled = client.get(url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    assert polled.content.decode().lstrip().startswith('<div id="run-status"')
    assert "computing Q1" in polled.content.decode()
    RollupRun.objects.filter(pk=run.pk).update(status=RollupRun.Status.DONE)
    ended = client.get(url, HTTP_HX_REQUEST="true")
    assert (ended.status_code, ended["HX-Refresh"]) == (204, "true")
