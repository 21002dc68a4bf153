"""Sales contests: the sellers of a unit ranked on an activity KPI over a date range (writes and reads).

What a contest may rank: an *activity* KPI, one that adds up over the days of the window — a count summed
(aggregation "sum", unit a count or no unit, higher is better), such as calls logged or meetings held. A
ratio (win rate), an average, a stock read as its last value (pipeline, ARR) and money (revenue, which is a
quota's business, not a contest's) are refused, naming the KPI.

Who is on the board: every seller of the contest's unit and the units below it who works there on at least
one day of the contest (a seller who left before it starts or joins after it ends is out). A seller who
joins or leaves during the contest is on the board with what they logged while there, marked as such.

The value of each seller is the KPI engine's actual for that seller over the days from the contest's start
to its end or today, whichever comes first: actuals count by the day they are dated, so data loaded late
for a day inside the contest changes the board when it arrives, and data dated outside it never counts. A
contest crossing a fiscal year is read as one engine window per fiscal year, added up (the KPI is a sum).
Ranks are competition ranks (1, 2, 2, 4); sellers with no data yet rank as 0 and are shown as "—".
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from core.services import Actor, audited_delete, versioned_create, versioned_update
from metrics import engine
from metrics.models import KPI
from orgs import permissions
from orgs.models import DATE_MESSAGE, FIRST_DAY, LAST_DAY, FiscalCalendar, OrgUnit, Seller
from planning.dashboard import Panel
from sellers.models import Contest

ZERO = Decimal("0")
LONGEST_DAYS = 366  # a contest is a sprint or a season, never longer than a year
TOP = 10  # what a seller sees of the board: the top ten, and their own line if below
UPCOMING, RUNNING, ENDED = "upcoming", "running", "ended"
STATUS_LABELS = {UPCOMING: "Upcoming", RUNNING: "Running", ENDED: "Ended"}
WRITE_ROLES = permissions.EDIT_METRICS  # sales ops of the unit or above, sales leaders of the unit


# --- What may be contested ----------------------------------------------------------------------------


def activity_problem(kpi: KPI) -> str | None:
    """Why `kpi` cannot be ranked in a contest, or None when it is an activity KPI."""
    name, ranks = f"“{kpi.name}”", "a contest ranks an activity that adds up, like calls or meetings."
    if kpi.aggregation == KPI.Aggregation.RATIO:
        return f"{name} is a ratio of two KPIs; {ranks}"
    if kpi.aggregation == KPI.Aggregation.LAST:
        return f"{name} is a stock, read as its last value; {ranks}"
    if kpi.aggregation == KPI.Aggregation.AVERAGE:
        return f"{name} is an average; {ranks}"
    if kpi.unit == KPI.Unit.CURRENCY:
        return f"{name} is money, measured against quotas; {ranks}"
    if kpi.unit == KPI.Unit.PERCENT:
        return f"{name} is a percentage; {ranks}"
    if kpi.direction != KPI.Direction.HIGHER:
        return f"{name} is lower-is-better; a contest ranks the most of an activity first."
    if not kpi.active:
        return f"{name} is no longer an active KPI."
    return None


def activity_kpis() -> QuerySet[KPI]:
    """The KPIs a contest may rank (see `activity_problem`)."""
    return KPI.objects.filter(
        aggregation=KPI.Aggregation.SUM,
        unit__in=[KPI.Unit.COUNT, ""],
        direction=KPI.Direction.HIGHER,
        active=True,
    ).order_by("name")


# --- Status and scope ----------------------------------------------------------------------------------


def contest_status(contest: Contest, today: dt.date) -> str:
    if today < contest.start:
        return UPCOMING
    return RUNNING if today <= contest.end else ENDED


def _status_order(today: dt.date) -> Case:
    """Running first, then upcoming, then ended."""
    return Case(
        When(start__gt=today, then=Value(1)),
        When(end__lt=today, then=Value(2)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _listed(contests: QuerySet[Contest], today: dt.date) -> QuerySet[Contest]:
    """Contests as every list shows them: running, then upcoming, then ended; KPI and unit read along."""
    return (
        contests.select_related("kpi", "org_unit", "created_by")
        .annotate(status_order=_status_order(today))
        .order_by("status_order", "-start", "name", "pk")
    )


def contest_list(*, user, today: dt.date) -> QuerySet[Contest]:
    """The contests of the units `user` reads through a role."""
    return _listed(Contest.objects.visible_to(user), today)


def contest_get(*, user, contest_id: int) -> Contest:
    """The contest if `user` reads its unit through a role; 404 otherwise."""
    return get_object_or_404(
        Contest.objects.visible_to(user).select_related("kpi", "org_unit", "created_by"), pk=contest_id
    )


def seller_contests(*, seller: Seller, today: dt.date) -> QuerySet[Contest]:
    """The contests of the seller's unit and of the units above it (what the seller seat sees)."""
    line = [*seller.org_unit.ancestor_ids, seller.org_unit_id]
    return _listed(Contest.objects.filter(org_unit_id__in=line), today)


