"""Sales contests: the leaderboard against a naive ranking of the Actual rows, late data, ties, who is on
the board, who may see and change a contest (pages and API), the validation messages and the demo.

The tree (tests.conftest.org): Acme ─┬─ Region A ─┬─ Team A1
                                      │            └─ Team A2
                                      └─ Region B ── Team B1
The default fiscal calendar starts in January, so a contest from 20 Nov 2026 to 10 Jan 2027 crosses from
FY2026 into FY2027 and is read as two engine windows, added up.
"""

import datetime as dt
import io
import random
from collections.abc import Iterator
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import AuditEntry
from metrics.models import KPI, Actual
from orgs.models import Seller
from sellers import contests
from sellers.models import Contest
from tests.conftest import api_as, restore_catalogues
from tests.factories import SellerFactory, UserFactory

START, END = dt.date(2026, 11, 20), dt.date(2027, 1, 10)
RUNNING_DAY = dt.date(2026, 12, 31)  # inside the contest: it counts 20 Nov to 31 Dec


@pytest.fixture
def calls(db) -> KPI:
    return KPI.objects.create(
        code="calls-logged", name="Calls logged", unit="count", aggregation="sum", review_cadence="monthly"
    )


@pytest.fixture
def crew(org, people, calls):
    """Region A's sellers (Team A1: Ann, Bob, Cy; Team A2: Dee, Eve; Fay joins mid-contest, Gus left before
    it, Hal joins after it) and Team B1's Ivy, outside Region A. Sam and Ivy sign in as sellers."""
    at = {"start_date": dt.date(2024, 1, 1)}
    sellers = SimpleNamespace(
        ann=SellerFactory(name="Ann", org_unit=org.team_a1, **at),
        bob=SellerFactory(name="Bob", org_unit=org.team_a1, **at),
        cy=SellerFactory(name="Cy", org_unit=org.team_a1, **at),
        dee=SellerFactory(name="Dee", org_unit=org.team_a2, **at),
        eve=SellerFactory(name="Eve", org_unit=org.team_a2, **at),
        fay=SellerFactory(name="Fay", org_unit=org.team_a2, start_date=dt.date(2026, 12, 1)),
        gus=SellerFactory(name="Gus", org_unit=org.team_a1, end_date=dt.date(2026, 11, 19), **at),
        hal=SellerFactory(name="Hal", org_unit=org.team_a1, start_date=dt.date(2027, 1, 11)),
        ivy=SellerFactory(name="Ivy", org_unit=org.team_b1, **at),
    )
    people.seller = UserFactory(username="sam")
    Seller.objects.filter(pk=sellers.ann.pk).update(user=people.seller)
    people.seller_b = UserFactory(username="ivy")
    Seller.objects.filter(pk=sellers.ivy.pk).update(user=people.seller_b)
    return sellers


@pytest.fixture
def contest(org, people, calls, crew) -> Contest:
    return contests.contest_create(
        actor=people.ops,
        values={"name": "Winter calls", "kpi": calls, "org_unit": org.region_a, "start": START, "end": END},
    )


def log(kpi: KPI, seller: Seller | None, day: dt.date, value, unit=None) -> Actual:
    return Actual.objects.create(
        kpi=kpi, org_unit=unit or seller.org_unit, seller=seller, date=day, value=D(value)
    )


def table(board: contests.Board) -> list[tuple[int, str, D | None]]:
    return [(r.rank, r.seller.name, r.value) for r in board.rows]


# --- The board against a naive ranking -----------------------------------------------------------------


def naive_board(contest: Contest, today: dt.date) -> list[tuple[int, str, D | None]]:
    """Plain loops: each seller working in Region A during the contest, the sum of their own rows dated
    from the start to the end or today, ranked highest first (no data ranks as 0), ties by name."""
    until = min(contest.end, today)
    region = contest.org_unit.path
    values = {}
    for seller in Seller.objects.all():
        if not seller.org_unit.path.startswith(region) or seller.start_date > contest.end:
            continue
        if seller.end_date is not None and seller.end_date < contest.start:
            continue
        rows = Actual.objects.filter(seller=seller, kpi=contest.kpi)
        dated = [a.value for a in rows if contest.start <= a.date <= until]
        values[seller.name] = sum(dated, D(0)) if dated else None
    order = sorted(values, key=lambda name: (-(values[name] or 0), name.casefold()))
    ranked, previous, rank = [], None, 0
    for position, name in enumerate(order, start=1):
        score = values[name] or 0
        if score != previous:
            rank, previous = position, score
        ranked.append((rank, name, values[name]))
    return ranked


