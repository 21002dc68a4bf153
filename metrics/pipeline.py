"""Pipeline coverage and movement: the one implementation the QBR page, the leader's home, the one-pager
and the API all read (DESIGN, "Pipeline").

Coverage of a quarter for a unit (its whole subtree) or a seller, from one snapshot:
- open = Σ amount of the deals in pipeline, best case or commit whose close date falls in the quarter;
- won = Σ amount of the closed-won deals whose close date falls in the quarter (won to date);
- coverage = open ÷ (target − won), weighted coverage = Σ amount × probability ÷ 100 over the same open
  deals ÷ (target − won); neither exists once won reaches the target ("target reached");
- status: healthy at or above the company's healthy_pipeline_coverage (3× by default), else thin.
The target is the plan's own: the plan's unit's by its phasing (planning.cascade.phasing), a child unit's
or seller's by its row of the cascade grid (TargetAllocation.month_amounts), summed over the quarter's
three fiscal months.

Movement between two snapshots of the deals in scope touching the quarter: created (in the later only),
won and lost (their category became closed won / closed lost), slipped (close date moved out of the
quarter, later), pulled in (moved into the quarter, earlier), amount changed (before and after).

`coverage_of` and `movement_of` are pure functions over rows; the rest reads the rows once and calls them.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Min

from metrics import engine
from metrics.models import Opportunity
from orgs.models import FiscalCalendar, OrgUnit, Seller
from planning import calc
from planning.cascade import phasing
from planning.models import Plan, PlanningSettings, TargetAllocation

ZERO = Decimal("0")
C = Opportunity.Category
OPEN = (C.PIPELINE, C.BEST_CASE, C.COMMIT)
HEALTHY, THIN, REACHED, NO_TARGET = "healthy", "thin", "reached", "no_target"
STATUS_TEXT = {
    HEALTHY: "Healthy",
    THIN: "Thin",
    REACHED: "Target reached",
    NO_TARGET: "No target",
}
TONES = {HEALTHY: "good", THIN: "warn", REACHED: "good", NO_TARGET: "muted"}
EMPTY = "No pipeline snapshot loaded yet — load one on Imports."


@dataclass(frozen=True)
class Deal:
    """One opportunity as a snapshot saw it: what the figures need."""

    external_id: str
    name: str
    unit_path: str
    seller_id: int | None
    amount: Decimal
    probability: Decimal
    category: str
    close_date: dt.date

    @property
    def weighted(self) -> Decimal:
        return self.amount * self.probability / 100


@dataclass
class Coverage:
    """A subject's coverage of one quarter from one snapshot."""

    target: Decimal | None
    won: Decimal
    open: Decimal
    weighted: Decimal
    by_category: dict[str, Decimal]
    deals: int  # open deals closing in the quarter
    threshold: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.target is None else self.target - self.won

    @property
    def coverage(self) -> Decimal | None:
        return self._over(self.open)

    @property
    def weighted_coverage(self) -> Decimal | None:
        return self._over(self.weighted)

    def _over(self, amount: Decimal) -> Decimal | None:
        remaining = self.remaining
        return calc.ratio(amount, remaining) if remaining is not None and remaining > 0 else None

    @property
    def status(self) -> str:
        if self.target is None:
            return NO_TARGET
        if self.remaining <= 0:
            return REACHED
        return HEALTHY if self.coverage >= self.threshold else THIN

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def tone(self) -> str:
        return TONES[self.status]

    @property
    def categories(self) -> list[tuple[str, str, Decimal]]:
        """(value, label, amount) of each open category, in the forecast's order."""
        return [(c.value, c.label, self.by_category.get(c.value, ZERO)) for c in OPEN]


def in_window(day: dt.date, start: dt.date, end: dt.date) -> bool:
    return start <= day <= end


def coverage_of(
    deals: Iterable[Deal], *, target: Decimal | None, start: dt.date, end: dt.date, threshold: Decimal
) -> Coverage:
    """Coverage of the quarter from `start` to `end` by `deals` (already narrowed to the subject)."""
    open_amount = weighted = won = ZERO
    by_category = {c.value: ZERO for c in OPEN}
    count = 0
    for deal in deals:
        if not in_window(deal.close_date, start, end):
            continue
        if deal.category == C.CLOSED_WON:
            won += deal.amount
        elif deal.category in OPEN:
            open_amount += deal.amount
            weighted += deal.weighted
            by_category[deal.category] += deal.amount
            count += 1
    return Coverage(target, won, open_amount, weighted, by_category, count, threshold)


# --- Movement -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A deal that moved between two snapshots: as it was (None when new) and as it is."""

    before: Deal | None
    after: Deal

    @property
    def amount(self) -> Decimal:
        return self.after.amount

    @property
    def change(self) -> Decimal:
        return self.after.amount - (self.before.amount if self.before else ZERO)


