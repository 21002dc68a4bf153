"""The seller seat and the My number page, on the demo company.

Farid Chen ("seller") sells in Mid-Market. Mid-Market's FY2028 plan targets 4,465,000; with the company's
10% buffer its 8 sellers share 4,911,500.00, split equally: 4,911,500.00 ÷ 8 = 613,937.50 each, phased
by the "Northwind bookings" profile. Its leader then moved a fifth of Farid's first month to the year end
by hand: Feb 2027 28,977.85 → 23,182.28 (28,977.85 ÷ 5 = 5,795.57 moved) and Jan 2028 69,129.36 →
74,924.93, the year still 613,937.50. Farid Andersen ("seller2", Enterprise East) was never edited:
FY2027 target 6,064,000 × 1.1 = 6,670,400.00 ÷ 7 sellers = 952,914.285… → 952,914.29 (the leftover
cent to the largest remainder)."""

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from metrics import engine
from metrics.models import KPI
from orgs import permissions
from orgs.models import Seller
from planning import cascade, grid
from planning.models import Plan, TargetAllocation
from sellers import number as my_number
from tests.conftest import restore_catalogues
from tests.factories import SellerFactory, UserFactory


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        restore_catalogues()  # a transactional test before this one may have flushed them
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def seller(username: str) -> Seller:
    return Seller.objects.select_related("org_unit").get(user__username=username)


def test_the_demo_prints_a_login_for_each_seller(demo):
    assert "  seller   Farid Chen: Seller, Mid-Market\n" in demo
    assert "  seller2  Farid Andersen: Seller, Enterprise East\n" in demo
    assert "  seller3  Ava Chen: Seller, Enterprise West\n" in demo


def test_each_receipt_line_is_the_stored_figure_and_the_lines_end_at_the_quota(demo, db):
    farid = seller("seller")
    page = my_number.my_number(farid, 2028)
    plan, row, receipt = page.plan, page.row, page.receipt
    assert plan == Plan.objects.get(org_unit__code="na-mid-market", fiscal_year=2028)
    target, buffered, share, phased, ramped = (line.amount for line in receipt.lines)
    assert target == cascade.target_total(plan) == D("4465000")
    assert buffered == grid.grid(plan).assigned == D("4911500.00")  # 4,465,000 × 1.1
    weights = TargetAllocation.objects.filter(plan=plan).values_list("weight", flat=True)
    assert list(weights) == [D("1")] * 8
    assert share == phased == ramped == D("613937.50")  # 4,911,500.00 ÷ 8; ramp lowers no quota
    assert receipt.lines[4].detail.startswith("Fully ramped in every month of FY2028 (started ")
    assert sum(receipt.ruled) == D("613937.50")
    [edit] = receipt.edits
    assert (edit.actor, edit.before, edit.after[1:11]) == ("leader", receipt.ruled, receipt.ruled[1:11])
    assert edit.comment == "Moved 5,795.57 from Feb 2027 to Jan 2028, when the Contoso renewal signs."
    assert edit.changed == [
        ("Feb 2027", D("28977.85"), D("23182.28")),
        ("Jan 2028", D("69129.36"), D("74924.93")),
    ]
    assert edit.after == receipt.stored == row.month_amounts
    assert receipt.differs
    assert receipt.quota == row.amount == D("613937.50")


def test_an_unedited_row_is_the_rule_to_the_cent(demo, db):
    page = my_number.my_number(seller("seller2"), 2027)
    assert [line.amount for line in page.receipt.lines] == [
        D("6064000"),
        D("6670400.00"),  # × 1.1
        D("952914.29"),  # ÷ 7, the leftover cent to the largest remainder
        D("952914.29"),  # phased
        D("952914.29"),  # ramp: no change
    ]
    assert page.receipt.edits == []
    assert not page.receipt.differs
    assert page.receipt.stored == page.row.month_amounts == page.receipt.ruled
    assert page.receipt.quota == D("952914.29")


def test_the_ramp_line_names_the_ramping_months_and_changes_no_figure(db):
    """A seller who starts in the year's fourth month: months 1–3 before the start (0%), then 0/25/50/75%,
    read by the capacity check's own function; the line's amount is the phased share, unchanged."""
    from orgs.models import FiscalCalendar

    rules = FiscalCalendar.load().rules
    periods = rules.periods(2028)
    newcomer = SellerFactory(start_date=periods[3].start, ramp=[0, 25, 50, 75, 100])
    labels = [p.label for p in periods]
    text = my_number._ramp(newcomer, rules, 2028, labels)
    months = " · ".join(f"{labels[i]} {pct}%" for i, pct in enumerate([0, 0, 0, 0, 25, 50, 75]))
    assert f"ramp 0/25/50/75/100% from the start month: {months}. The cascade" in text