SMALL = st.integers(0, 4)  # small values make ties common
DAYS = st.integers(min_value=-30, max_value=80).map(lambda n: START + dt.timedelta(days=n))
ROWS = st.lists(
    st.tuples(st.sampled_from(["ann", "bob", "cy", "dee", "eve", "fay", "gus", "ivy"]), DAYS, SMALL),
    max_size=30,
)


class Rollback(Exception):
    pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, today=DAYS, unit_rows=st.lists(st.tuples(DAYS, st.integers(1, 9)), max_size=3))
def test_the_board_is_a_naive_ranking_of_the_sellers_own_rows(
    contest, crew, calls, org, rows, today, unit_rows
):
    # Small values make ties common; rows outside the contest, after today, of Ivy (outside Region A) and
    # of Team A1 itself (no seller) must all stay off the board.
    try:
        with transaction.atomic():
            for name, day, value in rows:
                seller = getattr(crew, name)
                Actual.objects.update_or_create(
                    kpi=calls, seller=seller, date=day, defaults={"org_unit": seller.org_unit, "value": value}
                )
            for day, value in unit_rows:
                Actual.objects.update_or_create(
                    kpi=calls, org_unit=org.team_a1, seller=None, date=day, defaults={"value": value}
                )
            board = contests.leaderboard(contest, today)
            if today < START:
                assert board.status == "upcoming" and board.until is None
                assert all(r.value is None for r in board.rows)
            else:
                assert table(board) == naive_board(contest, today)
            raise Rollback
    except Rollback:
        pass


def test_a_hand_worked_board_shares_ranks_on_ties_and_lists_them_by_name(contest, crew, calls):
    log(calls, crew.bob, dt.date(2026, 11, 20), 3)  # Bob 3 + 2 = 5
    log(calls, crew.bob, dt.date(2026, 12, 30), 2)
    log(calls, crew.ann, dt.date(2026, 12, 1), 5)  # Ann 5: ties Bob, listed first by name
    log(calls, crew.dee, dt.date(2027, 1, 5), 4)  # Dee 4 + 1 = 5 across the fiscal years
    log(calls, crew.dee, dt.date(2026, 11, 21), 1)
    log(calls, crew.cy, dt.date(2026, 12, 2), 3)  # Cy 3
    log(calls, crew.eve, dt.date(2026, 11, 19), 9)  # the day before the start: Eve has no data
    board = contests.leaderboard(contest, dt.date(2027, 2, 1))  # ended: 20 Nov to 10 Jan count
    assert board.status == "ended" and board.until == END
    assert table(board) == [
        (1, "Ann", D(5)),
        (1, "Bob", D(5)),
        (1, "Dee", D(5)),
        (4, "Cy", D(3)),
        (5, "Eve", None),  # no data ranks as 0, after every seller with some, together
        (5, "Fay", None),
    ]
    assert [r.share for r in board.rows] == [100, 100, 100, 60, 0, 0]  # 3 ÷ 5 = 60%


def test_who_is_on_the_board_and_how_a_joiner_is_shown(contest, crew):
    board = contests.leaderboard(contest, RUNNING_DAY)
    names = {r.seller.name for r in board.rows}
    assert names == {"Ann", "Bob", "Cy", "Dee", "Eve", "Fay"}  # not Gus (left), Hal (later), Ivy (Region B)
    fay = board.row_of(crew.fay)
    assert fay.joined == dt.date(2026, 12, 1) and fay.left is None  # on the board with her own days only


def test_a_seller_who_leaves_during_the_contest_stays_on_it_marked(contest, crew):
    Seller.objects.filter(pk=crew.bob.pk).update(end_date=dt.date(2026, 12, 15))
    bob = contests.leaderboard(contest, RUNNING_DAY).row_of(Seller.objects.get(pk=crew.bob.pk))
    assert bob.left == dt.date(2026, 12, 15)