KINDS = ("created", "won", "lost", "slipped", "pulled_in", "amount_changed", "slipped_in", "pulled_out")
KIND_LABELS = {
    "created": "Created",
    "won": "Won",
    "lost": "Lost",
    "slipped": "Slipped out of the quarter",
    "pulled_in": "Pulled into the quarter",
    "amount_changed": "Amount changed",
    # the same moves seen from the other side: a later quarter gains what slipped, an earlier one loses
    # what was pulled forward
    "slipped_in": "Slipped in from an earlier quarter",
    "pulled_out": "Pulled forward out of the quarter",
}


@dataclass
class Movement:
    """What moved between two snapshots, by kind; each kind's total is Σ amount after (amount changed: Σ
    of the changes)."""

    earlier: dt.date | None
    later: dt.date | None
    moves: dict[str, list[Move]] = field(default_factory=lambda: {k: [] for k in KINDS})

    def total(self, kind: str) -> Decimal:
        moves = self.moves[kind]
        if kind == "amount_changed":
            return sum((m.change for m in moves), ZERO)
        return sum((m.amount for m in moves), ZERO)

    @property
    def kinds(self) -> list[dict]:
        return [
            {"kind": k, "label": KIND_LABELS[k], "moves": self.moves[k], "total": self.total(k)}
            for k in KINDS
        ]

    @property
    def empty(self) -> bool:
        return not any(self.moves.values())


def movement_of(
    earlier: Iterable[Deal], later: Iterable[Deal], *, start: dt.date, end: dt.date, dates=(None, None)
) -> Movement:
    """How the deals touching the quarter from `start` to `end` moved from one snapshot to the next: a
    deal touches it when either snapshot has it closing inside. Won and lost exclude slipped and pulled in
    (the deal is closed); amount changed is listed whatever else happened."""
    before = {d.external_id: d for d in earlier}
    result = Movement(*dates)
    for deal in later:
        old = before.get(deal.external_id)
        inside = in_window(deal.close_date, start, end)
        if old is None:
            if inside:
                result.moves["created"].append(Move(None, deal))
            continue
        was_inside = in_window(old.close_date, start, end)
        if not (inside or was_inside):
            continue
        kind = _moved(old, deal, inside, was_inside)
        if kind:
            result.moves[kind].append(Move(old, deal))
        if old.amount != deal.amount:
            result.moves["amount_changed"].append(Move(old, deal))
    return result


def _moved(old: Deal, new: Deal, inside: bool, was_inside: bool) -> str | None:
    for closed, kind in ((C.CLOSED_WON, "won"), (C.CLOSED_LOST, "lost")):
        if new.category == closed and old.category != closed:
            return kind
    if new.category not in OPEN:
        return None
    later = new.close_date > old.close_date
    if was_inside and not inside:
        return "slipped" if later else "pulled_out"
    if inside and not was_inside:
        return "slipped_in" if later else "pulled_in"
    return None


# --- Reading the rows ---------------------------------------------------------------------------------------


def snapshot_dates(user=None) -> list[dt.date]:
    """Every snapshot's date, latest first (of the rows the user sees, if one is given)."""
    rows = Opportunity.objects.visible_to(user) if user is not None else Opportunity.objects.all()
    return list(rows.order_by("-snapshot_date").values_list("snapshot_date", flat=True).distinct())


def latest_on(day: dt.date) -> dt.date | None:
    """The latest snapshot taken on or before `day`."""
    return Opportunity.objects.filter(snapshot_date__lte=day).aggregate(d=Max("snapshot_date"))["d"]


def previous(snapshot: dt.date) -> dt.date | None:
    return Opportunity.objects.filter(snapshot_date__lt=snapshot).aggregate(d=Max("snapshot_date"))["d"]


def deals_of(snapshot: dt.date | None, unit: OrgUnit) -> list[Deal]:
    """The snapshot's deals under `unit` (its subtree), read once."""
    if snapshot is None:
        return []
    rows = Opportunity.objects.filter(
        snapshot_date=snapshot, org_unit__path__startswith=unit.path
    ).values_list(
        "external_id",
        "name",
        "org_unit__path",
        "seller_id",
        "amount",
        "probability",
        "category",
        "close_date",
    )
    return [Deal(*row) for row in rows]


def _of(subject: OrgUnit | Seller, kind: str) -> Callable[[Deal], bool]:
    """Whether a deal counts for the subject: a unit's subtree, or the seller's own deals."""
    if kind == "unit":
        return lambda d: d.unit_path.startswith(subject.path)
    return lambda d: d.seller_id == subject.pk


