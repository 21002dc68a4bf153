"""Pipeline coverage and movement, worked by hand across two snapshots of one quarter in which one deal
slipped, one was pulled in, one was won, one was lost, one grew and one was created.

The quarter runs from 1 Nov 2026 to 31 Jan 2027; its target is 300,000.

Earlier snapshot (4 Nov)                           Later snapshot (18 Nov)
A  commit     100,000  80%  closes 15 Dec          commit      100,000  80%  closes 20 Feb  → slipped
B  pipeline    60,000  20%  closes 10 Mar          best case    60,000  50%  closes 10 Jan  → pulled in
C  commit      50,000  90%  closes 25 Nov          closed won   50,000 100%  closes 20 Nov  → won
D  best case   40,000  40%  closes  5 Dec          closed lost  40,000   0%  closes 15 Nov  → lost
E  pipeline    30,000  10%  closes 20 Jan          pipeline     45,000  25%  closes 20 Jan  → amount +15,000
F  —                                               commit       20,000  70%  closes 20 Dec  → created
G  closed won  25,000 100%  closes  3 Nov          closed won   25,000 100%  closes  3 Nov  (no change)
"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from metrics import engine, pipeline
from metrics.models import Opportunity
from planning.models import PlanningSettings, SalesTarget, TargetAllocation
from tests.conftest import api_as
from tests.factories import PlanFactory, SellerFactory

START, END = dt.date(2026, 11, 1), dt.date(2027, 1, 31)
TARGET = D("300000")
THREE = D("3")


def deal(external_id, category, amount, probability, close, unit="/1/", seller=None):
    return pipeline.Deal(external_id, external_id, unit, seller, D(amount), D(probability), category, close)


EARLIER = [
    deal("A", "commit", "100000", "80", dt.date(2026, 12, 15)),
    deal("B", "pipeline", "60000", "20", dt.date(2027, 3, 10)),
    deal("C", "commit", "50000", "90", dt.date(2026, 11, 25)),
    deal("D", "best_case", "40000", "40", dt.date(2026, 12, 5)),
    deal("E", "pipeline", "30000", "10", dt.date(2027, 1, 20)),
    deal("G", "closed_won", "25000", "100", dt.date(2026, 11, 3)),
]
LATER = [
    deal("A", "commit", "100000", "80", dt.date(2027, 2, 20)),
    deal("B", "best_case", "60000", "50", dt.date(2027, 1, 10)),
    deal("C", "closed_won", "50000", "100", dt.date(2026, 11, 20)),
    deal("D", "closed_lost", "40000", "0", dt.date(2026, 11, 15)),
    deal("E", "pipeline", "45000", "25", dt.date(2027, 1, 20)),
    deal("F", "commit", "20000", "70", dt.date(2026, 12, 20)),
    deal("G", "closed_won", "25000", "100", dt.date(2026, 11, 3)),
]


def cover(deals, target=TARGET):
    return pipeline.coverage_of(deals, target=target, start=START, end=END, threshold=THREE)


def test_coverage_of_the_earlier_snapshot_worked_by_hand():
    found = cover(EARLIER)
    # open in the quarter: A 100,000 + C 50,000 (commit) + D 40,000 (best case) + E 30,000 (pipeline) =
    # 220,000; B closes in March, outside. Won to date: G 25,000, so 300,000 − 25,000 = 275,000 is left.
    assert (found.open, found.won, found.remaining) == (D("220000"), D("25000"), D("275000"))
    assert found.by_category == {"commit": D("150000"), "best_case": D("40000"), "pipeline": D("30000")}
    # 220,000 ÷ 275,000 = 0.8×
    assert found.coverage == D("0.8000")
    # weighted: 100,000 × 0.8 + 50,000 × 0.9 + 40,000 × 0.4 + 30,000 × 0.1 = 80,000 + 45,000 + 16,000 +
    # 3,000 = 144,000; ÷ 275,000 = 0.52364 → 0.5236
    assert found.weighted == D("144000") and found.weighted_coverage == D("0.5236")
    assert (found.deals, found.status, found.status_text) == (4, "thin", "Thin")


def test_coverage_of_the_later_snapshot_worked_by_hand():
    found = cover(LATER)
    # open: B 60,000 (best case, pulled in) + E 45,000 (pipeline) + F 20,000 (commit) = 125,000; A slipped
    # out, C won, D lost. Won: G 25,000 + C 50,000 = 75,000; left 300,000 − 75,000 = 225,000.
    assert (found.open, found.won, found.remaining) == (D("125000"), D("75000"), D("225000"))
    assert found.by_category == {"commit": D("20000"), "best_case": D("60000"), "pipeline": D("45000")}
    # 125,000 ÷ 225,000 = 0.55556 → 0.5556
    assert found.coverage == D("0.5556")
    # weighted: 60,000 × 0.5 + 45,000 × 0.25 + 20,000 × 0.7 = 30,000 + 11,250 + 14,000 = 55,250;
    # ÷ 225,000 = 0.24556 → 0.2456
    assert found.weighted == D("55250") and found.weighted_coverage == D("0.2456")


def test_coverage_is_healthy_at_the_threshold_and_gone_once_the_target_is_won():
    # a target of 116,666.67 leaves 116,666.67 − 75,000 = 41,666.67; 125,000 ÷ 41,666.67 = 3.0000 → healthy
    assert cover(LATER, target=D("116666.67")).status == "healthy"
    # 116,666.68 leaves 41,666.68: 2.99999… rounds to 3.0000 as well; 120,000 leaves 45,000: 2.7778 → thin
    assert cover(LATER, target=D("120000")).coverage == D("2.7778")
    assert cover(LATER, target=D("120000")).status == "thin"
    reached = cover(LATER, target=D("75000"))  # won 75,000 = target: nothing left to cover
    assert (reached.coverage, reached.weighted_coverage, reached.status) == (None, None, "reached")
    assert reached.status_text == "Target reached"
    assert cover(LATER, target=None).status == "no_target"


def test_movement_between_the_snapshots_worked_by_hand():
    moved = pipeline.movement_of(EARLIER, LATER, start=START, end=END)
    ids = {kind: [m.after.external_id for m in moved.moves[kind]] for kind in pipeline.KINDS}
    assert ids == {
        "created": ["F"],
        "won": ["C"],
        "lost": ["D"],
        "slipped": ["A"],
        "pulled_in": ["B"],
        "amount_changed": ["E"],
        "slipped_in": [],
        "pulled_out": [],
    }
    totals = {kind: moved.total(kind) for kind in pipeline.KINDS}
    # created F 20,000; won C 50,000; lost D 40,000; slipped A 100,000; pulled in B 60,000; E 30,000 → 45,000
    assert totals == {
        "created": D("20000"),
        "won": D("50000"),
        "lost": D("40000"),
        "slipped": D("100000"),
        "pulled_in": D("60000"),
        "amount_changed": D("15000"),
        "slipped_in": D("0"),
        "pulled_out": D("0"),
    }
    # the coverage moved accordingly: open 220,000 − A 100,000 − C 50,000 − D 40,000 + B 60,000 + E 15,000
    # + F 20,000 = 125,000
    assert D("220000") - 100000 - 50000 - 40000 + 60000 + 15000 + 20000 == cover(LATER).open


def test_the_next_quarter_sees_the_slipped_deal_arrive_and_the_pulled_in_one_leave():
    # the quarter after: 1 Feb – 30 Apr 2027. A moved 15 Dec → 20 Feb (in, later); B 10 Mar → 10 Jan (out,
    # earlier); nothing else closes in it.
    moved = pipeline.movement_of(EARLIER, LATER, start=dt.date(2027, 2, 1), end=dt.date(2027, 4, 30))
    ids = {kind: [m.after.external_id for m in moves] for kind, moves in moved.moves.items() if moves}
    assert ids == {"slipped_in": ["A"], "pulled_out": ["B"]}


def test_a_deal_outside_the_quarter_in_both_snapshots_does_not_move():
    far = [deal("Z", "pipeline", "10", "10", dt.date(2027, 6, 1))]
    later = [deal("Z", "closed_won", "99", "100", dt.date(2027, 7, 1))]
    assert pipeline.movement_of(far, later, start=START, end=END).empty


# --- From the database, for a plan -------------------------------------------------------------------------


@pytest.fixture
def planned(org, people):
    """Team A1's FY2028 plan: a target of 1,200,000 (even phasing: 300,000 a quarter), cascaded to a
    seller whose Q1 months are 40,000 + 50,000 + 60,000 = 150,000."""
    plan = PlanFactory(org_unit=org.team_a1, fiscal_year=2028)
    SalesTarget.objects.create(plan=plan, new_business=D("1200000"))
    seller = SellerFactory(org_unit=org.team_a1, email="ann@example.test", name="Ann")
    months = ["40000", "50000", "60000"] + ["0"] * 9
    TargetAllocation.objects.create(plan=plan, seller=seller, months=months)
    return plan, seller


def store(snapshot, rows, unit, seller=None):
    for external_id, category, amount, probability, close in rows:
        Opportunity.objects.create(
            snapshot_date=snapshot,
            external_id=external_id,
            org_unit=unit,
            seller=seller,
            amount=D(amount),
            probability=D(probability),
            category=category,
            close_date=close,
        )


def test_a_plans_coverage_by_unit_and_seller_from_the_latest_snapshot(org, people, planned):
    plan, seller = planned
    q1 = engine.quarter(2028, 1)
    inside = q1.start + dt.timedelta(days=20)
    store(q1.start - dt.timedelta(days=30), [("OLD", "commit", "999", "50", inside)], org.team_a1)
    snapshot = q1.start - dt.timedelta(days=10)
    store(snapshot, [("S1", "commit", "200000", "50", inside), ("S2", "closed_won", "30000", "100", inside)],
          org.team_a1, seller)  # fmt: skip
    store(snapshot, [("U1", "pipeline", "400000", "10", inside)], org.team_a1)
    store(snapshot, [("B1", "commit", "777777", "90", inside)], org.team_b1)  # another unit: not counted
    found = pipeline.plan_pipeline(plan, 1, on=q1.start)
    assert found.snapshot == snapshot
    unit, ann = found.rows
    # unit: open 200,000 + 400,000 = 600,000; won 30,000; 300,000 − 30,000 = 270,000 left → 2.2222×
    assert (unit.coverage.target, unit.coverage.open, unit.coverage.coverage) == (
        D("300000.00"), D("600000.00"), D("2.2222"),
    )  # fmt: skip
    # weighted: 200,000 × 0.5 + 400,000 × 0.1 = 140,000 ÷ 270,000 = 0.5185
    assert unit.coverage.weighted_coverage == D("0.5185") and unit.coverage.status == "thin"
    # Ann: open 200,000; won 30,000 of 150,000 → 120,000 left → 1.6667×
    assert (ann.subject, ann.coverage.coverage) == (seller, D("1.6667"))
    # every deal of the later snapshot is new to it: the earlier one held only OLD, which it no longer has
    created = [m.after.external_id for m in found.movement.moves["created"]]
    assert found.movement.earlier is not None and created == ["S1", "S2", "U1"]
    PlanningSettings.objects.update(healthy_pipeline_coverage=D("2"))
    assert pipeline.plan_pipeline(plan, 1, on=q1.start).rows[0].coverage.status == "healthy"


def test_no_snapshot_gives_an_empty_pipeline(org, people, planned):
    plan, _ = planned
    found = pipeline.plan_pipeline(plan, 1)
    assert found.empty and found.rows[0].coverage.open == 0 and found.movement.empty


def test_the_coverage_api_answers_who_sees_the_plan_and_hides_it_from_others(org, people, planned):
    plan, _ = planned
    q1 = engine.quarter(2028, 1)
    yesterday = timezone.localdate() - dt.timedelta(days=1)  # the latest snapshot on or before today
    store(yesterday, [("U1", "commit", "150000", "60", q1.start)], org.team_a1)
    answer = api_as(people.viewer).get(f"/api/pipeline-coverage/?plan={plan.pk}&quarter=1")
    assert answer.status_code == 200
    top = answer.json()[0]
    # 150,000 ÷ 300,000 = 0.5×; weighted 90,000 ÷ 300,000 = 0.3×
    assert (top["subject"], top["open"], top["coverage"], top["weighted_coverage"], top["status"]) == (
        "team-a1", "150000.00", "0.5000", "0.3000", "thin",
    )  # fmt: skip
    assert api_as(people.sibling).get(f"/api/pipeline-coverage/?plan={plan.pk}&quarter=1").status_code == 404
    assert api_as(people.viewer).get(f"/api/pipeline-coverage/?plan={plan.pk}&quarter=5").status_code == 400


def test_sales_ops_set_the_healthy_coverage_threshold_on_the_settings_api(org, people):
    current = api_as(people.ops).get("/api/planning-settings/").json()
    assert current["healthy_pipeline_coverage"] == "3.00"
    answer = api_as(people.ops).put(
        "/api/planning-settings/", current | {"healthy_pipeline_coverage": "2.5"}, format="json"
    )
    assert answer.status_code == 200 and PlanningSettings.load().healthy_pipeline_coverage == D("2.5")
    refused = api_as(people.ops).put(
        "/api/planning-settings/", answer.json() | {"healthy_pipeline_coverage": "0"}, format="json"
    )
    assert refused.status_code == 400 and "healthy_pipeline_coverage" in str(refused.json())


def test_a_plans_pipeline_costs_the_same_queries_for_2_or_20_sellers_and_their_deals(org, people, planned):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan, _ = planned
    q1 = engine.quarter(2028, 1)
    PlanningSettings.load()

    def grow(start: int, count: int) -> int:
        for n in range(start, start + count):
            seller = SellerFactory(org_unit=org.team_a1)
            TargetAllocation.objects.create(plan=plan, seller=seller, months=["1000"] * 12)
            for day in (q1.start - dt.timedelta(days=20), q1.start - dt.timedelta(days=10)):
                store(day, [(f"D{n}", "commit", "5000", "50", q1.start)], org.team_a1, seller)
        with CaptureQueriesContext(connection) as ctx:
            found = pipeline.plan_pipeline(plan, 1, on=q1.start)
        assert len(found.rows) == 1 + 1 + start + count  # the unit, Ann, the sellers so far
        return len(ctx.captured_queries)

    assert grow(0, 2) == grow(2, 18)