def test_late_data_dated_inside_the_contest_changes_the_board_when_it_arrives(contest, crew, calls):
    log(calls, crew.ann, dt.date(2026, 12, 1), 10)
    log(calls, crew.bob, dt.date(2026, 12, 1), 8)
    first = contests.leaderboard(contest, RUNNING_DAY)
    assert table(first)[:2] == [(1, "Ann", D(10)), (2, "Bob", D(8))]
    # A week later Bob's November calls are loaded: dated inside the contest, they count.
    log(calls, crew.bob, dt.date(2026, 11, 25), 5)
    # Rows dated before the start, after the end, or after today (the contest is still running) do not.
    log(calls, crew.ann, dt.date(2026, 11, 19), 50)
    log(calls, crew.ann, dt.date(2027, 1, 11), 50)
    log(calls, crew.ann, dt.date(2027, 1, 2), 50)
    later = contests.leaderboard(contest, RUNNING_DAY)
    assert table(later)[:2] == [(1, "Bob", D(13)), (2, "Ann", D(10))]  # 8 + 5 = 13
    assert contests.leaderboard(contest, END).row_of(crew.ann).value == D(60)  # the 2 Jan row once it is past


def test_the_board_shows_the_engines_data_date_and_staleness(contest, crew, calls):
    log(calls, crew.ann, dt.date(2026, 11, 21), 1)
    board = contests.leaderboard(contest, RUNNING_DAY)
    assert board.as_of == dt.date(2026, 11, 21)
    assert board.stale  # a monthly KPI with nothing since 21 Nov is stale on 31 Dec (35 days)
    log(calls, crew.cy, dt.date(2026, 12, 30), 1)
    board = contests.leaderboard(contest, RUNNING_DAY)
    assert board.as_of == dt.date(2026, 12, 30) and not board.stale


def test_the_status_is_upcoming_running_then_ended(contest):
    assert contests.contest_status(contest, START - dt.timedelta(days=1)) == "upcoming"
    assert contests.contest_status(contest, START) == "running"
    assert contests.contest_status(contest, END) == "running"
    assert contests.contest_status(contest, END + dt.timedelta(days=1)) == "ended"


def test_the_board_costs_the_same_queries_for_six_sellers_or_thirty(contest, org, calls):
    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as seen:
            contests.leaderboard(
                Contest.objects.select_related("kpi", "org_unit").get(pk=contest.pk), RUNNING_DAY
            )
        return len(seen)

    queries()  # the first read makes the fiscal calendar's row
    few = queries()
    for n in range(24):
        seller = SellerFactory(org_unit=org.team_a2, start_date=dt.date(2024, 1, 1))
        log(calls, seller, dt.date(2026, 12, 1), n)
    assert queries() == few


def test_a_seller_sees_the_top_ten_and_their_own_line(contest, org, calls, crew):
    for n in range(12):
        log(calls, SellerFactory(name=f"Top {n:02}", org_unit=org.team_a2, start_date=dt.date(2024, 1, 1)),
            dt.date(2026, 12, 1), 100 + n)  # fmt: skip
    log(calls, crew.ann, dt.date(2026, 12, 1), 50)  # Ann is 13th of 18
    board = contests.leaderboard(contest, RUNNING_DAY)
    shown = board.around(crew.ann)
    assert [r.rank for r in shown] == [*range(1, 11), 13]
    assert shown[-1].seller == crew.ann and board.hidden_above(crew.ann) == 2


# --- Validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("revenue", "“Revenue” is money, measured against quotas; a contest ranks an activity"),
        ("win-rate", "“Win rate” is a ratio of two KPIs; a contest ranks an activity"),
        ("open-pipeline", "“Open pipeline” is a stock, read as its last value"),
        ("cycle-days", "“Sales cycle” is an average; a contest ranks an activity"),
    ],
)
def test_a_contest_on_a_kpi_that_is_not_an_activity_is_refused_naming_it(
    org, people, catalogues, code, message
):
    KPI.objects.create(code="open-pipeline", name="Open pipeline", unit="count", aggregation="last")
    KPI.objects.create(code="cycle-days", name="Sales cycle", unit="count", aggregation="average")
    values = {
        "name": "x",
        "kpi": KPI.objects.get(code=code),
        "org_unit": org.region_a,
        "start": START,
        "end": END,
    }
    with pytest.raises(ValidationError) as refused:
        contests.contest_create(actor=people.ops, values=values)
    assert refused.value.message_dict["kpi"][0].startswith(message)
    assert not Contest.objects.exists()