def seller_contest_get(*, seller: Seller, contest_id: int, today: dt.date) -> Contest:
    return get_object_or_404(seller_contests(seller=seller, today=today), pk=contest_id)


def contests_readable(*, user, today: dt.date) -> QuerySet[Contest]:
    """Every contest `user` may read: through a role, or as a seller of a unit it covers."""
    seller = permissions.seller_of(user)
    by_role = Q(pk__in=Contest.objects.visible_to(user).values("pk"))
    if seller is not None:
        by_role |= Q(org_unit_id__in=[*seller.org_unit.ancestor_ids, seller.org_unit_id])
    return _listed(Contest.objects.filter(by_role), today)


def may_edit(user, contest: Contest) -> bool:
    return permissions.has_role(user, contest.org_unit, WRITE_ROLES)


def units_for_contests(user) -> QuerySet[OrgUnit]:
    """The units where `user` may run a contest."""
    return OrgUnit.objects.with_role(user, WRITE_ROLES)


def contest_history(*, contest: Contest) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Contest), object_id=str(contest.pk)
        )
        .select_related("content_type", "actor")
        .order_by("-at", "-id")
    )


# --- Writes ---------------------------------------------------------------------------------------------


def _validate(values: dict) -> None:
    """A contest's values, checked whole: an activity KPI and a forward range of at most a year."""
    errors: dict[str, list[str]] = {}
    kpi, start, end = values.get("kpi"), values.get("start"), values.get("end")
    if kpi is not None and (problem := activity_problem(kpi)):
        errors["kpi"] = [problem]
    for name, day in (("start", start), ("end", end)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            errors[name] = [f"{DATE_MESSAGE} {day.isoformat()} is outside."]
    if start and end and "start" not in errors and "end" not in errors:
        if end < start:
            errors["end"] = ["A contest ends on or after the day it starts."]  # the model's words
        elif (end - start).days + 1 > LONGEST_DAYS:
            days = (end - start).days + 1
            errors["end"] = [f"A contest runs at most {LONGEST_DAYS} days; this one would run {days}."]
    if errors:
        raise ValidationError(errors)


def _permit(actor: Actor, unit: OrgUnit) -> None:
    if not permissions.has_role(actor, unit, WRITE_ROLES):
        raise PermissionDenied(f"Only sales ops and the sales leaders of {unit} can run contests there.")


@transaction.atomic
def contest_create(*, actor: Actor, values: dict) -> Contest:
    """A new contest on `values["org_unit"]`, by sales ops or a sales leader of that unit."""
    _permit(actor, values["org_unit"])
    _validate(values)
    user = actor if actor is not None and actor.is_authenticated else None
    return versioned_create(model=Contest, values={**values, "created_by": user}, actor=actor)


@transaction.atomic
def contest_update(*, actor: Actor, contest: Contest, version: int, values: dict) -> Contest:
    """Change a contest (its unit too, if the actor may run contests in both)."""
    _permit(actor, contest.org_unit)
    if "org_unit" in values and values["org_unit"] != contest.org_unit:
        _permit(actor, values["org_unit"])
    _validate({"kpi": contest.kpi, "start": contest.start, "end": contest.end, **values})
    return versioned_update(instance=contest, version=version, values=values, actor=actor)


@transaction.atomic
def contest_delete(*, actor: Actor, contest: Contest, version: int) -> None:
    _permit(actor, contest.org_unit)
    audited_delete(instance=contest, version=version, actor=actor)


# --- The leaderboard ---------------------------------------------------------------------------------


@dataclass
class Row:
    rank: int
    seller: Seller
    value: Decimal | None  # None: no data for the seller in the contest yet
    joined: dt.date | None = None  # joined during the contest
    left: dt.date | None = None  # left during the contest
    share: int = 0  # the bar: % of the leader's value

    @property
    def score(self) -> Decimal:
        return self.value if self.value is not None else ZERO


@dataclass
class Board:
    contest: Contest
    status: str
    rows: list[Row]
    until: dt.date | None  # the last day counted: the end, or today while running; None before the start
    as_of: dt.date | None  # the latest data date of the unit's rows (the engine's)
    stale: bool  # no data within the KPI's review cadence (the engine's rule)
    windows: list[engine.Window] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def row_of(self, seller: Seller | None) -> Row | None:
        return next((r for r in self.rows if seller is not None and r.seller.pk == seller.pk), None)

    def around(self, seller: Seller | None, top: int = TOP) -> list[Row]:
        """The top `top` lines and the seller's own line below them."""
        shown = self.rows[:top]
        own = self.row_of(seller)
        return shown + [own] if own is not None and own not in shown else shown

    def hidden_above(self, seller: Seller | None, top: int = TOP) -> int:
        """How many lines lie between the top `top` and the seller's own line (not shown to them)."""
        own = self.row_of(seller)
        return max(0, self.rows.index(own) - top) if own is not None else 0


def contest_windows(start: dt.date, until: dt.date, rules=None) -> list[engine.Window]:
    """The engine's windows covering `start`..`until`: one per fiscal year the days fall in."""
    rules = rules or FiscalCalendar.current_rules()
    windows, day = [], start
    while day <= until:
        last = min(until, rules.year_range(rules.fiscal_year_of(day))[1])
        label = f"{day.isoformat()}..{last.isoformat()}"
        windows.append(engine.date_range(day, last, label=label, rules=rules))
        day = last + dt.timedelta(days=1)
    return windows


def _on_board(contest: Contest, seller: Seller) -> bool:
    """Whether `seller` works in the contest's subtree on at least one of its days."""
    return (
        seller.org_unit.path.startswith(contest.org_unit.path)
        and seller.start_date <= contest.end
        and (seller.end_date is None or seller.end_date >= contest.start)
    )


def contestants(contest_list: list[Contest]) -> QuerySet[Seller]:
    """The sellers on any of the contests' boards (see `_on_board`), in one query."""
    on_any = Q(pk__in=[])
    for c in contest_list:
        on_any |= Q(org_unit__path__startswith=c.org_unit.path, start_date__lte=c.end) & (
            Q(end_date__isnull=True) | Q(end_date__gte=c.start)
        )
    return Seller.objects.filter(on_any).select_related("org_unit")


def leaderboard(contest: Contest, today: dt.date) -> Board:
    """Every contestant ranked on the engine's actual from the start to the end or today."""
    return leaderboards([contest], today)[0]


def leaderboards(contest_list: list[Contest], today: dt.date) -> list[Board]:
    """The boards of several contests from one read of the sellers and one run of the engine."""
    if not contest_list:
        return []
    rules = FiscalCalendar.current_rules()
    sellers = list(contestants(contest_list))
    until = {c.pk: min(c.end, today) if contest_status(c, today) != UPCOMING else None for c in contest_list}
    spans = {c.pk: contest_windows(c.start, until[c.pk], rules) if until[c.pk] else [] for c in contest_list}
    results = engine.evaluate(
        kpis={c.kpi_id: c.kpi for c in contest_list}.values(),
        windows=list({w.label: w for ws in spans.values() for w in ws}.values()),
        units={c.org_unit_id: c.org_unit for c in contest_list}.values(),
        sellers=sellers,
        today=today,
    )
    boards = []
    for contest in contest_list:
        on_board = [s for s in sellers if _on_board(contest, s)]
        boards.append(_board(contest, on_board, results, spans[contest.pk], until[contest.pk], today))
    return boards


def _board(contest: Contest, sellers, results: engine.Results, windows, until, today: dt.date) -> Board:
    rows = [_row(contest, seller, results, windows) for seller in sellers]
    _rank(rows)
    as_of, stale = None, False
    if windows:
        unit = results.get(contest.kpi, windows[-1], unit=contest.org_unit)
        as_of, stale = unit.last_date, unit.stale
    return Board(contest, contest_status(contest, today), rows, until, as_of, stale, windows)


def _row(contest: Contest, seller: Seller, results: engine.Results, windows) -> Row:
    actuals = [results.get(contest.kpi, w, seller=seller).actual for w in windows]
    known = [a for a in actuals if a is not None]
    return Row(
        rank=0,
        seller=seller,
        value=sum(known, ZERO) if known else None,
        joined=seller.start_date if seller.start_date > contest.start else None,
        left=seller.end_date if seller.end_date and seller.end_date < contest.end else None,
    )


def _rank(rows: list[Row]) -> None:
    """Competition ranking (1, 2, 2, 4), highest first; a tie is listed by name."""
    rows.sort(key=lambda r: (-r.score, r.seller.name.casefold(), r.seller.pk))
    top = rows[0].score if rows else ZERO
    previous = None
    for position, row in enumerate(rows, start=1):
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank
        row.share = int(row.score * 100 / top) if top > 0 and row.score > 0 else 0


# --- The seller seat's standings --------------------------------------------------------------------------


@dataclass
class Standing:
    board: Board
    row: Row | None  # the seller's line; None when they are not on this board
    seller: Seller

    @property
    def contest(self) -> Contest:
        return self.board.contest

    @property
    def why_not(self) -> str:
        """Why the seller is not on the board ("" when they are)."""
        if self.row is not None:
            return ""
        if self.seller.start_date > self.contest.end:
            return "you joined after it ended"
        if self.seller.end_date and self.seller.end_date < self.contest.start:
            return "you left before it started"
        return f"it ranks the sellers of {self.contest.org_unit}"


def standing(board: Board, seller: Seller) -> Standing:
    return Standing(board, board.row_of(seller), seller)


def seller_standings(*, seller: Seller, today: dt.date, limit: int = 5) -> list[Standing]:
    """The seller's place in the contests of their unit line: running first, then upcoming, then ended."""
    boards = leaderboards(list(seller_contests(seller=seller, today=today)[:limit]), today)
    return [standing(board, seller) for board in boards]


def panels(user) -> list[Panel]:
    """The home page's "My contests" panel, for a user linked to a seller with a contest on their line."""
    seller = permissions.seller_of(user)
    if seller is None:
        return []
    standings = seller_standings(seller=seller, today=timezone.localdate(), limit=3)
    if not standings:
        return []
    data = {"standings": standings, "url": reverse("my-contests")}
    return [Panel("My contests", "sellers/panels/contests.html", data)]