@dataclass
class Row:
    """One line of a plan's coverage table: the plan's unit, a child unit or a seller of its cascade."""

    subject: OrgUnit | Seller
    kind: str  # "unit" or "seller"
    coverage: Coverage


@dataclass
class PlanPipeline:
    """A plan's pipeline for one quarter: the snapshot read, the coverage rows (the plan's unit first) and
    the movement since the snapshot before it."""

    plan: Plan
    quarter: int
    start: dt.date
    end: dt.date
    snapshot: dt.date | None
    rows: list[Row]
    movement: Movement
    threshold: Decimal

    @property
    def top(self) -> Row | None:
        return self.rows[0] if self.rows else None

    @property
    def empty(self) -> bool:
        return self.snapshot is None

    @property
    def first_snapshot(self) -> dt.date | None:
        """With no snapshot by the quarter's end, the first one taken after it (to say so), if any."""
        if self.snapshot is not None:
            return None
        return Opportunity.objects.aggregate(d=Min("snapshot_date"))["d"]


def quarter_target(months: list[Decimal], quarter: int) -> Decimal | None:
    """The quarter's three fiscal months added up; None when the plan sets nothing for them."""
    return sum(months[(quarter - 1) * 3 : quarter * 3], ZERO) or None


def subjects(
    plan: Plan, quarter: int, *, top_only: bool = False
) -> list[tuple[OrgUnit | Seller, str, Decimal | None]]:
    """(subject, "unit" or "seller", its target of the quarter): the plan's unit by the plan's phasing,
    then each row of its cascade grid by the row's months."""
    found = [(plan.org_unit, "unit", quarter_target(phasing(plan), quarter))]
    if top_only:
        return found
    rows = TargetAllocation.objects.filter(plan=plan).select_related("org_unit", "seller")
    for row in rows.order_by("org_unit__path", "seller__name", "pk"):
        found.append(
            (
                row.recipient,
                "unit" if row.org_unit_id else "seller",
                quarter_target(row.month_amounts, quarter),
            )
        )
    return found


def plan_pipeline(
    plan: Plan, quarter: int, *, on: dt.date | None = None, top_only: bool = False
) -> PlanPipeline:
    """Coverage of the plan's quarter by its unit and each row of its cascade grid, from the latest
    snapshot on or before `on` (default: the quarter's end or today, whichever is earlier), and the
    movement since the snapshot before it. `top_only`: the plan's unit alone, without movement (a card)."""
    window = engine.quarter(plan.fiscal_year, quarter)
    snapshot = latest_on(on or min(window.end, metrics_today()))
    threshold = PlanningSettings.load().healthy_pipeline_coverage
    deals = deals_of(snapshot, plan.org_unit)
    span = {"start": window.start, "end": window.end}
    rows = [
        Row(
            subject,
            kind,
            coverage_of(filter(_of(subject, kind), deals), target=target, threshold=threshold, **span),
        )
        for subject, kind, target in subjects(plan, quarter, top_only=top_only)
    ]
    earlier = previous(snapshot) if snapshot and not top_only else None
    moved = Movement(None, snapshot)  # nothing to compare the first snapshot with
    if earlier:
        moved = movement_of(deals_of(earlier, plan.org_unit), deals, dates=(earlier, snapshot), **span)
    return PlanPipeline(plan, quarter, window.start, window.end, snapshot, rows, moved, threshold)


def metrics_today() -> dt.date:
    from metrics.services import today

    return today()


def current_quarter(plan: Plan, today: dt.date) -> int:
    """The plan's quarter in progress; its first before the year, its last after."""
    window = engine.year(plan.fiscal_year)
    if today < window.start:
        return 1
    if today > window.end:
        return 4
    return FiscalCalendar.current_rules().locate(today).quarter


def times(value: Decimal | None) -> str:
    """A coverage multiple as the pages write it: 2.4×."""
    return "—" if value is None else f"{value:.1f}×"


CARD_PLANS = 3  # the leader's units a home card lists


def leader_panel(plans, year: int, today: dt.date):
    """The leader's home card: coverage of the quarter in progress for the units of their plans this year
    (the top ones, by the org tree)."""
    from planning.dashboard import Panel

    chosen = list(
        plans.filter(fiscal_year=year).select_related("org_unit", "seasonality").order_by("org_unit__path")
    )
    quarter = FiscalCalendar.current_rules().locate(today).quarter
    found = [plan_pipeline(p, quarter, on=today, top_only=True) for p in chosen[:CARD_PLANS]]
    data = {"rows": found, "more": max(len(chosen) - CARD_PLANS, 0), "empty": latest_on(today) is None}
    return Panel(f"Pipeline coverage · Q{quarter} FY{year}", "metrics/panels/pipeline_card.html", data)