def test_activity_kpis_are_the_summed_counts(catalogues):
    codes = set(contests.activity_kpis().values_list("code", flat=True))
    assert {"calls-made", "leads", "deals-won", "emails-sent"} <= codes
    assert not codes & {"revenue", "pipeline-created", "win-rate", "churn", "customer-retention"}


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (END, START, "end", "A contest ends on or after the day it starts."),
        (
            START,
            START + dt.timedelta(days=366),
            "end",
            "A contest runs at most 366 days; this one would run 367.",
        ),
        (dt.date(1999, 12, 31), START, "start", "Enter a date from 2000 to 2100. 1999-12-31 is outside."),
    ],
)
def test_dates_are_checked_with_a_clear_message(org, people, calls, start, end, field, message):
    values = {"name": "x", "kpi": calls, "org_unit": org.region_a, "start": start, "end": end}
    with pytest.raises(ValidationError) as refused:
        contests.contest_create(actor=people.ops, values=values)
    assert refused.value.message_dict == {field: [message]}


# --- Who may run a contest ------------------------------------------------------------------------------


def test_a_sales_leader_runs_contests_in_their_own_unit_only(org, people, calls):
    values = {"name": "Team sprint", "kpi": calls, "start": START, "end": END}
    made = contests.contest_create(actor=people.leader, values={**values, "org_unit": org.team_a1})
    assert made.created_by == people.leader
    for unit in (org.region_a, org.team_a2):  # the region above, the team beside
        with pytest.raises(PermissionDenied, match=f"sales leaders of {unit.name} can run contests there"):
            contests.contest_create(actor=people.leader, values={**values, "org_unit": unit})
    with pytest.raises(PermissionDenied):  # nor move one there
        contests.contest_update(
            actor=people.leader, contest=made, version=1, values={"org_unit": org.team_a2}
        )


def test_viewers_and_executives_run_no_contest(org, people, calls):
    values = {"name": "x", "kpi": calls, "org_unit": org.team_a1, "start": START, "end": END}
    for user in (people.viewer, people.executive, people.outsider):
        with pytest.raises(PermissionDenied):
            contests.contest_create(actor=user, values=values)