def test_the_churn_allowance_and_kpis_are_the_metrics_rules_in_the_sellers_numbers(demo, db):
    today = dt.date(2026, 12, 1)
    farid = seller("seller2")
    page = my_number.my_number(farid, 2027, today=today)
    assert page.churn.allowance == D("10.00")
    assert page.credit_bar == D("857622.86")  # 952,914.29 × 0.9
    assert page.credit_at_bar == D("1.0000")  # at 90% of the quota: credited 100%
    revenue = KPI.objects.get(code="revenue")
    window = engine.year_to_date(2027, today)
    expected = engine.evaluate(
        kpis=[revenue], windows=[window], sellers=[farid], today=today, allowance=D("10.00")
    ).get(revenue, window, seller=farid)
    [line] = [k for k in page.kpis if k.kpi == revenue]
    mine = line.result
    assert (mine.target, mine.expected, mine.actual, mine.status, mine.credited) == (
        expected.target,
        expected.expected,
        expected.actual,
        expected.status,
        expected.credited,
    )
    assert mine.actual is not None and line in page.measured
    # the year's pace: the actual to date × the year's 365 days ÷ the 304 days from 1 Feb to 1 Dec 2026
    assert line.year.pace == mine.actual * 365 / 304


def test_the_page_shows_the_receipt_with_its_figures(demo, db, client):
    client.force_login(get_user_model().objects.get(username="seller"))
    html = client.get("/me/number/?year=2028").content.decode()
    for shown in (
        "$4,465,000.00",
        "$4,911,500.00",
        "Equal split over sellers: your weight 1 of Σ 8 (8 rows) = 12.50%",
        "Feb 2027: $28,977.85 → $23,182.28",
        "Differs from the rule",
        "At 90% of your quota you are credited 100%",
    ):
        assert shown in html
    assert html.count("$613,937.50") >= 4


def test_the_home_page_links_a_seller_to_their_number(demo, db, client):
    client.force_login(get_user_model().objects.get(username="seller3"))
    html = client.get("/").content.decode()
    assert "My number" in html
    assert 'href="/me/number/?year=2027"' in html


def test_empty_states_say_why_there_is_no_number(demo, db, client):
    client.force_login(get_user_model().objects.get(username="seller"))
    assert "No FY2030 plan for Mid-Market yet" in client.get("/me/number/?year=2030").content.decode()
    TargetAllocation.objects.filter(seller=seller("seller"), plan__fiscal_year=2028).delete()
    html = client.get("/me/number/?year=2028").content.decode()
    assert "No quota for you in FY2028 yet" in html


def test_a_seller_sees_nothing_outside_their_own_number(demo, db, client):
    user = get_user_model().objects.get(username="seller")
    farid, other = seller("seller"), seller("seller2")
    own_plan = Plan.objects.get(org_unit=farid.org_unit, fiscal_year=2028)
    own_row = TargetAllocation.objects.get(plan=own_plan, seller=farid)
    client.force_login(user)
    for url in (
        f"/plans/{own_plan.pk}/",
        f"/plans/{own_plan.pk}/targets/",
        f"/plans/{Plan.objects.get(org_unit=other.org_unit, fiscal_year=2028).pk}/",
        f"/api/plans/{own_plan.pk}/",
        f"/api/sellers/{other.pk}/",
        f"/api/target-allocations/{own_row.pk}/",
        "/me/number/?year=nope",
    ):
        assert client.get(url).status_code == 404, url
    html = client.get("/me/number/?year=2027").content.decode()
    assert farid.name in html and other.name not in html
    assert permissions.roles_of(user) == set()


def test_only_a_seller_has_a_number_page(demo, db, client):
    client.force_login(get_user_model().objects.get(username="leader"))
    assert client.get("/me/number/").status_code == 404
    client.logout()
    assert client.get("/me/number/").status_code == 302


def test_a_sellers_menu_offers_their_own_page_not_lists_they_cannot_read(client, people, org):
    user = UserFactory(username="sam_menu")
    SellerFactory(org_unit=org.team_a1, user=user)
    client.force_login(user)
    page = client.get(reverse("my-number")).content.decode()
    nav = page[page.index('<nav class="mainnav"') : page.index("</nav>")]
    assert ">My number</a>" in nav and ">Plans</a>" not in nav and ">Settings</a>" not in nav
    client.force_login(people.leader)
    home = client.get(reverse("planning:home")).content.decode()
    nav = home[home.index('<nav class="mainnav"') : home.index("</nav>")]
    assert ">Plans</a>" in nav and ">My number</a>" not in nav


def test_each_hand_edit_on_a_demo_receipt_says_who_when_and_why(demo, db):
    """Ava Chen's FY2027 row was edited at the mid-year review (demo.quotas): the receipt's line names
    the leader and the reason the edit was saved with."""
    page = my_number.my_number(seller("seller3"), 2027)
    [edit] = page.receipt.edits
    assert edit.actor == "leader"
    assert edit.comment.startswith("Mid-year review: two renewals move from ")
    assert edit.after == page.receipt.stored
