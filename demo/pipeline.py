"""Two pipeline snapshots of North America, four and two weeks before today, loaded through the importer (a
pipeline batch each, so the Imports page lists them). Each team's open deals are sized from its plan's
target of the quarter in progress (metrics.pipeline.subjects, the same targets the coverage reads), so
Enterprise East and Mid-Market come out healthy and Enterprise West thin; between the snapshots each team
has a deal that slipped out of the quarter, one pulled in, one won, one lost, one whose amount changed and
one created."""

import csv
import datetime as dt
import io
import random
from decimal import Decimal

from django.utils import timezone

from metrics import engine, importer, pipeline
from metrics.models import ImportBatch, PullSource
from metrics.pipeline_import import COLUMNS
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning.models import Plan

TEAMS = {"na-ent-east": Decimal("3.6"), "na-ent-west": Decimal("1.9"), "na-mid-market": Decimal("3.3")}
WON_SHARE = Decimal("0.3")  # of the quarter's target, already won four weeks ago
STAGES = {"pipeline": "Discover", "best_case": "Propose", "commit": "Negotiate", "closed_won": "Closed"}
CATEGORY_PROBABILITY = {"pipeline": 20, "best_case": 50, "commit": 80}
DEALS = [
    "platform",
    "renewal",
    "expansion",
    "pilot",
    "add-on",
    "seats",
    "migration",
    "analytics",
    "support",
    "security",
    "training",
    "upgrade",
    "rollout",
]
NAMES = ["Contoso", "Fabrikam", "Litware", "Northwind Traders", "Tailspin", "Wingtip", "Adatum", "Proseware"]


def seed(units: dict[str, OrgUnit], users: dict) -> list[ImportBatch]:
    today = timezone.localdate()
    earlier, later = today - dt.timedelta(days=28), today - dt.timedelta(days=14)
    rules = FiscalCalendar.current_rules()
    at = rules.locate(today)
    window = engine.quarter(at.fiscal_year, at.quarter)
    rng = random.Random(22)
    before: list[dict] = []
    after: list[dict] = []
    for code, coverage in TEAMS.items():
        team = _team(units[code], window, coverage, earlier, later, rng)
        before += team[0]
        after += team[1]
    return [
        _load(users["ops"], f"pipeline-{day.isoformat()}.csv", rows)
        for day, rows in ((earlier, before), (later, after))
    ]


def _load(ops, name: str, rows: list[dict]) -> ImportBatch:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    batch = importer.submit(
        actor=ops, name=name, data=out.getvalue().encode(), run_inline=True, loads=PullSource.Loads.PIPELINE
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors or batch.message
    return batch


def _target(unit: OrgUnit, window: engine.Window) -> Decimal:
    """The team's target of the quarter by its plan for the year (as coverage reads it)."""
    plan = Plan.objects.filter(org_unit=unit, fiscal_year=window.fiscal_year).first()
    quarter = window.periods[0].quarter
    found = pipeline.subjects(plan, quarter, top_only=True)[0][2] if plan else None
    return found or Decimal("900000")


def _team(unit, window, coverage, earlier, later, rng) -> tuple[list[dict], list[dict]]:
    """(the earlier snapshot's rows, the later one's) of one team."""
    target = _target(unit, window)
    sellers = [
        s
        for s in Seller.objects.filter(org_unit=unit).order_by("pk")
        if s.is_active_on(earlier) and s.is_active_on(later)
    ] or [None]
    open_total = (target * (1 - WON_SHARE) * coverage).quantize(Decimal("1000"))
    inside = lambda: _day(rng, max(later + dt.timedelta(days=7), window.start), window.end)  # noqa: E731
    deals = []
    # the won to date: a deal closed before the first snapshot for every other seller
    winners = sellers[::2]
    for n, seller in enumerate(winners):
        amount = (target * WON_SHARE / len(winners)).quantize(Decimal("100"))
        close = max(window.start, earlier - dt.timedelta(days=3 + n))
        deals.append(_deal(unit, seller, f"{unit.code}-W{n}", amount, "closed_won", close))
    # the open pipeline: each seller's share weighted 1, 2 or 3 (so some sellers are covered and some
    # thin), in deals of 40–160k until the share is reached
    weights = [1 + n % 3 for n in range(len(sellers))]
    n = 0
    for seller, weight in zip(sellers, weights, strict=True):
        left = (open_total * weight / sum(weights)).quantize(Decimal("1000"))
        while left > 0:
            amount = min(left, Decimal(rng.randrange(40, 161)) * 1000)
            category = rng.choice(["pipeline", "pipeline", "best_case", "commit"])
            deals.append(_deal(unit, seller, f"{unit.code}-{n:03d}", amount, category, inside()))
            left, n = left - amount, n + 1
    # one deal beyond the quarter, in the earlier snapshot: the one pulled in
    beyond = window.end + dt.timedelta(days=20)
    deals.append(_deal(unit, sellers[-1], f"{unit.code}-NEXT", Decimal("90000"), "best_case", beyond))
    before = [dict(d, snapshot_date=earlier.isoformat()) for d in deals]
    moved = _moves(deals, unit, sellers, window, later, inside)
    after = [dict(d, snapshot_date=later.isoformat()) for d in moved]
    return before, after


def _moves(deals: list[dict], unit, sellers, window, later, inside) -> list[dict]:
    """The later snapshot: four open deals won, lost, slipped and grown, the one beyond pulled in, and
    a deal created."""
    deals = [dict(d) for d in deals]
    open_ones = [d for d in deals if d["category"] in CATEGORY_PROBABILITY]
    count = len(open_ones)  # moves spread over the sellers
    won, lost, slipped, grown = (open_ones[count * k // 4] for k in range(4))
    won.update(
        category="Closed won",
        probability="100",
        stage="Closed",
        close_date=_iso(later - dt.timedelta(days=2)),
    )
    lost.update(
        category="Closed lost", probability="0", stage="Closed", close_date=_iso(later - dt.timedelta(days=1))
    )
    slipped.update(close_date=_iso(window.end + dt.timedelta(days=35)))
    grown.update(amount=str(Decimal(grown["amount"]) + 25000))
    pulled = next(d for d in deals if d["external_id"].endswith("-NEXT"))
    pulled.update(close_date=_iso(inside()), category="Commit", probability="80", stage="Negotiate")
    deals.append(_deal(unit, sellers[0], f"{unit.code}-NEW", Decimal("60000"), "pipeline", inside()))
    return deals


def _deal(unit, seller, external_id: str, amount: Decimal, category: str, close: dt.date) -> dict:
    suffix = external_id.rsplit("-", 1)[-1]  # 000…, W0…, NEXT, NEW: a different name for each deal of a team
    team = list(TEAMS).index(unit.code) if unit.code in TEAMS else 0  # each team's moved deals named apart
    number = {"NEXT": 96 + team, "NEW": 100 + team}.get(suffix) or (
        80 + int(suffix[1:]) if suffix[0] == "W" else int(suffix)
    )  # below 104, the names there are: one name per deal of a team
    return {
        "external_id": external_id.upper(),
        "name": f"{NAMES[number % len(NAMES)]} {DEALS[number // len(NAMES) % len(DEALS)]}",
        "unit": unit.code,
        "seller": seller.email if seller else "",
        "amount": str(amount),
        "stage": STAGES.get(category, "Closed"),
        "probability": str(CATEGORY_PROBABILITY.get(category, 100)),
        "category": category,
        "close_date": _iso(close),
    }


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return end
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _iso(day: dt.date) -> str:
    return day.isoformat()