def test_changes_are_versioned_and_recorded(contest, people):
    changed = contests.contest_update(
        actor=people.ops, contest=contest, version=1, values={"name": "Winter blitz"}
    )
    assert changed.version == 2
    from core.exceptions import StaleVersionError

    with pytest.raises(StaleVersionError):
        contests.contest_update(actor=people.ops, contest=contest, version=1, values={"name": "Lost"})
    with pytest.raises(StaleVersionError):
        contests.contest_delete(actor=people.ops, contest=contest, version=1)
    contests.contest_delete(actor=people.ops, contest=contest, version=2)
    actions = list(
        AuditEntry.objects.filter(object_id=str(contest.pk), content_type__model="contest")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["created", "updated", "deleted"]


# --- Pages ----------------------------------------------------------------------------------------------


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def today_contest(org, people, calls) -> Contest:
    today = timezone.localdate()
    return contests.contest_create(
        actor=people.ops,
        values={
            "name": "This month",
            "kpi": calls,
            "org_unit": org.region_a,
            "start": today - dt.timedelta(days=10),
            "end": today + dt.timedelta(days=20),
        },
    )


def test_ops_see_the_whole_board_with_thousands_separators(org, people, calls, crew):
    contest = today_contest(org, people, calls)
    log(calls, crew.bob, timezone.localdate() - dt.timedelta(days=2), 1234)
    body = page(people.ops).get(reverse("contest", args=[contest.pk])).content.decode()
    assert '<td class="num">1,234' in body
    assert "Edit contest" in body and "Data as of" in body
    assert body.count("<tr") == 1 + 6  # the header and Region A's six sellers


def test_the_list_offers_the_form_to_those_who_may_run_contests(org, people, calls, crew):
    today_contest(org, people, calls)
    for user, form in ((people.ops, True), (people.leader, True), (people.viewer, False)):
        body = page(user).get(reverse("contests")).content.decode()
        assert ("New contest" in body) is form
    assert "This month" in page(people.viewer).get(reverse("contests")).content.decode()  # Region A's viewer
    assert "This month" not in page(people.leader).get(reverse("contests")).content.decode()  # Team A1 only
    assert (
        "No contest in the units you can see yet"
        in page(people.outsider).get(reverse("contests")).content.decode()
    )


def test_ops_create_a_contest_from_the_page_and_a_viewer_cannot(org, people, calls):
    data = {
        "name": "Page made",
        "org_unit": org.team_a1.pk,
        "kpi": calls.pk,
        "start": "2026-11-20",
        "end": "2027-01-10",
    }
    assert page(people.viewer).post(reverse("contests"), data).status_code == 403
    response = page(people.ops).post(reverse("contests"), data)
    made = Contest.objects.get(name="Page made")
    assert response.status_code == 302 and response["Location"] == reverse("contest", args=[made.pk])


def test_the_page_shows_a_refusal_beside_the_field(org, people, calls):
    data = {
        "name": "Backwards",
        "org_unit": org.team_a1.pk,
        "kpi": calls.pk,
        "start": "2027-01-10",
        "end": "2026-11-20",
    }
    body = page(people.ops).post(reverse("contests"), data).content.decode()
    assert "A contest ends on or after the day it starts." in body
    assert not Contest.objects.exists()


def test_a_stale_edit_from_the_page_changes_nothing(org, people, calls, crew):
    contest = today_contest(org, people, calls)
    contests.contest_update(actor=people.ops, contest=contest, version=1, values={"name": "Renamed"})
    data = {
        "name": "Mine",
        "org_unit": org.region_a.pk,
        "kpi": calls.pk,
        "start": contest.start,
        "end": contest.end,
        "version": 1,
    }
    page(people.ops).post(reverse("contest", args=[contest.pk]), data)
    assert Contest.objects.get(pk=contest.pk).name == "Renamed"


@pytest.mark.parametrize("who", ["leader", "sibling", "outsider", "seller", "seller_b"])
def test_a_contest_outside_the_users_units_is_404(org, people, calls, crew, who):
    contest = today_contest(org, people, calls)  # Region A: not Team A1's leader's, nor a seller's page
    assert page(getattr(people, who)).get(reverse("contest", args=[contest.pk])).status_code == 404


def test_a_seller_sees_their_own_rank_highlighted(org, people, calls, crew):
    contest = today_contest(org, people, calls)
    log(calls, crew.bob, timezone.localdate(), 7)
    log(calls, crew.ann, timezone.localdate(), 3)
    body = page(people.seller).get(reverse("my-contest", args=[contest.pk])).content.decode()
    assert "You are <strong>#2</strong> of 6" in body
    assert 'aria-current="true"' in body and body.count('aria-current="true"') == 1
    home = page(people.seller).get(reverse("planning:home")).content.decode()
    assert "You are <strong>#2</strong> of 6 in This month" in home
    number = page(people.seller).get(reverse("my-number")).content.decode()
    assert 'id="contests"' in number and "This month" in number


def test_a_seller_of_another_unit_gets_404_and_roles_have_no_seller_pages(org, people, calls, crew):
    contest = today_contest(org, people, calls)
    assert page(people.seller_b).get(reverse("my-contest", args=[contest.pk])).status_code == 404
    assert "This month" not in page(people.seller_b).get(reverse("my-contests")).content.decode()
    assert page(people.ops).get(reverse("my-contest", args=[contest.pk])).status_code == 404
    assert page(people.ops).get(reverse("my-contests")).status_code == 404


# --- API ------------------------------------------------------------------------------------------------


def test_the_api_creates_reads_and_ranks(org, people, calls, crew):
    body = {
        "name": "API made",
        "kpi": "calls-logged",
        "org_unit": org.region_a.pk,
        "start": "2026-11-20",
        "end": "2027-01-10",
    }
    created = api_as(people.ops).post("/api/contests/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    log(calls, crew.bob, dt.date(2026, 11, 25), 4)
    board = api_as(people.ops).get(f"/api/contests/{pk}/leaderboard/").json()
    assert board["sellers"] == 6 and [r["seller_name"] for r in board["rows"]][:2] == ["Bob", "Ann"]
    assert board["rows"][0]["value"] == "4.0000" and board["rows"][1]["value"] is None


def test_the_api_refuses_a_stale_version_with_409(contest, people):
    url = f"/api/contests/{contest.pk}/"
    body = api_as(people.ops).get(url).json()
    assert api_as(people.ops).patch(url, {"name": "First", "version": 1}, format="json").status_code == 200
    stale = api_as(people.ops).put(url, {**body, "name": "Second"}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert api_as(people.ops).delete(f"{url}?version=1").status_code == 409
    assert Contest.objects.get(pk=contest.pk).name == "First"
    assert api_as(people.ops).delete(f"{url}?version=2").status_code == 204


def test_the_api_refuses_a_non_activity_kpi_with_its_name(org, people, catalogues):
    body = {
        "name": "x",
        "kpi": "revenue",
        "org_unit": org.region_a.pk,
        "start": "2026-11-20",
        "end": "2027-01-10",
    }
    refused = api_as(people.ops).post("/api/contests/", body, format="json")
    assert refused.status_code == 400 and "“Revenue” is money" in refused.json()["kpi"][0]


def test_the_api_is_scoped_like_the_pages(contest, people, crew):
    url = f"/api/contests/{contest.pk}/"
    assert api_as(people.viewer).get(url).status_code == 200
    assert api_as(people.viewer).patch(url, {"name": "x", "version": 1}, format="json").status_code == 403
    assert api_as(people.leader).get(url).status_code == 404  # Region A's contest, Team A1's leader
    assert api_as(people.seller_b).get(url).status_code == 404
    # The seller of Team A1 reads it and its board (top ten and own line), and changes nothing.
    assert api_as(people.seller).get(url).status_code == 200
    board = api_as(people.seller).get(f"{url}leaderboard/").json()
    assert [r["seller_name"] for r in board["rows"] if r["you"]] == ["Ann"]
    assert api_as(people.seller).patch(url, {"name": "x", "version": 1}, format="json").status_code == 404
    assert api_as(people.seller).delete(f"{url}?version=1").status_code == 404


def test_the_api_lists_the_contests_a_user_reads(contest, people, crew):
    def names(user):
        return [c["name"] for c in api_as(user).get("/api/contests/").json()["results"]]

    assert names(people.ops) == names(people.viewer) == names(people.seller) == ["Winter calls"]
    assert names(people.leader) == names(people.seller_b) == names(people.outsider) == []


# --- What a page costs ----------------------------------------------------------------------------------


def count(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as seen:
        assert fn().status_code == 200
    return len(seen)


def grow(org, people, calls, *, contests_: int, sellers: int) -> None:
    """More contests on Region A (a few upcoming, a few ended) and more sellers with calls in each."""
    today = timezone.localdate()
    for n in range(contests_):
        start = today + dt.timedelta(days=30 * (n % 3 - 1))
        values = {"name": f"Contest {n}", "kpi": calls, "org_unit": org.region_a}
        contests.contest_create(
            actor=people.ops, values={**values, "start": start, "end": start + dt.timedelta(days=20)}
        )
    for n in range(sellers):
        seller = SellerFactory(org_unit=org.team_a2, start_date=dt.date(2024, 1, 1))
        log(calls, seller, today - dt.timedelta(days=n % 20), n)


def test_the_contest_pages_cost_the_same_for_few_or_many_contests_and_sellers(org, people, calls, crew):
    grow(org, people, calls, contests_=2, sellers=2)
    first = Contest.objects.order_by("pk").first()
    ops, seller = page(people.ops), page(people.seller)
    urls = {
        "list": lambda: ops.get(reverse("contests")),
        "board": lambda: ops.get(reverse("contest", args=[first.pk])),
        "api": lambda: api_as(people.ops).get("/api/contests/"),
        "api board": lambda: api_as(people.ops).get(f"/api/contests/{first.pk}/leaderboard/"),
        "mine": lambda: seller.get(reverse("my-contests")),
        "my board": lambda: seller.get(reverse("my-contest", args=[first.pk])),
        "my number": lambda: seller.get(reverse("my-number")),
        "home": lambda: seller.get(reverse("planning:home")),
    }
    for fn in urls.values():
        fn()  # made on first use (the fiscal calendar, settings): not what a page costs
    few = {name: count(fn) for name, fn in urls.items()}
    grow(org, people, calls, contests_=18, sellers=28)
    assert {name: count(fn) for name, fn in urls.items()} == few


# --- The demo (last: its company, seeded for the module, would meet the fixtures above) -----------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        restore_catalogues()
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def test_the_demo_runs_one_contest_and_shows_an_ended_and_an_upcoming_one(demo, db):
    today = timezone.localdate()
    status = {contests.contest_status(c, today): c for c in Contest.objects.filter(org_unit__code="na")}
    assert set(status) == {"upcoming", "running", "ended"}
    board = contests.leaderboard(status["running"], today)
    on_board = {r.seller.user.username for r in board.rows if r.seller.user_id}
    assert {"seller", "seller2", "seller3"} <= on_board
    assert all(r.value is not None for r in board.rows) and board.as_of is not None
    rng = random.Random(0)  # any seller's figure is the sum of their rows in the window
    row = rng.choice(board.rows)
    rows = Actual.objects.filter(
        seller=row.seller, kpi=status["running"].kpi, date__gte=status["running"].start
    )
    assert row.value == sum((a.value for a in rows if a.date <= today), D(0))
